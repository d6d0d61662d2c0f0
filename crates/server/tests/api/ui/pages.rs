//! The pages the flows pass by or never reach, each looked at and checked for accessibility: the product list,
//! a product's requests tab as its manager sees it, and the pages of things gone wrong (a page that does not
//! exist, a product of no one's, a session that lapsed).

use super::browser::Browser;
use super::token_flow::sign_in;
use crate::helpers::*;
use crate::products::{product, publish};

#[tokio::test]
async fn every_other_page_reads_well_and_passes_the_accessibility_checks() {
    let Some(browser) = Browser::start().await else { return };
    let app = spawn_app().await;
    let dana = app.token("dana").await;
    for name in ["Orders", "Customers", "Order lines"] {
        publish(&app, &dana, &product(name, SALES, &["1"])).await;
    }

    sign_in(&browser, &app, "dana").await;
    browser.screenshot("data-products").await;
    browser.check_accessibility("data-products").await;
    browser.select("My state", "Pending").await;
    browser.click_button("Filter").await;
    browser.wait_for_text("No data products match.").await;

    browser.goto(&format!("{}/data-products", app.base)).await;
    browser.click_link("Orders").await;
    browser.wait_for_text("Subject matter expert").await;
    // The tab shares its name with the main navigation's link: opened by its address.
    let tab = format!("{}?tab=access-requests", browser.current_url().await);
    browser.goto(&tab).await;
    browser.wait_for_text("No requests you can see.").await;
    browser.screenshot("product-access-requests").await;
    browser.check_accessibility("product-access-requests").await;

    browser.goto(&format!("{}/no-such-page", app.base)).await;
    browser.wait_for_text("Page not found").await;
    browser.screenshot("not-found").await;
    browser.check_accessibility("not-found").await;
    browser.click_link("Back to data products").await;
    browser.wait_for_text("Order lines").await;

    browser.goto(&format!("{}/data-product/someone-elses", app.base)).await;
    browser.wait_for_text("Not found").await;
    browser.check_accessibility("product-not-found").await;

    app.state.app.clock().advance(9 * 3600);
    browser.goto(&format!("{}/inbox", app.base)).await;
    browser.wait_for_text("Your session has expired").await;
    browser.screenshot("session-expired").await;
    browser.check_accessibility("session-expired").await;
    browser.click_link("Sign in again").await;
    browser.wait_for_text("Sign in to the Request app").await;
    browser.close().await;
}
