//! `GET /metrics`, in Prometheus' text format: requests by route template, method and status with their latency,
//! the database pools, the background jobs' runs, the webhook backlog, and the build. Recorded through the
//! `metrics` facade; the exporter only renders.

use crate::app::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Request latency buckets, in seconds: most answers take a millisecond or less, a slow search some hundreds.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's recorder, installed once (tests start many servers in one process; they share it).
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("duration_seconds".into()), &LATENCY_BUCKETS)
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed: /metrics shows only what it records");
        }
        metrics::gauge!("marketplace_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
        handle
    })
}

/// Installs the recorder, so that what happens before the first scrape is counted.
pub fn install() {
    handle();
}

/// Times each request, under its route template (never its path, which would make a series per id).
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(no route)".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().to_string();
    let start = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::histogram!("http_request_duration_seconds", "route" => route, "method" => method, "status" => status)
        .record(start.elapsed().as_secs_f64());
    response
}

/// A background job's run: when it last succeeded (lag = now − that), its failures and its duration.
pub fn job_ran(job: &'static str, started: Instant, succeeded: bool) {
    metrics::histogram!("marketplace_job_duration_seconds", "job" => job).record(started.elapsed().as_secs_f64());
    if succeeded {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        metrics::gauge!("marketplace_job_last_success_timestamp_seconds", "job" => job).set(now.as_secs_f64());
    } else {
        metrics::counter!("marketplace_job_failures_total", "job" => job).increment(1);
    }
}

/// `GET /metrics`: the recorded series, and the working state read now.
pub async fn render(State(state): State<AppState>) -> Response {
    match state.app.operations().await {
        Ok(operations) => {
            for pool in operations.pools {
                for (use_, count) in [("in_use", pool.in_use), ("idle", pool.idle), ("waiting", pool.waiting)] {
                    metrics::gauge!("marketplace_db_connections", "pool" => pool.pool, "state" => use_)
                        .set(count as f64);
                }
            }
            metrics::gauge!("marketplace_webhook_backlog").set(operations.webhook_backlog as f64);
            metrics::gauge!("marketplace_webhook_oldest_pending_age_seconds")
                .set(operations.oldest_webhook_age_seconds);
            for (job, lag) in operations.job_lag_seconds {
                metrics::gauge!("marketplace_job_lag_seconds", "job" => job).set(lag);
            }
        }
        Err(error) => tracing::warn!(%error, "cannot read the working state for /metrics"),
    }
    let text = handle().render();
    ([(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}
