//! Signing in through the tenant's OpenID provider (a small one the test runs: discovery, authorization, token
//! endpoint, JWKS), in the browser: the account page pre-filled from `?accountId=`, back signed in; a person the
//! directory does not know gets a page that says so and no session; a callback whose `state` this browser did not
//! start is refused.

use super::browser::Browser;
use super::oidc_provider::OidcProvider;
use crate::helpers::*;
use crate::web_sign_in;

const CLIENT_ID: &str = "marketplace-demo";

/// The demo tenant signing in through `provider`, its client secret in a file.
async fn with_provider(app: &TestApp, provider: &OidcProvider, secret_file: &std::path::Path) {
    let name = "  name: Demo Retail Co.\n";
    let sign_in = format!(
        "{name}  openIdConnect:\n    issuer: {}\n    clientId: {CLIENT_ID}\n    clientSecretFile: {}\n",
        provider.issuer(),
        secret_file.display()
    );
    app.import(&DEMO.replacen(name, &sign_in, 1)).await;
}

#[tokio::test]
async fn a_person_signs_in_through_the_tenants_openid_provider() {
    let Some(browser) = Browser::start().await else { return };
    let app = spawn_app().await;
    let provider = OidcProvider::start(CLIENT_ID, "s3cret").await;
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), "s3cret\n").unwrap();
    with_provider(&app, &provider, secret.path()).await;

    provider.sign_in_as("casey@demo-retail.example");
    browser.goto(&format!("{}?accountId=demo", app.base)).await;
    assert!(browser.text().await.contains("Sign in to the Request app"));
    browser.screenshot("sign-in").await;
    browser.check_accessibility("sign-in").await;
    browser.click_button("Continue").await;
    browser.wait_for_text("Casey Consumer").await;
    assert!(browser.current_url().await.ends_with("/marketplace/data-products"));
    assert_eq!(provider.token_requests(), 1);

    // Someone the provider knows but the directory does not: told so, and not signed in.
    browser.client().delete_all_cookies().await.unwrap();
    provider.sign_in_as("stranger@elsewhere.example");
    browser.goto(&format!("{}?accountId=demo", app.base)).await;
    browser.click_button("Continue").await;
    browser.wait_for_text("has no user with that email").await;
    browser.screenshot("sign-in-unknown-user").await;
    browser.check_accessibility("sign-in-unknown-user").await;
    browser.goto(&format!("{}/data-products", app.base)).await;
    browser.wait_for_text("Sign in to the Request app").await;
    browser.close().await;
}

#[tokio::test]
async fn a_callback_this_browser_did_not_start_is_refused() {
    let app = spawn_app().await;
    let provider = OidcProvider::start(CLIENT_ID, "s3cret").await;
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), "s3cret").unwrap();
    with_provider(&app, &provider, secret.path()).await;
    provider.sign_in_as("casey@demo-retail.example");

    // A sign-in started elsewhere (an attacker's), whose callback is slipped to this browser: no cookie of the
    // state here, so it is refused, and the code is never traded.
    let mut attacker = web_sign_in::Browser::new(&app);
    let start = attacker.get("/marketplace/sign-in?accountId=demo").await;
    let authorize = start.location.expect("sent to the provider");
    let answer = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&authorize)
        .send()
        .await
        .unwrap();
    let callback = answer.headers()["location"].to_str().unwrap().to_owned();
    let path = &callback[callback.find("/marketplace/").unwrap()..];
    let mut victim = web_sign_in::Browser::new(&app);
    let page = victim.get(path).await;
    assert_eq!(page.status, reqwest::StatusCode::FORBIDDEN, "{}", page.body);
    assert!(page.body.contains("was not started in this browser"), "{}", page.body);
    assert!(victim.cookie.is_none());
    assert_eq!(provider.token_requests(), 0);

    // The browser that did start it, with a state altered on the way: refused too.
    let cookie = start
        .set_cookies
        .iter()
        .find(|c| c.starts_with("marketplace_sign_in="))
        .unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let tampered = path.replace("state=", "state=x");
    let response = reqwest::Client::new()
        .get(format!("http://{}{tampered}", app.address))
        .header("cookie", &cookie)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::FORBIDDEN);
    assert_eq!(provider.token_requests(), 0);

    // Untouched, it signs in; the same callback again does not.
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("http://{}{path}", app.address))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    assert!(
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("marketplace_session="))
    );
    let again = reqwest::Client::new()
        .get(format!("http://{}{path}", app.address))
        .header("cookie", &cookie)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), reqwest::StatusCode::CONFLICT);
    assert_eq!(provider.token_requests(), 1);
}
