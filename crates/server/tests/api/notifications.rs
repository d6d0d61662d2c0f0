//! Notifications: each change to a request leaves inbox messages for exactly the people it concerns, once, also
//! with two instances sending; and the inbox reads and marks them.

use crate::helpers::*;
use crate::requests::{CASEY, answers, decide, records, stewarded_product, submit};
use marketplace_server::jobs::send_notifications;
use reqwest::{Method, StatusCode};
use serde_json::json;

pub const INBOX: &str = "/api/notification/inbox/messages";

/// The caller's inbox, oldest first, as (type, subject).
pub async fn inbox(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let page = expect(
        app.get(&format!("{INBOX}?limit=100")).bearer_auth(token),
        StatusCode::OK,
    )
    .await;
    let mut messages: Vec<(String, String)> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|message| {
            (
                message["notificationType"].as_str().unwrap().to_owned(),
                message["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    messages.reverse();
    messages
}

pub fn message(kind: &str, subject: &str) -> (String, String) {
    (kind.to_owned(), subject.to_owned())
}

#[tokio::test]
async fn stewards_requesters_and_impacted_users_are_told_what_concerns_them_and_only_that() {
    let app = spawn_app().await;
    let (dana, casey, sam, admin) = (
        app.token("dana").await,
        app.token("casey").await,
        app.token("sam").await,
        app.token("admin").await,
    );
    let (product, agreement) = stewarded_product(&app, "Churn").await;
    let body = json!({"user": CASEY, "form": answers("Marketing", &agreement)});

    let first = submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
    assert_eq!(
        send_notifications(&app.state).await.unwrap(),
        2,
        "the publication and the request"
    );
    assert_eq!(
        send_notifications(&app.state).await.unwrap(),
        0,
        "each event is sent once"
    );
    assert_eq!(
        inbox(&app, &sam).await,
        [message("ACCESS_REQUESTED", "Access requested to Churn")]
    );
    let page = expect(app.get(INBOX).bearer_auth(&sam), StatusCode::OK).await;
    let asked = &page["data"][0];
    assert_eq!(
        asked["message"],
        "User Casey Consumer has requested access to Churn, for which you are a Steward. Please make a determination \
         on that request."
    );
    assert_eq!(
        asked["data"]["actionLink"],
        format!("/marketplace/requests/{}", first["id"].as_str().unwrap())
    );
    assert!(asked.get("readAt").is_none());
    for bystander in [&casey, &dana, &admin] {
        assert_eq!(inbox(&app, bystander).await, []);
    }

    // Sam approves for a day: Casey hears of it, Sam (who decided) does not.
    let record = records(&app, &sam, first["id"].as_str().unwrap()).await.remove(0);
    let approve = json!({"status": "APPROVED", "reason": "ok", "duration": 1, "durationUnit": "DAYS"});
    decide(&app, &sam, &record, approve, StatusCode::OK).await;
    send_notifications(&app.state).await.unwrap();
    assert_eq!(
        inbox(&app, &casey).await,
        [message("REQUEST_DETERMINED", "Access request to Churn approved")]
    );
    assert_eq!(inbox(&app, &sam).await.len(), 1);

    // The access expires: Casey is told.
    app.state.app.clock().advance(2 * 24 * 3600);
    assert_eq!(marketplace_server::jobs::expire_due(&app.state).await.unwrap(), 1);
    send_notifications(&app.state).await.unwrap();
    assert_eq!(
        inbox(&app, &casey).await.last().unwrap(),
        &message("ACCESS_EXPIRED", "Your access to Churn has expired")
    );

    // A second request, canceled by Casey: Sam is told of both.
    let second = submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
    let path = format!("/api/access-request/{}", second["id"].as_str().unwrap());
    expect(app.delete(&path).bearer_auth(&casey), StatusCode::NO_CONTENT).await;
    send_notifications(&app.state).await.unwrap();
    assert_eq!(
        inbox(&app, &sam).await,
        [
            message("ACCESS_REQUESTED", "Access requested to Churn"),
            message("ACCESS_REQUESTED", "Access requested to Churn"),
            message("REQUEST_CANCELED", "Access request to Churn canceled")
        ]
    );

    // A third, approved, then revoked by Dana: Casey hears of the approval and the revocation.
    let third = submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
    let record = records(&app, &sam, third["id"].as_str().unwrap()).await.remove(0);
    decide(
        &app,
        &sam,
        &record,
        json!({"status": "APPROVED", "reason": "ok"}),
        StatusCode::OK,
    )
    .await;
    let revoke = format!("/api/data-product/{product}/request/{}", third["id"].as_str().unwrap());
    expect(app.delete(&revoke).bearer_auth(&dana), StatusCode::NO_CONTENT).await;
    send_notifications(&app.state).await.unwrap();
    let told = inbox(&app, &casey).await;
    assert_eq!(
        told[told.len() - 2..],
        [
            message("REQUEST_DETERMINED", "Access request to Churn approved"),
            message("ACCESS_REVOKED", "Your access to Churn is revoked")
        ]
    );
    assert_eq!(inbox(&app, &dana).await, [], "Dana revoked it herself");
}

#[tokio::test]
async fn two_instances_send_each_event_once() {
    let app = spawn_app().await;
    let second = app.another_instance().await;
    let (casey, sam) = (app.token("casey").await, app.token("sam").await);
    for name in ["Orders", "Returns", "Stores", "Ledger", "Leads"] {
        let (product, agreement) = stewarded_product(&app, name).await;
        let body = json!({"user": CASEY, "form": answers("Marketing", &agreement)});
        submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
    }
    let (a, b) = tokio::join!(send_notifications(&app.state), send_notifications(&second.state));
    assert_eq!(a.unwrap() + b.unwrap(), 10, "five publications, five requests");
    assert_eq!(inbox(&app, &sam).await.len(), 5);
}

#[tokio::test]
async fn the_inbox_is_read_and_marked_by_its_owner_only() {
    let app = spawn_app().await;
    let (casey, sam) = (app.token("casey").await, app.token("sam").await);
    for name in ["Orders", "Returns", "Stores"] {
        let (product, agreement) = stewarded_product(&app, name).await;
        let body = json!({"user": CASEY, "form": answers("Marketing", &agreement)});
        submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
    }
    send_notifications(&app.state).await.unwrap();
    let page = expect(app.get(&format!("{INBOX}?limit=2.0")).bearer_auth(&sam), StatusCode::OK).await;
    assert_eq!(
        (
            page["meta"]["totalCount"].clone(),
            page["meta"]["pageCount"].clone(),
            page["meta"]["totalPages"].clone()
        ),
        (json!(3), json!(2), json!(2))
    );
    assert_eq!(page["data"][0]["subject"], "Access requested to Stores", "newest first");
    let ids: Vec<String> = expect(app.get(INBOX).bearer_auth(&sam), StatusCode::OK).await["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|message| message["id"].as_str().unwrap().to_owned())
        .collect();

    let one = format!("{INBOX}/{}", ids[0]);
    let read = expect(
        app.request(Method::PATCH, &one)
            .bearer_auth(&sam)
            .json(&json!({"read": true})),
        StatusCode::OK,
    )
    .await;
    let read_at = read["readAt"].clone();
    assert!(read_at.is_string());
    app.state.app.clock().advance(60);
    let again = expect(
        app.request(Method::PATCH, &one)
            .bearer_auth(&sam)
            .json(&json!({"read": true})),
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["readAt"], read_at, "read once, when first read");
    assert_eq!(
        expect(app.get(&one).bearer_auth(&sam), StatusCode::OK).await["readAt"],
        read_at
    );
    let unread = expect(
        app.get(&format!("{INBOX}?read=false")).bearer_auth(&sam),
        StatusCode::OK,
    )
    .await;
    assert_eq!(unread["meta"]["totalCount"], 2);
    let read_only = expect(app.get(&format!("{INBOX}?read=true")).bearer_auth(&sam), StatusCode::OK).await;
    assert_eq!(read_only["data"][0]["id"], ids[0].as_str());

    // Someone else's message does not exist for them, to read or to mark; a bulk update naming one changes nothing.
    expect(app.get(&one).bearer_auth(&casey), StatusCode::NOT_FOUND).await;
    expect(
        app.request(Method::PATCH, &one)
            .bearer_auth(&casey)
            .json(&json!({"read": false})),
        StatusCode::NOT_FOUND,
    )
    .await;
    let bulk = format!("{INBOX}/update-bulk");
    let mixed = json!([{"id": ids[1], "read": true}, {"id": "not-a-message", "read": true}]);
    expect(
        app.request(Method::PATCH, &bulk).bearer_auth(&sam).json(&mixed),
        StatusCode::NOT_FOUND,
    )
    .await;
    let unread = expect(
        app.get(&format!("{INBOX}?read=false")).bearer_auth(&sam),
        StatusCode::OK,
    )
    .await;
    assert_eq!(unread["meta"]["totalCount"], 2);

    let all = json!([{"id": ids[0], "read": false}, {"id": ids[1], "read": true}, {"id": ids[2], "read": true}]);
    let changed = expect(
        app.request(Method::PATCH, &bulk).bearer_auth(&sam).json(&all),
        StatusCode::OK,
    )
    .await;
    let states: Vec<bool> = changed
        .as_array()
        .unwrap()
        .iter()
        .map(|message| message.get("readAt").is_some())
        .collect();
    assert_eq!(states, [false, true, true]);
    for bad in [json!({"read": "yes"}), json!({}), json!({"read": true, "extra": 1})] {
        expect(
            app.request(Method::PATCH, &one).bearer_auth(&sam).json(&bad),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    expect(
        app.get(&format!("{INBOX}?read=maybe")).bearer_auth(&sam),
        StatusCode::BAD_REQUEST,
    )
    .await;
    expect(
        app.get(&format!("{INBOX}?limit=0")).bearer_auth(&sam),
        StatusCode::BAD_REQUEST,
    )
    .await;
    expect_unauthenticated(app.get(INBOX)).await;
}

#[tokio::test]
async fn preferences_switch_off_a_kind_of_message_or_the_whole_inbox() {
    let app = spawn_app().await;
    let (casey, sam) = (app.token("casey").await, app.token("sam").await);
    let defaults = expect(
        app.get("/api/notification/user-preferences").bearer_auth(&sam),
        StatusCode::OK,
    )
    .await;
    assert_eq!(defaults[0]["provider"], "IN_APP");
    assert_eq!(defaults[0]["enabled"], true);
    assert!(
        defaults[0]["typePreferences"]
            .as_array()
            .unwrap()
            .iter()
            .all(|choice| choice["enabled"] == true)
    );

    let quiet = json!({"preferences": [{"provider": "IN_APP", "typePreferences": [
        {"notificationType": "ACCESS_REQUESTED", "enabled": false}]}]});
    let saved = expect(
        app.request(Method::PUT, "/api/notification/user-preferences")
            .bearer_auth(&sam)
            .json(&quiet),
        StatusCode::OK,
    )
    .await;
    assert_eq!(saved["recipientId"], "2daf4c86-5f6e-4b20-9c73-8e4f9a0b1c23");
    let in_app = &saved["preferences"][0]["typePreferences"];
    assert!(
        in_app
            .as_array()
            .unwrap()
            .contains(&json!({"notificationType": "ACCESS_REQUESTED", "enabled": false}))
    );
    let off = json!({"configs": [{"provider": "IN_APP", "enabled": false}]});
    let configs = expect(
        app.request(Method::PUT, "/api/notification/user-provider-configs")
            .bearer_auth(&casey)
            .json(&off),
        StatusCode::OK,
    )
    .await;
    assert_eq!(configs["configs"][0], json!({"provider": "IN_APP", "enabled": false}));
    let read_back = expect(
        app.get("/api/notification/user-preferences").bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(read_back[0]["enabled"], false);

    // Sam is not asked to review, Casey is not told of the determination; the canceled request still reaches Sam.
    let (product, agreement) = stewarded_product(&app, "Churn").await;
    let body = json!({"user": CASEY, "form": answers("Marketing", &agreement)});
    let created = submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
    let record = records(&app, &sam, created["id"].as_str().unwrap()).await.remove(0);
    decide(
        &app,
        &sam,
        &record,
        json!({"status": "DENIED", "reason": "No"}),
        StatusCode::OK,
    )
    .await;
    let again = submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
    let path = format!("/api/access-request/{}", again["id"].as_str().unwrap());
    expect(app.delete(&path).bearer_auth(&casey), StatusCode::NO_CONTENT).await;
    send_notifications(&app.state).await.unwrap();
    assert_eq!(
        inbox(&app, &sam).await,
        [message("REQUEST_CANCELED", "Access request to Churn canceled")]
    );
    assert_eq!(inbox(&app, &casey).await, []);

    let wrong = json!({"preferences": [{"provider": "PIGEON", "typePreferences": [
        {"notificationType": "GOSSIP", "enabled": true}]}]});
    let refused = expect(
        app.request(Method::PUT, "/api/notification/user-preferences")
            .bearer_auth(&sam)
            .json(&wrong),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let problems = error_message(&refused, 400);
    assert!(
        problems[0]
            .as_str()
            .unwrap()
            .starts_with("preferences[0].provider `PIGEON` must be one of IN_APP")
    );
    assert!(
        problems[1]
            .as_str()
            .unwrap()
            .starts_with("preferences[0].typePreferences[0].notificationType `GOSSIP`")
    );
    let missing = json!({"configs": [{"provider": "EMAIL"}]});
    expect(
        app.request(Method::PUT, "/api/notification/user-provider-configs")
            .bearer_auth(&sam)
            .json(&missing),
        StatusCode::BAD_REQUEST,
    )
    .await;
}
