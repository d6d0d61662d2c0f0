//! Requests the review flow's rules decide on their own, from the requester's groups and attributes and the
//! form's answers, and a review that one approver's denial ends for all.

use crate::helpers::*;
use crate::requests::{CASEY, RILEY, TEAM, answers, decide, product_with_policy, records, request, submit};
use marketplace_domain::Timestamp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn rules_decide_on_groups_attributes_and_answers_and_one_denial_ends_a_review() {
    let app = spawn_app().await;
    let (dana, casey, riley, sam, admin) = (
        app.token("dana").await,
        app.token("casey").await,
        app.token("riley").await,
        app.token("sam").await,
        app.token("admin").await,
    );
    let policy = json!({"rules": [
        {"conditions": {"all": [{"fact": "requester", "path": "$.groups", "operator": "contains", "value": "Finance Analysts"},
                                {"fact": "answers", "path": format!("$['{TEAM}']"), "operator": "equal", "value": "Finance"}]},
         "event": {"type": "approve", "params": {"comment": "Finance analysts reading for finance"}}},
        {"conditions": {"any": [{"fact": "user", "path": "$.groups", "operator": "contains", "value": "Data Platform"}]},
         "event": {"type": "deny", "params": {"comment": "Platform accounts use their own grants"}}}],
        "defaultEvent": {"type": "review", "params": {"stages": [{"all": [
            {"type": "GROUP", "id": 1, "name": "Sales Stewards"},
            {"type": "PERMISSION", "permission": "GOVERNANCE"}]}]}}});
    let (product, agreement) = product_with_policy(&app, &dana, "Ledger", policy).await;

    let by_riley = json!({"user": RILEY, "form": answers("Finance", &agreement)});
    let approved = submit(&app, &riley, &product, &by_riley, StatusCode::CREATED).await;
    assert_eq!(approved["status"], "APPROVED");
    let expiration = Timestamp::parse(approved["expiration"].as_str().unwrap()).unwrap();
    let created = Timestamp::parse(approved["createdAt"].as_str().unwrap()).unwrap();
    assert_eq!(
        expiration,
        created.plus_seconds(30 * 24 * 3600),
        "the requester's chosen duration"
    );

    // Admin is in Data Platform: the second rule denies a request made for them.
    let for_admin = json!({"user": "0b8f2a64-3d4c-4f0e-9a51-6c2d7e8f9a01", "form": answers("Marketing", &agreement)});
    let denied = submit(&app, &casey, &product, &for_admin, StatusCode::CREATED).await;
    assert_eq!(denied["status"], "DENIED");
    assert!(denied.get("expiration").is_none());

    let by_casey = json!({"user": CASEY, "form": answers("Marketing", &agreement)});
    let reviewed = submit(&app, &casey, &product, &by_casey, StatusCode::CREATED).await;
    let id = reviewed["id"].as_str().unwrap();
    let both = records(&app, &admin, id).await;
    assert_eq!(both.len(), 2, "an `all` stage makes a record per approver");
    assert!(both.iter().all(|record| record["status"] == "PENDING"));
    decide(
        &app,
        &sam,
        &both[0],
        json!({"status": "DENIED", "reason": "Not for marketing"}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(request(&app, &casey, id).await["status"], "DENIED");
    let after = records(&app, &admin, id).await;
    assert_eq!(after[1]["status"], "CANCELED", "the other approver's record closes");
    decide(
        &app,
        &admin,
        &after[1],
        json!({"status": "APPROVED", "reason": "late"}),
        StatusCode::CONFLICT,
    )
    .await;
}
