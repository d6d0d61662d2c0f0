//! The browser harness itself, proved without the web app: the server's API documentation page, and a small
//! form served by the test on which every helper is used.

use super::browser::{Browser, DESKTOP, PHONE};
use crate::helpers::spawn_app;
use axum::Router;
use axum::extract::Form;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use std::collections::HashMap;

#[tokio::test]
async fn the_api_documentation_page_renders_in_a_browser() {
    let Some(browser) = Browser::start().await else { return };
    let app = spawn_app().await;
    let docs = marketplace_server::openapi::DOCS_PATH;
    browser.goto(&format!("http://{}{docs}/", app.address)).await;
    // Swagger UI draws itself from the OpenAPI document after the page has loaded.
    browser.wait_for_text("Marketplace").await;
    browser.screenshot("api-docs").await;
    browser.close().await;
}

const FORM: &str = r##"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Harness form</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body { font-family: sans-serif; margin: 2rem; } label { display: block; margin: .5rem 0; }
.menu-for-phones { display: none; }</style></head>
<body>
<header><nav aria-label="Site"><a href="/">Home</a> <a class="menu-for-phones" href="/menu">Menu</a></nav></header>
<main>
<h1>Tell us about yourself</h1>
<form method="post" action="/submit">
  <label for="name">Name</label>
  <input id="name" name="name" value="placeholder">
  <label>Comments <textarea name="comments"></textarea></label>
  <label for="colour">Colour</label>
  <select id="colour" name="colour"><option>Red</option><option>Green</option><option>Blue</option></select>
  <label><input type="checkbox" name="subscribe" value="yes"> Subscribe</label>
  <fieldset><legend>Delivery</legend>
    <label><input type="radio" name="delivery" value="standard" checked> Standard</label>
    <label><input type="radio" name="delivery" value="express"> Express</label>
  </fieldset>
  <button type="submit">Send</button>
</form>
</main>
</body>
</html>"##;

/// The form's fields, sorted, in a page of their own, with the cookies the browser sent; it sets a cookie too.
async fn submitted(headers: axum::http::HeaderMap, Form(fields): Form<HashMap<String, String>>) -> impl IntoResponse {
    let mut fields: Vec<_> = fields
        .into_iter()
        .map(|(name, value)| format!("<li>{name}={value}</li>"))
        .collect();
    fields.sort();
    let cookies = headers
        .get(header::COOKIE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("none");
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><title>Thanks</title></head><body><main><h1>Thanks</h1>\
         <ul>{}</ul><p>Cookies: {cookies}</p><p><a href=\"/\">Back to the form</a></p></main></body></html>",
        fields.concat()
    );
    ([(header::SET_COOKIE, "submitted=yes; Path=/; HttpOnly")], Html(page))
}

/// A page failing two checks: an input without a label and an image without alternative text.
const INACCESSIBLE: &str = r#"<!doctype html><html lang="en"><head><title>Bad</title></head><body><main>
<h1>Bad</h1><input name="nameless"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></body></html>"#;

#[tokio::test]
async fn every_helper_works_on_a_plain_form() {
    let Some(browser) = Browser::start().await else { return };
    let router = Router::new()
        .route("/", get(|| async { Html(FORM) }))
        .route("/submit", axum::routing::post(submitted))
        .route("/bad", get(|| async { Html(INACCESSIBLE) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    browser.goto(&format!("{base}/")).await;
    browser.check_accessibility("harness form").await;
    browser.set_cookie("greeting", "hello").await;
    browser.fill("Name", "Ada Lovelace").await;
    browser.fill("Comments", "Two\nlines").await;
    browser.select("Colour", "Green").await;
    browser.check("Subscribe").await;
    browser.check("Subscribe").await; // already ticked: stays so
    browser.check("Express").await;
    // Each shot is exactly its viewport: a PNG's width and height are bytes 16 to 24.
    for (path, size) in browser.screenshot("harness-form").await.iter().zip([DESKTOP, PHONE]) {
        let png = std::fs::read(path).unwrap();
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!((width, height), size, "{}", path.display());
    }
    browser.click_button("Send").await;

    browser.wait_for_text("Thanks").await;
    let text = browser.text().await;
    for field in [
        "colour=Green",
        "comments=Two lines",
        "delivery=express",
        "name=Ada Lovelace",
        "subscribe=yes",
    ] {
        assert!(text.contains(field), "{field:?} missing from:\n{text}");
    }
    assert!(text.contains("Cookies: greeting=hello"), "{text}");
    assert_eq!(browser.current_url().await, format!("{base}/submit"));
    assert_eq!(browser.cookie("submitted").await.as_deref(), Some("yes"));
    assert_eq!(browser.cookie("absent").await, None);

    browser.click_link("Back to the form").await;
    browser.wait_for_text("Tell us about yourself").await;
    // The link hidden by CSS is not offered to the user, so not to the test either.
    let hidden = browser
        .client()
        .find(fantoccini::Locator::Css("a.menu-for-phones"))
        .await
        .unwrap();
    assert!(!hidden.is_displayed().await.unwrap());

    // The check finds violations, and reports them, in a task of its own so its panic can be looked at.
    browser.goto(&format!("{base}/bad")).await;
    let failure = tokio::spawn(async move { browser.check_accessibility("bad page").await }).await;
    let panic = failure.expect_err("the inaccessible page fails the check").into_panic();
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("- label:") && message.contains("- image-alt:"),
        "{message}"
    );
    assert!(message.contains("<input name=\"nameless\">"), "{message}");
    server.abort();
}
