//! Notifications beyond a request's own changes: products published, changed and deleted, and access about to end.

use crate::helpers::*;
use crate::notifications::{INBOX, inbox, message};
use crate::requests::{CASEY, answers, decide, records, review, stewarded_product, submit};
use marketplace_server::jobs::send_notifications;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn product_changes_tell_the_domains_product_managers_and_a_deletion_tells_its_requesters() {
    let app = spawn_app().await;
    let (admin, dana, casey, sam) = (
        app.token("admin").await,
        app.token("dana").await,
        app.token("casey").await,
        app.token("sam").await,
    );
    let mut body = crate::products::product("Pipeline", SALES, &["1"]);
    body["dataAccessReviewFlow"] = review(json!([{"any": [{"type": "GROUP", "id": 1, "name": "Sales Stewards"}]}]));
    let product = crate::products::publish(&app, &admin, &body).await;
    let id = product["id"].as_str().unwrap();
    let sources = format!("/api/data-product/{id}/datasources");
    let same = json!({"dataSources": [{"sourceId": "1"}]});
    expect(
        app.request(Method::PUT, &sources).bearer_auth(&admin).json(&same),
        StatusCode::OK,
    )
    .await;
    let more = json!({"dataSources": [{"sourceId": "1"}, {"sourceId": "2"}]});
    expect(
        app.request(Method::PUT, &sources).bearer_auth(&admin).json(&more),
        StatusCode::OK,
    )
    .await;
    let forms = expect(
        app.get(&format!("/api/data-product/{id}/request-forms"))
            .bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    let answer = json!({"answers": [{"fieldId": forms[0]["fields"][0]["id"], "value": "Pipeline review"}],
                        "acceptedDataUseAgreementIds": []});
    submit(
        &app,
        &casey,
        id,
        &json!({"user": CASEY, "form": answer}),
        StatusCode::CREATED,
    )
    .await;
    expect(
        app.delete(&format!("/api/data-product/{id}")).bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    send_notifications(&app.state).await.unwrap();

    assert_eq!(
        inbox(&app, &dana).await,
        [
            message("DATA_PRODUCT_PUBLISHED", "Data product Pipeline published"),
            message("DATA_PRODUCT_SOURCES_UPDATED", "Data sources of Pipeline updated"),
            message("DATA_PRODUCT_DELETED", "Data product Pipeline deleted")
        ],
        "publishing, a real change of sources and the deletion; not saving the same sources"
    );
    assert_eq!(
        inbox(&app, &casey).await,
        [message(
            "REQUESTED_DATA_PRODUCT_DELETED",
            "Data product Pipeline deleted"
        )]
    );
    assert_eq!(
        inbox(&app, &sam).await,
        [message("ACCESS_REQUESTED", "Access requested to Pipeline")]
    );
    assert_eq!(inbox(&app, &admin).await, [], "the admin made every change");
}

#[tokio::test]
async fn the_user_is_warned_a_week_and_a_day_before_access_ends_and_told_when_it_has() {
    let app = spawn_app().await;
    let (casey, sam) = (app.token("casey").await, app.token("sam").await);
    let (product, agreement) = stewarded_product(&app, "Churn").await;
    let created = submit(
        &app,
        &casey,
        &product,
        &json!({"user": CASEY, "form": answers("Marketing", &agreement)}),
        StatusCode::CREATED,
    )
    .await;
    let record = records(&app, &sam, created["id"].as_str().unwrap()).await.remove(0);
    let approve = json!({"status": "APPROVED", "reason": "ok", "duration": 10, "durationUnit": "DAYS"});
    decide(&app, &sam, &record, approve, StatusCode::OK).await;
    let warn = || async { app.state.app.warn_of_expiry().await.unwrap() };
    for days in [0, 4, 0, 5, 0] {
        app.state.app.clock().advance(days * 24 * 3600);
        warn().await;
    }
    app.state.app.clock().advance(2 * 24 * 3600);
    marketplace_server::jobs::expire_due(&app.state).await.unwrap();
    warn().await;
    send_notifications(&app.state).await.unwrap();
    let told: Vec<String> = inbox(&app, &casey).await.into_iter().map(|(kind, _)| kind).collect();
    assert_eq!(
        told,
        [
            "REQUEST_DETERMINED",
            "ACCESS_EXPIRES_IN_7_DAYS",
            "ACCESS_EXPIRES_IN_1_DAY",
            "ACCESS_EXPIRED"
        ]
    );
    let page = expect(
        app.get(&format!("{INBOX}?limit=100")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    let warning = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|message| message["notificationType"] == "ACCESS_EXPIRES_IN_1_DAY")
        .unwrap();
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .starts_with("Your access to Churn expires at 20")
    );
}
