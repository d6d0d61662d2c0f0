//! A headless Chromium per test, and helpers that find things the way a person does: links and buttons by their
//! text, form fields by their labels. Each helper panics with what the page offered instead, so a failing test
//! says what it saw.

use super::chromedriver::{self, CHROMEDRIVER_VAR};
use fantoccini::elements::{Element, ElementRef};
use fantoccini::{Client, ClientBuilder};
// hyper-util's client half is there because fantoccini turns it on.
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::sync::SemaphorePermit;

/// The desktop viewport every page is tested at, and the phone one screenshots are also taken at.
pub const DESKTOP: (u32, u32) = (1280, 800);
pub const PHONE: (u32, u32) = (390, 844);

/// How long a helper keeps looking for its element: a click that submits a form returns before the next page is
/// there, and the next helper must wait for it rather than fail.
const FIND_TIMEOUT: Duration = Duration::from_secs(10);

/// Finds elements for the helpers: `arguments[0]` is the kind (`link`, `button`, `field`), `arguments[1]` the text.
/// Only visible elements count (a menu hidden at this width is not there for the user); returns the matches and,
/// for the error message, every candidate's text.
const FIND_SCRIPT: &str = include_str!("find.js");

/// One browser session, closed when dropped (also when the test panics).
pub struct Browser {
    client: Client,
    driver_url: &'static str,
    session_id: String,
    closed: bool,
    // Dropped after the session is closed (fields drop after `Drop::drop`): Chromium writes its profile until it
    // quits, and the slot goes to the next test only once this browser is gone.
    _profile: tempfile::TempDir,
    _slot: SemaphorePermit<'static>,
}

impl Browser {
    /// A new headless Chromium at 1280×800 with an empty profile, or `None` (having said so) when
    /// `MARKETPLACE_TEST_CHROMEDRIVER` is not set. Waits while two other browsers are open.
    pub async fn start() -> Option<Browser> {
        let Ok(chromedriver) = std::env::var(CHROMEDRIVER_VAR) else {
            eprintln!("{CHROMEDRIVER_VAR} is not set: skipping this browser test (scripts/test.sh sets it)");
            return None;
        };
        let slot = chromedriver::session_slot().await;
        let driver_url = chromedriver::url(&chromedriver).await;
        let profile = tempfile::tempdir().expect("a temporary Chromium profile");
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(chromedriver::capabilities(profile.path(), DESKTOP))
            .connect(driver_url)
            .await
            .unwrap_or_else(|error| panic!("cannot open a Chromium session at {driver_url}: {error}"));
        let session_id = client
            .session_id()
            .await
            .ok()
            .flatten()
            .expect("a WebDriver session id");
        let browser = Browser {
            client,
            driver_url,
            session_id,
            closed: false,
            _profile: profile,
            _slot: slot,
        };
        browser.resize(DESKTOP).await;
        Some(browser)
    }

    /// The underlying WebDriver client, for what the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens `url` (absolute) and waits until it has loaded.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|error| panic!("cannot open {url}: {error}"));
    }

    /// The address of the page now shown (after any redirects).
    pub async fn current_url(&self) -> String {
        self.client.current_url().await.expect("the current URL").to_string()
    }

    /// The page's text as a person reads it (`document.body.innerText`: hidden elements left out).
    pub async fn text(&self) -> String {
        let text = self
            .script("return document.body ? document.body.innerText : ''", vec![])
            .await;
        text.as_str().unwrap_or_default().to_owned()
    }

    /// Waits (up to 10 s) until the page's text contains `text`, for pages that render or change after load.
    pub async fn wait_for_text(&self, text: &str) {
        let deadline = Instant::now() + FIND_TIMEOUT;
        loop {
            let page = self.text().await;
            if page.contains(text) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the page never showed {text:?}; it shows:\n{page}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the one visible link whose text (or `aria-label`) is `text`, whitespace collapsed.
    pub async fn click_link(&self, text: &str) {
        self.click("link", text).await
    }

    /// Clicks the one visible `button`, `input[type=submit]` or `input[type=button]` whose text, value or
    /// `aria-label` is `text`.
    pub async fn click_button(&self, text: &str) {
        self.click("button", text).await
    }

    /// Finds and clicks. A page that navigates or re-renders between the find and the click (the previous page
    /// may show the same link) leaves the element found stale: it is found again, until the find's timeout.
    async fn click(&self, kind: &str, text: &str) {
        let deadline = Instant::now() + FIND_TIMEOUT;
        loop {
            match self.find(kind, text).await.click().await {
                Ok(_) => return,
                Err(error) if error.is_stale_element_reference() && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Err(error) => panic!("click the {kind} {text:?}: {error}"),
            }
        }
    }

    /// Replaces what is in the input or textarea labelled `label` (by a `<label for>` or a `<label>` around it)
    /// with `value`, typed key by key as a person would.
    pub async fn fill(&self, label: &str, value: &str) {
        let field = self.find("field", label).await;
        field.clear().await.expect("clear the field");
        field.send_keys(value).await.expect("type into the field");
    }

    /// Chooses the option whose text is `option` in the `<select>` labelled `label`.
    pub async fn select(&self, label: &str, option: &str) {
        let select = self.find("field", label).await;
        if let Err(error) = select.select_by_label(option).await {
            let options = select.html(true).await.unwrap_or_default();
            panic!("no option {option:?} in the select labelled {label:?} ({error}); it holds {options}");
        }
    }

    /// Ticks the checkbox, or picks the radio button, labelled `label` (leaves it ticked if it already is).
    pub async fn check(&self, label: &str) {
        let control = self.find("field", label).await;
        if !control.is_selected().await.expect("whether the control is checked") {
            // A control styled by hiding the input itself cannot be clicked by WebDriver; a person clicks its
            // label, which the page's own click does just the same.
            if control.click().await.is_err() {
                self.script("arguments[0].click()", vec![json!(control)]).await;
            }
        }
    }

    /// The value of the cookie `name` for the current page, if it has one.
    pub async fn cookie(&self, name: &str) -> Option<String> {
        let cookie = self.client.get_named_cookie(name).await.ok()?;
        Some(cookie.value().to_owned())
    }

    /// Sets the cookie `name` for the current page's site (path `/`); open a page of the site first.
    pub async fn set_cookie(&self, name: &str, value: &str) {
        // fantoccini sends an unset domain as `null`, which chromedriver refuses, and an unset SameSite as
        // `None`, which Chromium refuses on a cookie that is not `Secure`: both are set to what a page's own
        // cookie would get. (Parsed, because fantoccini does not export the SameSite type.)
        let url = self.client.current_url().await.expect("the current URL");
        let host = url.host_str().expect("a page with a host");
        let cookie = format!("{name}={value}; Path=/; Domain={host}; SameSite=Lax");
        let cookie = fantoccini::cookies::Cookie::parse(cookie).expect("a valid cookie name and value");
        self.client.add_cookie(cookie).await.expect("set the cookie");
    }

    /// Saves the current page as `target/ui-screenshots/{name}-desktop.png` (1280×800) and `{name}-phone.png`
    /// (390×844), for a person to look at: the window is resized for the phone shot and restored after. Returns
    /// the two files' paths.
    pub async fn screenshot(&self, name: &str) -> [PathBuf; 2] {
        let directory = screenshot_dir();
        std::fs::create_dir_all(&directory).expect("create target/ui-screenshots");
        let mut paths = Vec::new();
        for (size, suffix) in [(DESKTOP, "desktop"), (PHONE, "phone")] {
            self.resize(size).await;
            let png = self.client.screenshot().await.expect("a screenshot");
            let path = directory.join(format!("{name}-{suffix}.png"));
            std::fs::write(&path, png).unwrap_or_else(|error| panic!("write {}: {error}", path.display()));
            paths.push(path);
        }
        self.resize(DESKTOP).await;
        paths.try_into().unwrap()
    }

    /// Ends the session now; dropping the browser does the same, blocking the thread while Chromium quits.
    pub async fn close(mut self) {
        self.closed = true;
        let _ = self.client.clone().close().await;
    }

    /// Runs `script` in the page (a function body: `return` gives the result, `arguments` the `args`).
    pub(super) async fn script(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|error| panic!("script failed: {error}"))
    }

    /// Sets the viewport to `size` and lets the page lay itself out again before anything looks at it.
    async fn resize(&self, (width, height): (u32, u32)) {
        // WebDriver sizes the window, and even headless Chromium keeps room in it for a toolbar it does not draw
        // (139 px of height in Chromium 148): measure what the page got and grow the window by the difference.
        self.client
            .set_window_size(width, height)
            .await
            .expect("resize the window");
        let inner = self
            .script("return [window.innerWidth, window.innerHeight]", vec![])
            .await;
        let inner = |i: usize| inner[i].as_u64().expect("the viewport size") as u32;
        let (inner_width, inner_height) = (inner(0), inner(1));
        if (inner_width, inner_height) != (width, height) {
            let window = (2 * width - inner_width, 2 * height - inner_height);
            self.client
                .set_window_size(window.0, window.1)
                .await
                .expect("resize the window");
        }
        // Two animation frames: the resize has been laid out and painted.
        let settle = "const done = arguments[arguments.length - 1];
            requestAnimationFrame(() => requestAnimationFrame(() => done(null)));";
        self.client
            .execute_async(settle, vec![])
            .await
            .expect("wait for layout");
    }

    /// The one visible element of `kind` known by `text`, waiting for it while the page loads.
    async fn find(&self, kind: &str, text: &str) -> Element {
        let deadline = Instant::now() + FIND_TIMEOUT;
        loop {
            // A page being replaced makes the script fail; that is one more reason to look again.
            let found = self.client.execute(FIND_SCRIPT, vec![json!(kind), json!(text)]).await;
            if let Ok(found) = &found {
                let matches = found["matches"].as_array().cloned().unwrap_or_default();
                match matches.as_slice() {
                    [element] => return self.element(element),
                    [] => {}
                    _ => panic!("{} visible {kind}s are {text:?}: make the text unique", matches.len()),
                }
            }
            if Instant::now() >= deadline {
                let seen = found.map(|found| found["candidates"].clone()).unwrap_or_default();
                let url = self.current_url().await;
                panic!("no visible {kind} {text:?} on {url}; the {kind}s there are {seen}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// An element a script returned (WebDriver's `{"element-6066-…": id}`).
    fn element(&self, reference: &Value) -> Element {
        let id = reference
            .as_object()
            .and_then(|object| object.values().next())
            .and_then(Value::as_str)
            .expect("a WebDriver element reference");
        Element::from_element_id(self.client.clone(), ElementRef::from(id.to_owned()))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.closed {
            chromedriver::delete_session_blocking(self.driver_url, &self.session_id);
        }
    }
}

/// `target/ui-screenshots` of the workspace (or of `CARGO_TARGET_DIR`, when it moves the target directory).
fn screenshot_dir() -> PathBuf {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        // A relative CARGO_TARGET_DIR is usually given from the workspace root; tests run in the crate's.
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    target.join("ui-screenshots")
}
