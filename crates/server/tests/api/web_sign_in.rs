//! The web app's doors, over plain HTTP: sign-in links (once, for ten minutes), sessions (idle timeout, sign-out,
//! one tenant each), the CSRF token on every form, and pages (not JSON) for browsers that go astray.

use crate::helpers::*;
use reqwest::header::{ACCEPT, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, StatusCode, redirect};

/// A browser without JavaScript: it keeps the session cookie and does not follow redirects, so each answer can
/// be checked.
pub struct Browser {
    client: Client,
    origin: String,
    pub cookie: Option<String>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Page {
    /// The CSRF token of the page's first form.
    pub fn csrf(&self) -> String {
        let start = self
            .body
            .find(r#"name="_csrf" value=""#)
            .expect("a form with a CSRF token")
            + 20;
        self.body[start..].split('"').next().unwrap().to_owned()
    }
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser {
            client: Client::builder().redirect(redirect::Policy::none()).build().unwrap(),
            origin: format!("http://{}", app.address),
            cookie: None,
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let request = request.header(ACCEPT, "text/html");
        let request = match &self.cookie {
            Some(cookie) => request.header(COOKIE, format!("marketplace_session={cookie}")),
            None => request,
        };
        let response = request.send().await.expect("the server answers");
        let set_cookies: Vec<String> = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|value| value.to_str().unwrap().to_owned())
            .collect();
        for cookie in &set_cookies {
            if let Some(value) = cookie.strip_prefix("marketplace_session=") {
                let value = value.split(';').next().unwrap();
                self.cookie = Some(value.to_owned()).filter(|value| !value.is_empty());
            }
        }
        Page {
            status: response.status(),
            location: response
                .headers()
                .get(LOCATION)
                .map(|value| value.to_str().unwrap().to_owned()),
            set_cookies,
            body: response.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.origin));
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let request = self.client.post(format!("{}{path}", self.origin)).form(form);
        self.send(request).await
    }

    /// Signs in with a fresh one-time link for `username` of `tenant`.
    pub async fn sign_in(&mut self, app: &TestApp, tenant: &str, username: &str) {
        let link = app.state.app.create_sign_in_link(tenant, username).await.unwrap();
        let page = self
            .post(&format!("/marketplace/sign-in/link/{}", link.token), &[])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
}

#[tokio::test]
async fn a_sign_in_link_works_once_and_only_for_ten_minutes() {
    let app = spawn_app().await;
    let link = app.state.app.create_sign_in_link("demo", "casey").await.unwrap();
    let path = format!("/marketplace/sign-in/link/{}", link.token);
    let mut browser = Browser::new(&app);

    // Looking at the link (a mail scanner, a chat preview) does not use it.
    let page = browser.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Sign in as Casey Consumer"), "{}", page.body);
    assert!(browser.cookie.is_none());

    let page = browser.post(&path, &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/marketplace/data-products"));
    let cookie = page
        .set_cookies
        .iter()
        .find(|c| c.starts_with("marketplace_session="))
        .unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/marketplace"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP here: {cookie}");
    let page = browser.get("/marketplace/data-products").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Casey Consumer"));

    // Another site's page posting the link (to sign this browser in as someone else) is refused.
    let other_site = reqwest::Client::new()
        .post(format!("http://{}{path}", app.address))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(other_site.status(), StatusCode::FORBIDDEN);

    // Used: refused, in words, and no session for whoever tries.
    let mut other = Browser::new(&app);
    let page = other.post(&path, &[]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("expired or was already used"), "{}", page.body);
    assert!(other.cookie.is_none());

    // Expired after ten minutes, unused.
    let late = app.state.app.create_sign_in_link("demo", "sam").await.unwrap();
    app.state.app.clock().advance(10 * 60 + 1);
    let page = other
        .post(&format!("/marketplace/sign-in/link/{}", late.token), &[])
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(other.cookie.is_none());
    let page = other.get(&format!("/marketplace/sign-in/link/{}", late.token)).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    let page = other.get("/marketplace/sign-in/link/not-a-link").await;
    assert_eq!(page.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_session_lapses_when_idle_and_ends_at_sign_out() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);

    // Without a session: to the sign-in page, and back here after.
    let page = browser.get("/marketplace/personal-access-tokens").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page.location.as_deref(),
        Some("/marketplace?next=%2Fmarketplace%2Fpersonal-access-tokens")
    );

    browser.sign_in(&app, "demo", "casey").await;
    // Used within the idle time, it stays alive past it.
    app.state.app.clock().advance(7 * 3600);
    assert_eq!(browser.get("/marketplace/inbox").await.status, StatusCode::OK);
    app.state.app.clock().advance(7 * 3600);
    assert_eq!(browser.get("/marketplace/inbox").await.status, StatusCode::OK);
    app.state.app.clock().advance(8 * 3600 + 1);
    let page = browser.get("/marketplace/inbox").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.body.contains("Your session has expired"), "{}", page.body);
    assert!(
        page.body.contains(r#"href="/marketplace?next=%2Fmarketplace%2Finbox""#),
        "{}",
        page.body
    );

    browser.sign_in(&app, "demo", "casey").await;
    let session = browser.cookie.clone();
    let page = browser.get("/marketplace/inbox").await;
    let page = browser.post("/marketplace/sign-out", &[("_csrf", &page.csrf())]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(browser.cookie.is_none(), "the cookie is removed");
    browser.cookie = session;
    assert_eq!(browser.get("/marketplace/inbox").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_form_without_its_csrf_token_changes_nothing() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&app, "demo", "casey").await;
    let casey = app.token("casey").await;
    let before = expect(app.get("/api/auth/tokens").bearer_auth(&casey), StatusCode::OK).await;

    let fields = [("description", "laptop"), ("expiration", "never")];
    let page = browser.post("/marketplace/personal-access-tokens", &fields).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("<h1>Not allowed</h1>"), "{}", page.body);
    let forged = [("_csrf", "forged"), ("description", "laptop"), ("expiration", "never")];
    assert_eq!(
        browser
            .post("/marketplace/personal-access-tokens", &forged)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Another session's token is no better.
    let mut other = Browser::new(&app);
    other.sign_in(&app, "demo", "riley").await;
    let theirs = other.get("/marketplace/personal-access-tokens/new").await.csrf();
    let stolen = [
        ("_csrf", theirs.as_str()),
        ("description", "laptop"),
        ("expiration", "never"),
    ];
    assert_eq!(
        browser
            .post("/marketplace/personal-access-tokens", &stolen)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        expect(app.get("/api/auth/tokens").bearer_auth(&casey), StatusCode::OK).await,
        before
    );

    let mine = browser.get("/marketplace/personal-access-tokens/new").await.csrf();
    let fields = [
        ("_csrf", mine.as_str()),
        ("description", "laptop"),
        ("expiration", "never"),
    ];
    let page = browser.post("/marketplace/personal-access-tokens", &fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let after = expect(app.get("/api/auth/tokens").bearer_auth(&casey), StatusCode::OK).await;
    assert_ne!(after, before);
}

const ACME: &str = r#"
tenant:
  shortKey: acme
  name: Acme Corp
users:
  - id: 1
    globalUserId: 9a0c1e2f-3b4d-4e5f-8a6b-7c8d9e0f1a2b
    username: casey
    name: Acme Casey
    email: casey@acme.example
    permissions: [GOVERNANCE]
"#;

#[tokio::test]
async fn a_session_never_shows_another_tenants_pages() {
    let app = spawn_app().await;
    app.import(ACME).await;
    let dana = app.token("dana").await;
    let body = crate::products::product("Orders", SALES, &["1"]);
    let product = crate::products::publish(&app, &dana, &body).await;
    let path = format!("/marketplace/data-product/{}", product["id"].as_str().unwrap());

    let mut demo = Browser::new(&app);
    demo.sign_in(&app, "demo", "casey").await;
    assert_eq!(demo.get(&path).await.status, StatusCode::OK);

    // Acme's casey, a GOVERNANCE user there, does not see Demo's product: not even that it exists.
    let mut acme = Browser::new(&app);
    acme.sign_in(&app, "acme", "casey").await;
    let page = acme.get(&path).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("Orders"), "{}", page.body);
    let page = acme.get("/marketplace/data-products").await;
    assert!(
        page.body.contains("Acme Corp") && !page.body.contains("Orders"),
        "{}",
        page.body
    );

    // Asking for the other account's sign-in while signed in here shows its sign-in page, not this session.
    let page = acme.get("/marketplace?accountId=demo").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"value="demo""#), "{}", page.body);
}

#[tokio::test]
async fn browsers_get_pages_and_clients_get_json_for_paths_nothing_serves() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/marketplace/no-such-page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("<h1>Page not found</h1>"), "{}", page.body);
    assert!(page.body.contains(r#"href="/marketplace/data-products""#));
    let json = expect(app.get("/no-such-page"), StatusCode::NOT_FOUND).await;
    assert_eq!(json["message"], "Cannot GET /marketplace/no-such-page");
    // The API stays JSON, whatever the client accepts.
    let response = app
        .get("/api/nothing")
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.text().await.unwrap().starts_with('{'));
}
