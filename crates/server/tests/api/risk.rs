//! The risk assessment reads how similar users' requests for the same product were decided by hand.

use crate::helpers::*;
use crate::requests::{CASEY, answers, decide, product_with_policy, records, review, submit};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn risk_follows_past_manual_determinations_for_similar_users() {
    let app = spawn_app().await;
    let (dana, casey, sam) = (
        app.token("dana").await,
        app.token("casey").await,
        app.token("sam").await,
    );
    let stages = json!([{"any": [{"type": "GROUP", "id": 1, "name": "Sales Stewards"}]}]);
    let (product, agreement) = product_with_policy(&app, &dana, "Baskets", review(stages)).await;
    let body = json!({"user": CASEY, "form": answers("Marketing", &agreement)});
    let first = submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
    let id = first["id"].as_str().unwrap();
    let path = format!("/api/access-request/{id}/risk-assessment");
    let risk = expect(app.get(&path).bearer_auth(&sam), StatusCode::OK).await;
    assert_eq!(risk, json!({"approvalRisk": "INDETERMINATE"}), "no history yet");
    let refused = expect(app.get(&path).bearer_auth(&casey), StatusCode::FORBIDDEN).await;
    assert_eq!(
        error_message(&refused, 403),
        "The risk assessment is for the request's reviewers."
    );
    let record = records(&app, &sam, id).await.remove(0);
    let deny = json!({"status": "DENIED", "reason": "Not for marketing"});
    decide(&app, &sam, &record, deny, StatusCode::OK).await;

    // Casey asks again: the one similar user decided by hand (casey herself) was denied.
    let again = submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
    let path = format!("/api/access-request/{}/risk-assessment", again["id"].as_str().unwrap());
    let risk = expect(app.get(&path).bearer_auth(&sam), StatusCode::OK).await;
    assert_eq!(risk["approvalRisk"], "HIGH");
    assert_eq!(risk["recommendation"], "DENIED");
    assert_eq!(
        (
            risk["nAllowed"].clone(),
            risk["nDenied"].clone(),
            risk["riskValue"].clone()
        ),
        (json!(0), json!(1), json!(1.0))
    );
    assert_eq!(risk["denialReasons"], json!(["Not for marketing"]));
    assert_eq!(
        (
            risk["conflictDetected"].clone(),
            risk["medianApprovalTimeWindowInDays"].clone()
        ),
        (json!(false), json!(null))
    );
    let literals = risk["cohort"]["literals"].as_array().unwrap();
    assert!(literals.contains(&json!({"name": "Marketing"})), "{risk}");
    assert!(
        literals.contains(&json!({"name": "Department", "value": "Marketing"})),
        "{risk}"
    );
    assert!(risk["explanation"].as_str().unwrap().contains("denied"));
}
