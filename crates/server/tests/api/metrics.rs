//! `GET /metrics`: Prometheus' text format, with requests by route template (never by path), the database
//! pools, the webhook backlog and the build.

use crate::helpers::*;
use reqwest::StatusCode;

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

    let response = app
        .client
        .get(format!("http://{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
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
