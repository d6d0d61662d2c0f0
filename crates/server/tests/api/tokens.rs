use crate::helpers::*;
use marketplace_domain::Timestamp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_created_token_is_returned_once_and_stored_as_a_hash() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    let created = expect(
        app.post("/api/auth/tokens")
            .bearer_auth(&admin)
            .json(&json!({"description": "CI pipeline"})),
        StatusCode::OK,
    )
    .await;
    let token = created["token"].as_str().unwrap().to_owned();
    let token_id = created["tokenId"].as_str().unwrap().to_owned();
    assert_eq!(created.as_object().unwrap().len(), 2, "{created}");

    // The new token authenticates, as its owner.
    let me = expect(app.get("/api/auth/user").bearer_auth(&token), StatusCode::OK).await;
    assert_eq!(me["username"], "admin");

    // Listed and fetched without the token itself.
    let listed = expect(app.get("/api/auth/tokens").bearer_auth(&token), StatusCode::OK).await;
    let entry = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["tokenId"] == token_id.as_str())
        .expect("listed")
        .clone();
    assert_eq!(entry["description"], "CI pipeline");
    assert_eq!(entry["active"], true);
    assert_eq!(entry["userId"], me["globalUserId"]);
    assert_eq!(entry["tenantId"], me["tenantInfo"]["id"]);
    assert!(entry.get("expirationDate").is_none(), "{entry}");
    assert!(!listed.to_string().contains(&token), "a listing never shows a token");
    let fetched = expect(
        app.get(&format!("/api/auth/tokens/{token_id}")).bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(fetched, entry);

    // What the database holds is the SHA-256, not the token.
    let tenant_id = me["tenantInfo"]["id"].as_str().unwrap().parse().unwrap();
    let credential = app
        .store()
        .credential(tenant_id, token_id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(credential.token_hash, token);
    assert_eq!(credential.token_hash, marketplace_app::tokens::token_hash(&token));
    assert_eq!(credential.token_hash.len(), 64);
}

#[tokio::test]
async fn a_token_with_an_expiration_date_says_so() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    let in_a_week = Timestamp::now().plus_seconds(7 * 86_400);
    let created = expect(
        app.post("/api/auth/tokens")
            .bearer_auth(&admin)
            .json(&json!({"description": "weekly", "expirationDate": in_a_week.to_string()})),
        StatusCode::OK,
    )
    .await;
    let token = created["token"].as_str().unwrap();
    let me = expect(app.get("/api/auth/user").bearer_auth(token), StatusCode::OK).await;
    assert_eq!(me["expiration"], in_a_week.seconds());
    let fetched = expect(
        app.get(&format!("/api/auth/tokens/{}", created["tokenId"].as_str().unwrap()))
            .bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(fetched["expirationDate"], in_a_week.to_string());
    // A token without expiry reports the far future, never a time that has passed.
    let me = expect(app.get("/api/auth/user").bearer_auth(&admin), StatusCode::OK).await;
    assert_eq!(me["expiration"], 253_402_300_799i64);
}

#[tokio::test]
async fn token_requests_are_validated() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    let cases = [
        (json!({}), "description should not be empty"),
        (json!({"description": "   "}), "description should not be empty"),
        (
            json!({"description": "x", "expirationDate": "2001-01-01T00:00:00Z"}),
            "expirationDate must be in the future",
        ),
        (
            json!({"description": "x", "expirationDate": "next week"}),
            "expirationDate must be a valid ISO 8601 date string",
        ),
        (
            json!({"description": "x".repeat(1001)}),
            "description must be shorter than or equal to 1000 characters",
        ),
    ];
    for (body, message) in cases {
        let answer = expect(
            app.post("/api/auth/tokens").bearer_auth(&admin).json(&body),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(error_message(&answer, 400), json!([message]), "{body}");
    }
    let answer = expect(
        app.post("/api/auth/tokens")
            .bearer_auth(&admin)
            .json(&json!({"description": 5})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        error_message(&answer, 400)[0].as_str().unwrap().contains("description"),
        "{answer}"
    );
    // Nothing was created by the refused requests.
    let listed = expect(app.get("/api/auth/tokens").bearer_auth(&admin), StatusCode::OK).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn users_see_and_delete_only_their_own_tokens() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    let dana = app.token("dana").await;
    let admins = expect(app.get("/api/auth/tokens").bearer_auth(&admin), StatusCode::OK).await;
    let admin_token_id = admins[0]["tokenId"].as_str().unwrap().to_owned();
    let danas = expect(app.get("/api/auth/tokens").bearer_auth(&dana), StatusCode::OK).await;
    assert_eq!(danas.as_array().unwrap().len(), 1);
    assert_ne!(danas[0]["tokenId"], admin_token_id.as_str());

    let path = format!("/api/auth/tokens/{admin_token_id}");
    let answer = expect(app.get(&path).bearer_auth(&dana), StatusCode::NOT_FOUND).await;
    assert_eq!(error_message(&answer, 404), "Token not found.");
    expect(app.delete(&path).bearer_auth(&dana), StatusCode::NOT_FOUND).await;
    expect(
        app.get("/api/auth/tokens/not-a-uuid").bearer_auth(&dana),
        StatusCode::NOT_FOUND,
    )
    .await;
    // Still there and working.
    expect(app.get("/api/auth/user").bearer_auth(&admin), StatusCode::OK).await;
}

#[tokio::test]
async fn deleting_a_token_takes_effect_at_once_on_every_instance() {
    let app = spawn_app().await;
    let other = app.another_instance().await;
    let admin = app.token("admin").await;
    let created = expect(
        app.post("/api/auth/tokens")
            .bearer_auth(&admin)
            .json(&json!({"description": "doomed"})),
        StatusCode::OK,
    )
    .await;
    let doomed = created["token"].as_str().unwrap();
    let doomed_path = format!("/api/auth/tokens/{}", created["tokenId"].as_str().unwrap());
    expect(other.get("/api/auth/user").bearer_auth(doomed), StatusCode::OK).await;

    let body = expect(app.delete(&doomed_path).bearer_auth(&admin), StatusCode::OK).await;
    assert_eq!(body, serde_json::Value::Null, "DELETE answers 200 without a body");
    expect_unauthenticated(other.get("/api/auth/user").bearer_auth(doomed)).await;
    expect_unauthenticated(app.get("/api/auth/user").bearer_auth(doomed)).await;
    expect(app.delete(&doomed_path).bearer_auth(&admin), StatusCode::NOT_FOUND).await;
    expect(app.get(&doomed_path).bearer_auth(&admin), StatusCode::NOT_FOUND).await;
    expect(other.get("/api/auth/user").bearer_auth(&admin), StatusCode::OK).await;
}
