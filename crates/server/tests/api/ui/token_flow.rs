//! Immuta's personal access token flow, click by click: a link signs casey in; *Generate new token* with *No
//! expiration*; the token shown once, and it works against the JSON API; a reload does not show it again; the
//! row's more-actions menu → *Delete token* → *Delete* in the modal; the API then answers the exact 401.

use super::browser::Browser;
use crate::helpers::*;
use fantoccini::Locator;
use marketplace_server::web::paths;
use reqwest::StatusCode;

/// Signs `username` of the demo tenant in through a fresh one-time link, as quickstart prints them.
pub async fn sign_in(browser: &Browser, app: &TestApp, username: &str) {
    let link = app.state.app.create_sign_in_link("demo", username).await.unwrap();
    browser
        .goto(&format!("http://{}{}", app.address, paths::sign_in_link(&link.token)))
        .await;
    let name = app.state.app.sign_in_link_user(&link.token).await.unwrap().name;
    browser.click_button(&format!("Sign in as {name}")).await;
    browser.wait_for_text("Data products").await;
}

/// Opens the more-actions menu labelled `label` (a `<summary>`, which is neither a link nor a button).
pub async fn open_menu(browser: &Browser, label: &str) {
    let selector = format!(r#"summary[aria-label="{label}"]"#);
    let summary = browser
        .client()
        .find(Locator::Css(&selector))
        .await
        .expect("the more-actions menu");
    summary.click().await.expect("the menu opens");
}

#[tokio::test]
async fn casey_generates_uses_and_deletes_a_token_in_the_browser() {
    let Some(browser) = Browser::start().await else { return };
    let app = spawn_app().await;
    let link = app.state.app.create_sign_in_link("demo", "casey").await.unwrap();
    browser
        .goto(&format!("http://{}{}", app.address, paths::sign_in_link(&link.token)))
        .await;
    browser.screenshot("sign-in-link").await;
    browser.check_accessibility("sign-in-link").await;
    browser.click_button("Sign in as Casey Consumer").await;
    browser.wait_for_text("Data products").await;

    browser.click_link("Tokens").await;
    browser.wait_for_text("Personal access tokens").await;
    browser.click_link("Generate new token").await;
    browser.fill("Description", "Laptop scripts").await;
    browser.select("Expiration", "No expiration").await;
    browser.screenshot("token-new").await;
    browser.check_accessibility("token-new").await;
    browser.click_button("Generate new token").await;
    browser.wait_for_text("it cannot be shown again").await;
    browser.screenshot("token-shown-once").await;
    browser.check_accessibility("token-shown-once").await;
    let token = browser
        .client()
        .find(Locator::Id("new-token"))
        .await
        .expect("the new token")
        .text()
        .await
        .unwrap();
    let user = expect(app.get("/api/auth/user").bearer_auth(&token), StatusCode::OK).await;
    assert_eq!(user["username"], "casey");

    // Once: the page again (a reload) lists the token, but never shows it.
    browser.goto(&format!("{}/personal-access-tokens", app.base)).await;
    let text = browser.text().await;
    assert!(text.contains("Laptop scripts") && text.contains("Never"), "{text}");
    assert!(
        !text.contains(&token) && !text.contains("cannot be shown again"),
        "{text}"
    );
    browser.screenshot("tokens").await;
    browser.check_accessibility("tokens").await;

    open_menu(&browser, "More actions for Laptop scripts").await;
    browser.click_link("Delete token").await;
    browser.wait_for_text("Anything using it stops working at once").await;
    browser.screenshot("token-delete-modal").await;
    browser.click_button("Delete").await;
    browser.wait_for_text("You have no tokens").await;
    expect_unauthenticated(app.get("/api/auth/user").bearer_auth(&token)).await;
    browser.close().await;
}
