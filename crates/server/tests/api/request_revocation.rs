//! Revoking approved access: by a manager or steward only, once, and for every grant when the product is
//! deleted.

use crate::helpers::*;
use crate::requests::{
    CASEY, answers, assert_counts_agree, assert_visible_counts_agree, product_with_policy, request, submit,
};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn approved_access_is_revoked_by_a_manager_or_steward_only() {
    let app = spawn_app().await;
    let (dana, casey, sam) = (
        app.token("dana").await,
        app.token("casey").await,
        app.token("sam").await,
    );
    let approve_all = json!({"rules": [], "defaultEvent": {"type": "approve", "params": {}}});
    let (product, agreement) = product_with_policy(&app, &dana, "Stores", approve_all).await;
    let body = json!({"user": CASEY, "form": answers("Marketing", &agreement)});
    let approved = submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
    assert_eq!(approved["status"], "APPROVED");
    assert!(
        approved["expiration"].is_string(),
        "for the duration the requester chose: {approved}"
    );
    let again = submit(&app, &casey, &product, &body, StatusCode::CONFLICT).await;
    assert_eq!(error_message(&again, 409), "The user already has approved access.");
    // The refused request was written and undone: nothing of it is left, and the counts still agree with it.
    let mine = expect(
        app.get(&format!("/api/data-product/{product}/request?limit=10"))
            .bearer_auth(&dana),
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["meta"]["totalCount"], 1, "{mine}");
    assert_counts_agree(&app, &dana, Some(&product)).await;
    let path = format!(
        "/api/data-product/{product}/request/{}",
        approved["id"].as_str().unwrap()
    );
    let refused = expect(app.delete(&path).bearer_auth(&casey), StatusCode::FORBIDDEN).await;
    assert!(
        error_message(&refused, 403)
            .as_str()
            .unwrap()
            .starts_with("Revoking access takes")
    );
    // Sam has no part in this product's reviews: the request is not his to see.
    expect(app.delete(&path).bearer_auth(&sam), StatusCode::NOT_FOUND).await;
    expect(app.delete(&path).bearer_auth(&dana), StatusCode::NO_CONTENT).await;
    assert_eq!(
        request(&app, &casey, approved["id"].as_str().unwrap()).await["status"],
        "REVOKED"
    );
    let refused = expect(app.delete(&path).bearer_auth(&dana), StatusCode::CONFLICT).await;
    assert_eq!(
        error_message(&refused, 409),
        "Only approved access can be revoked; this request is REVOKED."
    );
    let elsewhere = format!("/api/data-product/other/request/{}", approved["id"].as_str().unwrap());
    expect(app.delete(&elsewhere).bearer_auth(&dana), StatusCode::NOT_FOUND).await;
    let stats = expect(
        app.get(&format!("/api/data-product/{product}")).bearer_auth(&dana),
        StatusCode::OK,
    )
    .await;
    assert_eq!(stats["stats"]["revokedRequestCount"], 1);

    // Deleting the product revokes the access granted since; every change is counted.
    let regranted = submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
    expect(
        app.delete(&format!("/api/data-product/{product}")).bearer_auth(&dana),
        StatusCode::OK,
    )
    .await;
    let regranted = request(&app, &casey, regranted["id"].as_str().unwrap()).await;
    assert_eq!(regranted["status"], "REVOKED");
    assert_counts_agree(&app, &app.token("admin").await, None).await;
    assert_visible_counts_agree(&app).await;
}
