//! The pages' behaviour behind the browser flows, over plain HTTP: a request for someone else (and for no one
//! the directory knows), Immuta's asset deep link, the access request list's pages as Immuta numbers them, and a
//! determination by someone who is no approver.

use crate::helpers::*;
use crate::requests::{CASEY, answers, stewarded_product, submit};
use crate::web_sign_in::{Browser, Page};
use reqwest::StatusCode;
use serde_json::json;

/// The first field name on the page that starts with `prefix` (`answer.` fields are named by the form's ids).
fn field(page: &Page, prefix: &str) -> String {
    let at = page.body.find(&format!(r#"name="{prefix}"#)).expect("the field") + 6;
    page.body[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_request_is_made_for_someone_else_by_username() {
    let app = spawn_app().await;
    let (product, agreement) = stewarded_product(&app, "Orders").await;
    let mut dana = Browser::new(&app);
    dana.sign_in(&app, "demo", "dana").await;
    let path = format!("/marketplace/data-product/{product}/request-access?type=data-access");
    let page = dana.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.csrf();
    let answers = [
        ("answer.0c4b9a52-0001-4c1e-9a51-6c2d7e8f9a01", "Churn report"),
        ("answer.0c4b9a52-0002-4c1e-9a51-6c2d7e8f9a01", "Marketing"),
        ("answer.0c4b9a52-0004-4c1e-9a51-6c2d7e8f9a01.duration", "30"),
        ("answer.0c4b9a52-0004-4c1e-9a51-6c2d7e8f9a01.unit", "DAYS"),
        ("agreement", agreement.as_str()),
    ];
    assert_eq!(field(&page, "answer."), answers[0].0);

    let mut form = vec![("_csrf", csrf.as_str()), ("for", "other"), ("username", "nobody")];
    form.extend(answers);
    let page = dana.post(&path, &form).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("no user is named `nobody`"), "{}", page.body);
    assert!(
        page.body.contains(r#"value="Churn report""#),
        "what was entered is kept: {}",
        page.body
    );

    form[2] = ("username", "casey");
    let page = dana.post(&path, &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let request = page.location.unwrap().rsplit('/').next().unwrap().to_owned();
    let stored = expect(
        app.get(&format!("/api/access-request/{request}"))
            .bearer_auth(app.token("casey").await),
        StatusCode::OK,
    )
    .await;
    assert_eq!(stored["user"]["username"], "casey");
    assert_eq!(stored["requestingUser"]["username"], "dana");
}

#[tokio::test]
async fn immutas_asset_link_opens_the_assets_request_page() {
    let app = spawn_app().await;
    let mut casey = Browser::new(&app);
    casey.sign_in(&app, "demo", "casey").await;
    let page = casey
        .get("/marketplace/request?fullyQualifiedName=SALES.PUBLIC.CUSTOMERS&requestType=masking-exception")
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let location = page.location.unwrap();
    assert!(
        location.starts_with("/marketplace/asset/") && location.ends_with("/request-access?type=masking-exception")
    );
    let page = casey.get(&location).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Request a masking exception: CUSTOMERS"),
        "{}",
        page.body
    );

    let page = casey
        .get("/marketplace/request?fullyQualifiedName=NOWHERE.AT.ALL")
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let page = casey.get("/marketplace/request").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("fullyQualifiedName"), "{}", page.body);
}

#[tokio::test]
async fn the_request_list_pages_as_immuta_numbers_them_and_only_approvers_decide() {
    let app = spawn_app().await;
    let casey = app.token("casey").await;
    let mut ids = Vec::new();
    for name in ["Orders", "Customers", "Order lines"] {
        let (product, agreement) = stewarded_product(&app, name).await;
        let body = json!({"user": CASEY, "form": answers("Marketing", &agreement)});
        let made = submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
        ids.push(made["id"].as_str().unwrap().to_owned());
    }
    let mut browser = Browser::new(&app);
    browser.sign_in(&app, "demo", "casey").await;
    // `offset=1` is the first page, as in Immuta's links.
    let first = browser
        .get("/marketplace/access-requests?view=mine&offset=1&size=2")
        .await;
    let second = browser
        .get("/marketplace/access-requests?view=mine&offset=2&size=2")
        .await;
    let shown = |page: &Page| ids.iter().filter(|id| page.body.contains(id.as_str())).count();
    assert_eq!((shown(&first), shown(&second)), (2, 1));
    assert!(
        first.body.contains("offset=2&amp;size=2"),
        "a link to the next page: {}",
        first.body
    );

    // riley may not even see the request; dana (who manages Sales products but is no steward of this flow) may
    // see it, and her determination is refused in words and changes nothing.
    let path = format!("/marketplace/requests/{}/determination", ids[0]);
    let mut riley = Browser::new(&app);
    riley.sign_in(&app, "demo", "riley").await;
    assert_eq!(riley.get(&path).await.status, StatusCode::NOT_FOUND);
    let mut dana = Browser::new(&app);
    dana.sign_in(&app, "demo", "dana").await;
    let csrf = dana.get(&path).await.csrf();
    let form = [("_csrf", csrf.as_str()), ("decision", "approve"), ("reason", "Fine")];
    let page = dana.post(&path, &form).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(page.body.contains("not an approver"), "{}", page.body);
    let path = format!("/api/access-request/{}", ids[0]);
    let stored = expect(app.get(&path).bearer_auth(&casey), StatusCode::OK).await;
    assert_eq!(stored["status"], "PENDING");
}
