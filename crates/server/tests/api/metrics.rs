//! `GET /metrics`: Prometheus' text format, with requests by route template (never by path), the database
//! pools, the jobs' lag, the webhook backlog and the build.

use crate::helpers::*;
use crate::requests::{CASEY, answers, stewarded_product, submit};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_show_the_pools() {
    let app = spawn_app().await;
    let casey = app.token("casey").await;
    expect(app.get("/api/auth/user").bearer_auth(&casey), StatusCode::OK).await;
    expect(
        app.get("/api/data-product/no-such-product").bearer_auth(&casey),
        StatusCode::NOT_FOUND,
    )
    .await;

    let text = scrape(&app).await;
    for series in [
        r#"http_request_duration_seconds_count{route="/marketplace/api/auth/user",method="GET",status="200"}"#,
        r#"http_request_duration_seconds_count{route="/marketplace/api/data-product/{id}",method="GET",status="404"}"#,
        r#"http_request_duration_seconds_bucket{route="/marketplace/api/auth/user",method="GET",status="200",le="0.001"}"#,
        "marketplace_db_connections{pool=",
        "marketplace_webhook_backlog ",
        r#"marketplace_build_info{version=""#,
    ] {
        assert!(text.contains(series), "{series} missing from:\n{text}");
    }
    assert!(!text.contains("no-such-product"), "paths never become series");
}

/// The test server runs no background jobs: what they would handle waits, and the lag shows it.
#[tokio::test]
async fn metrics_show_how_long_the_oldest_item_of_each_job_has_waited() {
    let app = spawn_app().await;
    let lag = |text: &str, job: &str| sample(text, &format!(r#"marketplace_job_lag_seconds{{job="{job}"}}"#));
    let before = scrape(&app).await;
    for job in ["expiry", "notification", "webhook delivery", "provisioning"] {
        assert_eq!(lag(&before, job), 0.0, "{job}: nothing waits yet");
    }

    // A request tells its stewards: a notification waits for the job.
    let (product, agreement) = stewarded_product(&app, "Lagging").await;
    let casey = app.token("casey").await;
    let body = json!({"user": CASEY, "form": answers("Marketing", &agreement)});
    submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let after = scrape(&app).await;
    assert!(lag(&after, "notification") >= 0.05, "{after}");
    assert_eq!(lag(&after, "expiry"), 0.0);
}

/// The value of one series in a scrape.
pub fn sample(text: &str, series: &str) -> f64 {
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '));
    let value = line.unwrap_or_else(|| panic!("{series} missing from:\n{text}"));
    value.parse().unwrap()
}

pub async fn scrape(app: &TestApp) -> String {
    let response = app
        .client
        .get(format!("http://{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    response.text().await.unwrap()
}
