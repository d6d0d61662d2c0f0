//! What the benchmarks share: timing a request over HTTP and printing two sizes side by side.

use std::time::{Duration, Instant};

pub struct Timing {
    pub median: Duration,
    pub p95: Duration,
}

/// Times `samples` GETs of `url`, each of which must succeed.
pub async fn measure(client: &reqwest::Client, url: &str, token: &str, samples: usize) -> Timing {
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        let response = client.get(url).bearer_auth(token).send().await.expect("request");
        assert!(response.status().is_success(), "{url}: {}", response.status());
        response.bytes().await.expect("body");
        times.push(started.elapsed());
    }
    times.sort();
    Timing {
        median: times[samples / 2],
        p95: times[samples * 95 / 100],
    }
}

/// The larger size to measure: `variable` if set to a number, else `default`.
pub fn size_from_env(variable: &str, default: usize) -> usize {
    std::env::var(variable)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// Prints the medians and 95th percentiles of the same requests at two sizes.
pub fn print_comparison(what: &str, sizes: [usize; 2], small: &[(String, Timing)], large: &[(String, Timing)]) {
    let [a, b] = sizes;
    println!(
        "\n{:<32} {:>12} {:>12} {:>14} {:>14}",
        format!("{what} (median / p95)"),
        format!("{a} median"),
        format!("{a} p95"),
        format!("{b} median"),
        format!("{b} p95")
    );
    for ((name, small), (_, large)) in small.iter().zip(large) {
        println!(
            "{name:<32} {:>12.1?} {:>12.1?} {:>14.1?} {:>14.1?}",
            small.median, small.p95, large.median, large.p95
        );
    }
}
