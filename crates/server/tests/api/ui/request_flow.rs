//! A request from a consumer to a steward's determination, in the browser: casey finds a product, requests access
//! answering every question type and accepting the agreement; sam, a Sales steward, sees it awaiting his review
//! and approves it for 2 days; casey sees it approved with its expiry and a message in the inbox that leads to it;
//! dana revokes it from *Members*. And a masking exception asked for by picking two masked columns.

use super::browser::Browser;
use super::token_flow::{open_menu, sign_in};
use crate::agreements::create_agreement;
use crate::forms::{create_form, sales_form};
use crate::helpers::*;
use crate::products::{product, publish};
use reqwest::StatusCode;

/// Publishes "Customer orders" (Sales Orders and Customers, whose contact columns are masked) whose requests
/// Sales Stewards review on a form with every kind of question; returns its id.
async fn customer_orders(app: &TestApp) -> String {
    let dana = app.token("dana").await;
    let terms = create_agreement(app, &dana, "Customer data terms", "Use it for sales analysis only.").await;
    let form = create_form(
        app,
        &dana,
        &sales_form("Customer data", &[terms["id"].as_str().unwrap()]),
    )
    .await;
    let mut body = product("Customer orders", SALES, &["1", "3"]);
    body["dataAccessRequestFormId"] = form["id"].clone();
    body["maskingExceptionRequestFormId"] = form["id"].clone();
    publish(app, &dana, &body).await["id"].as_str().unwrap().to_owned()
}

/// Answers the form's four questions and accepts its agreement.
async fn answer_the_form(browser: &Browser) {
    browser
        .fill("What will you use the data for? (required)", "Quarterly churn report")
        .await;
    browser.select("Team (required)", "Marketing").await;
    browser.check("EU").await;
    browser.check("US").await;
    browser.fill("Duration", "30").await;
    browser.select("Unit", "Days").await;
    browser
        .check("I accept the data use agreement “Customer data terms”")
        .await;
}

#[tokio::test]
async fn a_request_goes_from_casey_to_sams_determination_and_dana_revokes_it() {
    let Some(browser) = Browser::start().await else { return };
    let app = spawn_app().await;
    let product = customer_orders(&app).await;

    sign_in(&browser, &app, "casey").await;
    browser.fill("Search", "Customer").await;
    browser.click_button("Filter").await;
    browser.click_link("Customer orders").await;
    browser.wait_for_text("Subject matter expert").await;
    browser.screenshot("product-details").await;
    browser.check_accessibility("product-details").await;
    for (tab, shown) in [
        ("Data sources", "Access if approved"),
        ("Columns", "Masked"),
        ("Request form", "Team"),
    ] {
        browser.click_link(tab).await;
        browser.wait_for_text(shown).await;
        let name = format!("product-{}", tab.to_lowercase().replace(' ', "-"));
        browser.screenshot(&name).await;
        browser.check_accessibility(&name).await;
    }
    browser.click_link("Details").await;
    browser.click_link("Request access").await;
    browser.wait_for_text("Who is the request for?").await;
    // Sent without answers: every problem beside its field, nothing stored.
    browser.click_button("Submit request").await;
    browser.wait_for_text("must be answered").await;
    browser.screenshot("request-access-problems").await;
    browser.check_accessibility("request-access-problems").await;
    answer_the_form(&browser).await;
    browser.screenshot("request-access").await;
    browser.click_button("Submit request").await;
    browser.wait_for_text("Approval records").await;
    assert!(browser.text().await.contains("Pending"));
    let request = browser.current_url().await.rsplit('/').next().unwrap().to_owned();
    browser.screenshot("request-pending").await;
    browser.check_accessibility("request-pending").await;

    sign_in(&browser, &app, "sam").await;
    browser
        .goto(&format!("{}/access-requests?view=review&status=PENDING", app.base))
        .await;
    browser.screenshot("access-requests-awaiting-review").await;
    browser.check_accessibility("access-requests").await;
    browser.click_link("Customer orders").await;
    browser.click_link("Continue to determination").await;
    browser.wait_for_text("Risk assessment").await;
    browser.check("Temporarily approve").await;
    browser.select("Duration", "2").await;
    browser.select("Unit", "days").await;
    browser.fill("Reason", "Churn analysis for Q3").await;
    browser.screenshot("determination").await;
    browser.check_accessibility("determination").await;
    browser.click_button("Submit determination").await;
    browser.wait_for_text("Decided by Sam Steward").await;
    let stored = expect(
        app.get(&format!("/api/access-request/{request}"))
            .bearer_auth(app.token("sam").await),
        StatusCode::OK,
    )
    .await;
    assert_eq!(stored["status"], "APPROVED");
    let expiry = stored["expiration"]
        .as_str()
        .expect("a temporary approval expires")
        .to_owned();

    app.state.app.send_notifications().await.unwrap();
    sign_in(&browser, &app, "casey").await;
    let bell = browser.text().await;
    assert!(
        browser
            .client()
            .find(fantoccini::Locator::Id("unread-count"))
            .await
            .is_ok(),
        "{bell}"
    );
    browser.click_link("Inbox, 1 unread message").await;
    browser.wait_for_text("Mark all as read").await;
    browser.screenshot("inbox").await;
    browser.check_accessibility("inbox").await;
    browser.click_link(&inbox_subject(&app).await).await;
    browser.wait_for_text("Approval records").await;
    assert!(
        browser
            .current_url()
            .await
            .ends_with(&format!("/marketplace/requests/{request}"))
    );
    let text = browser.text().await;
    assert!(text.contains("Approved"), "{text}");
    assert!(
        text.contains(&expiry[..10]),
        "the expiry date {expiry} is shown: {text}"
    );
    browser.screenshot("request-approved").await;

    sign_in(&browser, &app, "dana").await;
    browser
        .goto(&format!("{}/data-product/{product}?tab=members", app.base))
        .await;
    browser.wait_for_text("Casey Consumer").await;
    browser.screenshot("product-members").await;
    browser.check_accessibility("product-members").await;
    open_menu(&browser, "More actions for Casey Consumer").await;
    browser.click_link("Revoke access").await;
    browser.fill("Reason", "The analysis is done").await;
    browser.screenshot("revoke-modal").await;
    browser.click_button("Revoke access").await;
    browser.wait_for_text("No one has access yet").await;
    let stored = expect(
        app.get(&format!("/api/access-request/{request}"))
            .bearer_auth(app.token("dana").await),
        StatusCode::OK,
    )
    .await;
    assert_eq!(stored["status"], "REVOKED");
    browser.close().await;
}

/// The subject of casey's newest inbox message.
async fn inbox_subject(app: &TestApp) -> String {
    let casey = app.token("casey").await;
    let inbox = expect(
        app.get("/api/notification/inbox/messages").bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    inbox["data"][0]["subject"].as_str().expect("a message").to_owned()
}

#[tokio::test]
async fn a_masking_exception_is_asked_for_by_picking_masked_columns() {
    let Some(browser) = Browser::start().await else { return };
    let app = spawn_app().await;
    let product = customer_orders(&app).await;
    sign_in(&browser, &app, "casey").await;
    browser
        .goto(&format!("{}/data-product/{product}?tab=columns", app.base))
        .await;
    browser.check("full_name").await;
    browser.check("email").await;
    browser.click_button("Request masking exception").await;
    browser.wait_for_text("Columns to see unmasked").await;
    browser.screenshot("masking-exception").await;
    browser.check_accessibility("masking-exception").await;
    answer_the_form(&browser).await;
    browser.click_button("Submit request").await;
    browser.wait_for_text("Requested columns").await;
    let text = browser.text().await;
    assert!(
        text.contains("Masking exception") && text.contains("Customers.full_name"),
        "{text}"
    );
    assert!(text.contains("Customers.email"), "{text}");
    let request = browser.current_url().await.rsplit('/').next().unwrap().to_owned();
    let casey = app.token("casey").await;
    let path = format!("/api/access-request/{request}/masking-exception-columns");
    let columns = expect(app.get(&path).bearer_auth(&casey), StatusCode::OK).await;
    assert_eq!(columns["data"].as_array().map(Vec::len), Some(2), "{columns}");
    browser.close().await;
}
