use crate::helpers::*;
use marketplace_domain::{Segment, Timestamp};
use marketplace_server::app::AppState;
use reqwest::Method;
use utoipa::openapi::path::HttpMethod;

/// Every `/api` operation of our document, with placeholder path parameters.
fn api_operations() -> Vec<(Method, String)> {
    let document = marketplace_server::openapi::document();
    let mut operations = Vec::new();
    for (path, item) in document.paths.paths {
        if !path.starts_with("/api") {
            continue;
        }
        let concrete = path.replace("{id}", "0b8f2a64-3d4c-4f0e-9a51-6c2d7e8f9a01");
        let methods = [
            (HttpMethod::Get, &item.get, Method::GET),
            (HttpMethod::Post, &item.post, Method::POST),
            (HttpMethod::Put, &item.put, Method::PUT),
            (HttpMethod::Delete, &item.delete, Method::DELETE),
            (HttpMethod::Patch, &item.patch, Method::PATCH),
        ];
        for (_, operation, method) in methods {
            if operation.is_some() {
                operations.push((method, concrete.clone()));
            }
        }
    }
    assert!(operations.len() >= 14, "{operations:?}");
    operations
}

/// Flips one character of the signature.
fn tampered(token: &str) -> String {
    let mut bytes = token.as_bytes().to_vec();
    let last = bytes.len() - 2;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn every_api_route_refuses_bad_credentials_with_the_exact_body() {
    let app = spawn_app().await;
    let good = app.token("admin").await;
    let expired = app
        .token_in("demo", "admin", Some(Timestamp::now().plus_seconds(-60)))
        .await;
    let created = expect(
        app.post("/api/auth/tokens")
            .bearer_auth(&good)
            .json(&serde_json::json!({"description": "doomed"})),
        reqwest::StatusCode::OK,
    )
    .await;
    let deleted = created["token"].as_str().unwrap().to_owned();
    let deleted_path = format!("/api/auth/tokens/{}", created["tokenId"].as_str().unwrap());
    expect(app.delete(&deleted_path).bearer_auth(&good), reqwest::StatusCode::OK).await;
    let credentials = [
        None,
        Some("Bearer".to_owned()),
        Some("Bearer not-a-jwt".to_owned()),
        Some(format!("Basic {good}")),
        Some(format!("Bearer {}", tampered(&good))),
        Some(format!("Bearer {expired}")),
        Some(format!("Bearer {deleted}")),
        Some("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.".to_owned()),
    ];
    for (method, path) in api_operations() {
        for credential in &credentials {
            let mut request = app.request(method.clone(), &path).json(&serde_json::json!({}));
            if let Some(value) = credential {
                request = request.header("Authorization", value);
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let body = response.text().await.unwrap();
            assert_eq!(
                (status.as_u16(), body.as_str()),
                (401, UNAUTHENTICATED),
                "{method} {path} with {credential:?}"
            );
        }
    }
    // The good token still works everywhere it is used above.
    expect(app.get("/api/auth/user").bearer_auth(&good), reqwest::StatusCode::OK).await;
}

#[tokio::test]
async fn a_token_from_another_segment_is_refused() {
    let key = "a-shared-signing-key-of-at-least-32-chars";
    let db = TestDb::new().await;
    let na = TestApp::start(db.clone(), Segment::Na, Some(key)).await;
    na.import(DEMO).await;
    let token = na.token("casey").await;
    expect(na.get("/api/auth/user").bearer_auth(&token), reqwest::StatusCode::OK).await;

    // Even an `eu` deployment misconfigured onto the same database and key refuses it.
    let eu_same_store = TestApp::start(db, Segment::Eu, Some(key)).await;
    expect_unauthenticated(eu_same_store.get("/api/auth/user").bearer_auth(&token)).await;

    // A proper `eu` deployment, with its own database and generated key, refuses it too.
    let eu = TestApp::start(TestDb::new().await, Segment::Eu, None).await;
    eu.import(DEMO).await;
    expect_unauthenticated(eu.get("/api/auth/user").bearer_auth(&token)).await;
    let eu_token = eu.token("casey").await;
    let me = expect(eu.get("/api/auth/user").bearer_auth(&eu_token), reqwest::StatusCode::OK).await;
    assert_eq!(me["tenantInfo"]["globalSegment"], "eu");
    expect_unauthenticated(na.get("/api/auth/user").bearer_auth(&eu_token)).await;
}

#[tokio::test]
async fn a_token_of_a_user_removed_from_the_directory_stops_working() {
    let app = spawn_app().await;
    let token = app.token("riley").await;
    expect(app.get("/api/auth/user").bearer_auth(&token), reqwest::StatusCode::OK).await;
    let without_riley = remove_user(DEMO, "riley");
    app.import(&without_riley).await;
    expect_unauthenticated(app.get("/api/auth/user").bearer_auth(&token)).await;
}

/// The demo directory without one user (and without their group memberships).
pub fn remove_user(yaml: &str, username: &str) -> String {
    let lines: Vec<&str> = yaml.lines().collect();
    let at = lines
        .iter()
        .position(|line| *line == format!("    username: {username}"))
        .expect("user in file");
    let start = (0..at).rev().find(|&i| lines[i].starts_with("  - ")).unwrap();
    let end = (at + 1..lines.len())
        .find(|&i| !lines[i].starts_with("    "))
        .unwrap_or(lines.len());
    let mut kept: Vec<&str> = lines[..start].to_vec();
    kept.extend_from_slice(&lines[end..]);
    (kept.join("\n") + "\n")
        .replace(&format!("[fran, {username}]"), "[fran]")
        .replace(&format!("[{username}]"), "[]")
}

#[tokio::test]
async fn the_signing_key_is_kept_so_tokens_survive_a_restart() {
    let app = spawn_app().await;
    let token = app.token("dana").await;
    let url = marketplace_app::model::DatabaseUrl::parse(&app.db.url).unwrap();
    let restarted = AppState::open(&url, Segment::Na, None).await.unwrap();
    let second = TestApp::start(app.db.clone(), Segment::Na, None).await;
    assert_eq!(restarted.segment(), Segment::Na);
    expect(
        second.get("/api/auth/user").bearer_auth(&token),
        reqwest::StatusCode::OK,
    )
    .await;
}
