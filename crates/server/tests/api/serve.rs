//! `marketplace serve` as operators run it: its log lines, its shutdown, its metrics address.

use crate::helpers::*;
use reqwest::StatusCode;
use std::process::Command;

/// A running `marketplace serve`, stopped when dropped: a failing test leaves no server behind (one would hold
/// the test's output open).
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A server's stderr, line by line.
type LogLines = std::io::Lines<std::io::BufReader<std::process::ChildStderr>>;

/// `marketplace serve --log-format json` (and `flags`) over the app's database, and its stderr's lines.
fn serve_logging_json(app: &TestApp, flags: &[&str]) -> (Server, LogLines) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_marketplace"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .args(flags)
        .env("MARKETPLACE_DATABASE_URL", &app.db.url)
        .env_remove("MARKETPLACE_SIGNING_KEY")
        .env_remove("RUST_LOG")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run marketplace");
    let lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    (Server(child), lines)
}

/// The next log line, which must be JSON.
fn next_json(lines: &mut LogLines) -> serde_json::Value {
    let line = lines.next().expect("a log line").unwrap();
    serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"))
}

/// `fields.<name>` of the first log line that has it, every line up to it JSON.
fn first_field(lines: &mut LogLines, name: &str) -> String {
    loop {
        if let Some(value) = next_json(lines)["fields"][name].as_str() {
            return value.to_owned();
        }
    }
}

/// `serve --log-format json`: one JSON line per request, with the route template, status, latency, request id,
/// tenant and user, and the reason of a refusal.
#[tokio::test]
async fn each_request_is_one_log_line_and_json_lines_are_json() {
    let app = spawn_app().await;
    let (_server, mut lines) = serve_logging_json(&app, &[]);
    let address = first_field(&mut lines, "address");
    let base = format!("http://{address}/marketplace");
    let casey = app.token("casey").await;
    let client = reqwest::Client::new();
    let answer = client
        .get(format!("{base}/api/data-product/nope"))
        .bearer_auth(&casey)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    let request_id = answer.headers()["x-request-id"].to_str().unwrap().to_owned();
    let line = loop {
        let line = next_json(&mut lines);
        if line["fields"]["message"] == "answered" {
            break line;
        }
    };
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["fields"]["status"], 404);
    assert_eq!(line["fields"]["reason"], "Data product not found.");
    assert!(line["fields"]["latency_ms"].as_f64().is_some(), "{line}");
    assert_eq!(line["span"]["method"], "GET");
    assert_eq!(line["span"]["route"], "/marketplace/api/data-product/{id}");
    assert_eq!(line["span"]["request.id"], request_id.as_str());
    assert_eq!(line["span"]["user.id"], 5);
    assert!(line["span"]["tenant.id"].is_string(), "{line}");
}

/// SIGTERM: the server stops accepting, finishes what is in flight, lets the background jobs finish the run they
/// are in, stops them, and exits with success.
#[tokio::test]
async fn sigterm_stops_the_background_jobs_and_exits_cleanly() {
    let app = spawn_app().await;
    let (mut server, mut lines) = serve_logging_json(&app, &[]);
    first_field(&mut lines, "address");
    let pid = libc::pid_t::try_from(server.0.id()).unwrap();
    // SAFETY: sends a signal to the child this test started and still holds.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let status = server.0.wait().unwrap();
    assert!(status.success(), "{status}: {rest:?}");
    assert!(
        rest.iter().any(|line| line.contains("background jobs stopped")),
        "{rest:?}"
    );
}

/// `--metrics-listen`: `GET /metrics` is served on its own address, for a scraper on a private network, and no
/// longer beside the API.
#[tokio::test]
async fn metrics_listen_serves_the_metrics_apart_from_the_api() {
    let app = spawn_app().await;
    let (_server, mut lines) = serve_logging_json(&app, &["--metrics-listen", "127.0.0.1:0"]);
    // The metrics' address is logged when it is bound, before the server says it is serving.
    let metrics = first_field(&mut lines, "metrics_address");
    let api = first_field(&mut lines, "address");
    let client = reqwest::Client::new();
    let get = |url: String| {
        let client = client.clone();
        async move { client.get(url).send().await.unwrap() }
    };
    let scrape = get(format!("http://{metrics}/metrics")).await;
    assert_eq!(scrape.status(), StatusCode::OK);
    assert!(scrape.text().await.unwrap().contains("marketplace_build_info"));
    assert_eq!(
        get(format!("http://{api}/metrics")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(format!("http://{metrics}/marketplace/health/live")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(format!("http://{api}/marketplace/health/live")).await.status(),
        StatusCode::OK
    );
}

/// A server whose log has gone (its supervisor's pipe closed) goes on answering: a line that cannot be written is
/// lost, not the request.
#[tokio::test]
async fn a_server_whose_log_is_gone_goes_on_answering() {
    let app = spawn_app().await;
    let (_server, mut lines) = serve_logging_json(&app, &[]);
    let address = first_field(&mut lines, "address");
    drop(lines);
    // A server that stopped answering fails the test instead of holding it.
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap();
    let casey = app.token("casey").await;
    for _ in 0..3 {
        let answer = client
            .get(format!("http://{address}/marketplace/api/auth/user"))
            .bearer_auth(&casey)
            .send()
            .await
            .expect("an answer though the log is gone");
        assert_eq!(answer.status(), StatusCode::OK);
    }
}
