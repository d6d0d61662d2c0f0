use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn framework_rejections_answer_in_the_error_shape() {
    let app = spawn_app().await;
    let token = app.token("admin").await;

    let answer = expect(app.get("/api/no-such-thing").bearer_auth(&token), StatusCode::NOT_FOUND).await;
    assert_eq!(
        answer,
        json!({"statusCode": 404, "message": "Cannot GET /marketplace/api/no-such-thing", "error": "Not Found"})
    );
    let answer = expect(
        app.client.get(format!("{}/../elsewhere", app.base)),
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(error_message(&answer, 404), "Cannot GET /elsewhere");

    let answer = expect(
        app.request(reqwest::Method::PUT, "/api/auth/tokens")
            .bearer_auth(&token),
        StatusCode::METHOD_NOT_ALLOWED,
    )
    .await;
    assert_eq!(error_message(&answer, 405), "Cannot PUT /marketplace/api/auth/tokens");

    let answer = expect(
        app.post("/api/auth/tokens")
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body("{oops"),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        error_message(&answer, 400).as_str().unwrap().contains("JSON"),
        "{answer}"
    );

    let answer = expect(
        app.post("/api/auth/tokens")
            .bearer_auth(&token)
            .header("content-type", "text/plain")
            .body("description=x"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    assert_eq!(error_message(&answer, 415), "Content-Type must be application/json");

    let answer = expect(
        app.post("/api/auth/tokens")
            .bearer_auth(&token)
            .json(&json!(["description"])),
        StatusCode::BAD_REQUEST,
    )
    .await;
    error_message(&answer, 400);

    let huge = format!(r#"{{"description": "{}"}}"#, "x".repeat(1024 * 1024 + 10));
    let answer = expect(
        app.post("/api/auth/tokens")
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(huge),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert_eq!(error_message(&answer, 413), "request entity too large");

    let answer = expect(
        app.get("/api/auth/tokens/%FF").bearer_auth(&token),
        StatusCode::BAD_REQUEST,
    )
    .await;
    error_message(&answer, 400);

    // Nothing above created a token.
    let tokens = expect(app.get("/api/auth/tokens").bearer_auth(&token), StatusCode::OK).await;
    assert_eq!(tokens.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let response = app.get("/health").send().await.unwrap();
    assert!(response.headers().get("x-request-id").is_some());
    let response = app
        .get("/health")
        .header("x-request-id", "trace-me")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me");
}
