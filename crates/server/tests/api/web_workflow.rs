//! A request's way through the web pages, over plain HTTP: its page as the requester and as a steward sees it,
//! the steward's determination (refused in words when the form is wrong, refused outright once decided; of a
//! stage that needs several approvers, the record that is the steward's), and *Mark all as read* in the inbox,
//! which leaves other people's messages alone.

use crate::helpers::*;
use crate::notifications::INBOX;
use crate::requests::{CASEY, answers, decide, product_with_policy, records, review, stewarded_product, submit};
use crate::web_sign_in::{Browser, Page};
use reqwest::StatusCode;
use serde_json::json;

fn shows(page: &Page, text: &str) -> bool {
    page.body.contains(text)
}

#[tokio::test]
async fn a_steward_decides_a_request_from_its_page_once() {
    let app = spawn_app().await;
    let (product, agreement) = stewarded_product(&app, "Orders").await;
    let casey = app.token("casey").await;
    let body = json!({"user": CASEY, "form": answers("Marketing", &agreement)});
    let made = submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
    let request = format!("/marketplace/requests/{}", made["id"].as_str().unwrap());
    let determination = format!("{request}/determination");

    let mut requester = Browser::new(&app);
    requester.sign_in(&app, "demo", "casey").await;
    let page = requester.get(&request).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for text in [
        "Pending",
        "Cancel request",
        "Marketing",
        "Data sources",
        "Approval records",
    ] {
        assert!(shows(&page, text), "{text}: {}", page.body);
    }
    assert!(!shows(&page, "Continue to determination"), "{}", page.body);

    let mut sam = Browser::new(&app);
    sam.sign_in(&app, "demo", "sam").await;
    let page = sam.get(&request).await;
    assert!(shows(&page, "Continue to determination"), "{}", page.body);
    assert!(!shows(&page, "Cancel request"), "{}", page.body);
    let page = sam.get(&determination).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(shows(&page, "Risk assessment") && shows(&page, "Determination history"));
    let csrf = page.csrf();

    let temporary = [
        ("_csrf", csrf.as_str()),
        ("decision", "temporary"),
        ("duration", "custom"),
        ("customDuration", ""),
        ("unit", "DAYS"),
        ("reason", "Churn analysis"),
    ];
    let page = sam.post(&determination, &temporary).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(shows(
        &page,
        "Temporarily approve needs a duration of at least 1 and a unit."
    ));
    let unexplained = [("_csrf", csrf.as_str()), ("decision", "approve"), ("reason", " ")];
    let page = sam.post(&determination, &unexplained).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(shows(&page, "reason should not be empty"), "{}", page.body);

    let mut two_days = temporary;
    two_days[2] = ("duration", "2");
    let page = sam.post(&determination, &two_days).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some(request.as_str()));
    let page = sam.get(&request).await;
    assert!(
        shows(&page, "Decided by Sam Steward") && shows(&page, "Approved"),
        "{}",
        page.body
    );
    assert!(!shows(&page, "Continue to determination"), "{}", page.body);

    let page = sam.post(&determination, &two_days).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(shows(&page, "This request awaits no determination; it is approved."));
}

#[tokio::test]
async fn a_steward_decides_the_record_of_a_shared_stage_that_is_theirs() {
    let app = spawn_app().await;
    let dana = app.token("dana").await;
    let stages = json!([{"all": [
        {"type": "PERMISSION", "permission": "GOVERNANCE"},
        {"type": "GROUP", "id": 1, "name": "Sales Stewards"}]}]);
    let (product, agreement) = product_with_policy(&app, &dana, "Ledger", review(stages)).await;
    let casey = app.token("casey").await;
    let body = json!({"user": CASEY, "form": answers("Marketing", &agreement)});
    let made = submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
    let id = made["id"].as_str().unwrap();
    let determination = format!("/marketplace/requests/{id}/determination");

    let mut sam = Browser::new(&app);
    sam.sign_in(&app, "demo", "sam").await;
    let csrf = sam.get(&determination).await.csrf();
    let approve = [("_csrf", csrf.as_str()), ("decision", "approve"), ("reason", "Fine")];
    let page = sam.post(&determination, &approve).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let statuses: Vec<_> = records(&app, &casey, id)
        .await
        .iter()
        .map(|record| record["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        statuses,
        ["PENDING", "APPROVED"],
        "the GOVERNANCE record awaits another approver"
    );

    let page = sam.post(&determination, &approve).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(
        shows(&page, "You are not an approver of this approval record."),
        "{}",
        page.body
    );
}

/// How many unread messages the token's user has.
async fn unread(app: &TestApp, token: &str) -> u64 {
    let page = expect(
        app.get(&format!("{INBOX}?read=false")).bearer_auth(token),
        StatusCode::OK,
    )
    .await;
    page["meta"]["totalCount"].as_u64().unwrap()
}

#[tokio::test]
async fn mark_all_as_read_marks_only_the_readers_messages() {
    let app = spawn_app().await;
    let (casey, sam) = (app.token("casey").await, app.token("sam").await);
    let mut made = Vec::new();
    for name in ["Orders", "Customers", "Order lines"] {
        let (product, agreement) = stewarded_product(&app, name).await;
        let body = json!({"user": CASEY, "form": answers("Marketing", &agreement)});
        made.push(submit(&app, &casey, &product, &body, StatusCode::CREATED).await);
    }
    let record = records(&app, &sam, made[0]["id"].as_str().unwrap()).await.remove(0);
    let approve = json!({"status": "APPROVED", "reason": "ok"});
    decide(&app, &sam, &record, approve, StatusCode::OK).await;
    app.state.app.send_notifications().await.unwrap();
    assert_eq!((unread(&app, &sam).await, unread(&app, &casey).await), (3, 1));

    let mut browser = Browser::new(&app);
    browser.sign_in(&app, "demo", "sam").await;
    let page = browser.get("/marketplace/inbox").await;
    assert!(shows(&page, "Mark all as read"), "{}", page.body);
    let page = browser
        .post("/marketplace/inbox/read-all", &[("_csrf", page.csrf().as_str())])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/marketplace/inbox"));
    assert_eq!((unread(&app, &sam).await, unread(&app, &casey).await), (0, 1));
    let page = browser.get("/marketplace/inbox?show=unread").await;
    assert!(shows(&page, "No messages."), "{}", page.body);
    assert!(!shows(&page, "Mark all as read"), "{}", page.body);
}
