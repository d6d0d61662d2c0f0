//! The web app in a real browser: headless Chromium driven over WebDriver (`browser`), with a small OpenID
//! provider of the test's own (`oidc_provider`) to sign users in through.
//!
//! Browser tests run only when `MARKETPLACE_TEST_CHROMEDRIVER` names a chromedriver binary (`scripts/test.sh`
//! sets it); without it each one says it is skipped and passes. A test goes
//!
//! ```ignore
//! let Some(browser) = Browser::start().await else { return };
//! browser.goto(&format!("{}/", app.base)).await;
//! browser.fill("Email", "casey@example.com").await;
//! browser.click_button("Continue").await;
//! assert!(browser.text().await.contains("Welcome"));
//! browser.check_accessibility("welcome").await;
//! ```

mod accessibility;
pub mod browser;
mod chromedriver;
pub mod oidc_provider;
mod oidc_sign_in;
mod pages;
mod request_flow;
mod smoke;
mod token_flow;
