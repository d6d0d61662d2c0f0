//! Concurrent changes to one request: exactly one applies, on SQLite and on PostgreSQL.

use crate::helpers::*;
use crate::requests::{
    CASEY, answers, assert_counts_agree, assert_visible_counts_agree, product_with_policy, records, request, review,
    submit,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn two_stewards_deciding_at_once_and_two_expiry_jobs_give_one_outcome() {
    let app = spawn_app().await;
    let second = app.another_instance().await;
    let (dana, casey, sam, admin) = (
        app.token("dana").await,
        app.token("casey").await,
        app.token("sam").await,
        app.token("admin").await,
    );
    let stages = json!([{"any": [{"type": "GROUP", "id": 1, "name": "Sales Stewards"},
                                  {"type": "PERMISSION", "permission": "GOVERNANCE"}]}]);
    let (product, agreement) = product_with_policy(&app, &dana, "Returns", review(stages)).await;
    let body = json!({"user": CASEY, "form": answers("Marketing", &agreement)});
    for round in 0..5 {
        let created = submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
        let id = created["id"].as_str().unwrap();
        let record = records(&app, &sam, id).await.remove(0);
        let path = format!("/api/approval-record/{}", record["id"].as_str().unwrap());
        let approve = json!({"status": "APPROVED", "reason": "ok", "duration": 1, "durationUnit": "HOURS"});
        let deny = json!({"status": "DENIED", "reason": "no"});
        let (first, other) = tokio::join!(
            app.request(Method::PUT, &path).bearer_auth(&sam).json(&approve).send(),
            second
                .request(Method::PUT, &path)
                .bearer_auth(&admin)
                .json(&deny)
                .send(),
        );
        let mut statuses = [first.unwrap().status(), other.unwrap().status()];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "round {round}");
        let status = request(&app, &casey, id).await["status"].clone();
        let decided = records(&app, &sam, id).await;
        assert_eq!(decided[0]["status"], status, "the request follows the one decision");
        if status == "DENIED" {
            continue;
        }
        // Approved for an hour: both instances' expiry jobs race to expire it.
        app.state.app.clock().advance(2 * 3600);
        second.state.app.clock().advance(2 * 3600);
        let (a, b) = tokio::join!(
            marketplace_server::jobs::expire_due(&app.state),
            marketplace_server::jobs::expire_due(&second.state)
        );
        assert_eq!(a.unwrap() + b.unwrap(), 1, "round {round}: expired exactly once");
        assert_eq!(request(&app, &casey, id).await["status"], "EXPIRED");
    }
    assert_counts_agree(&app, &admin, Some(&product)).await;
    assert_visible_counts_agree(&app).await;
}
