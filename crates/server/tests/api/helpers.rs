//! A real server on a random port over a real database: a fresh SQLite file, or a fresh PostgreSQL database
//! when `MARKETPLACE_TEST_DATABASE_URL` names a server to create it on.

use marketplace_app::model::{DatabaseUrl, ImportReport};
use marketplace_domain::directory::parse_directory;
use marketplace_domain::{Segment, Timestamp};
use marketplace_server::app::{AppState, Application, HttpLimits};
use marketplace_store::testing::TestDatabase;
use reqwest::{Client, RequestBuilder, Response, StatusCode};
use serde_json::Value;
use std::sync::Arc;
use tokio::task::JoinHandle;

pub const DEMO: &str = include_str!("../../../../examples/directory.yaml");
pub const UNAUTHENTICATED: &str = r#"{"message":"Not authenticated.","error":"Unauthorized","statusCode":401}"#;
pub const SALES: &str = "4d004a3a-4568-4c1d-822e-30958ef898dc";
pub const FINANCE: &str = "9b2f6c1e-0c7a-4b53-9d7e-5f3a1c2b8e41";

/// A database of its own for one test, dropped when the last handle on it goes.
pub struct TestDb {
    pub url: String,
    database: TestDatabase,
}

impl TestDb {
    pub async fn new() -> Arc<TestDb> {
        let database = TestDatabase::create().await;
        Arc::new(TestDb {
            url: database.url().to_owned(),
            database,
        })
    }

    pub fn is_postgres(&self) -> bool {
        self.database.is_postgres()
    }
}

pub struct TestApp {
    /// `http://127.0.0.1:PORT/marketplace`
    pub base: String,
    pub address: std::net::SocketAddr,
    pub client: Client,
    pub state: AppState,
    pub db: Arc<TestDb>,
    server: JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A server in segment `na` over a new database holding the demo tenant.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_, _| {}).await
}

/// The same, after `configure` has set up the server's state and limits.
pub async fn spawn_app_with(configure: impl FnOnce(&mut AppState, &mut HttpLimits)) -> TestApp {
    let app = TestApp::start_with(TestDb::new().await, Segment::Na, None, configure).await;
    app.import(DEMO).await;
    app
}

impl TestApp {
    /// Starts a server over `db` (migrating it if needed).
    pub async fn start(db: Arc<TestDb>, segment: Segment, signing_key: Option<&str>) -> TestApp {
        TestApp::start_with(db, segment, signing_key, |_, _| {}).await
    }

    /// Starts a server over `db` after `configure` has set up its state and limits.
    pub async fn start_with(
        db: Arc<TestDb>,
        segment: Segment,
        signing_key: Option<&str>,
        configure: impl FnOnce(&mut AppState, &mut HttpLimits),
    ) -> TestApp {
        // Server logs go to the test's output, shown when it fails.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("warn")
            .try_init();
        let url = DatabaseUrl::parse(&db.url).expect("test database URL");
        let mut state = AppState::open(&url, segment, signing_key)
            .await
            .expect("open the app state");
        let mut limits = HttpLimits::default();
        configure(&mut state, &mut limits);
        let app = Application::bind("127.0.0.1:0".parse().unwrap(), state.clone(), limits)
            .await
            .expect("bind a free port");
        let address = app.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let _ = app.run_until(std::future::pending()).await;
        });
        TestApp {
            base: format!("http://{address}/marketplace"),
            address,
            client: Client::new(),
            state,
            db,
            server,
        }
    }

    /// The database itself, for checking what is stored underneath the API.
    pub fn store(&self) -> marketplace_store::Store {
        let url = marketplace_store::DatabaseUrl::parse(&self.db.url).expect("test database URL");
        marketplace_store::Store::open(&url).expect("open the test database")
    }

    /// A second instance over the same database.
    pub async fn another_instance(&self) -> TestApp {
        TestApp::start(self.db.clone(), self.state.segment(), None).await
    }

    pub async fn import(&self, yaml: &str) -> ImportReport {
        let directory = parse_directory(yaml).expect("valid directory file");
        self.state
            .app
            .import_directory(&directory, false)
            .await
            .expect("import")
    }

    /// A token for a user of a tenant, as the command line would make it.
    pub async fn token_in(&self, tenant: &str, username: &str, expires_at: Option<Timestamp>) -> String {
        self.state
            .app
            .issue_token(tenant, username, "test", expires_at)
            .await
            .expect("a token")
            .token
    }

    pub async fn token(&self, username: &str) -> String {
        self.token_in("demo", username, None).await
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(format!("{}{path}", self.base))
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.client.post(format!("{}{path}", self.base))
    }

    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.client.delete(format!("{}{path}", self.base))
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }
}

/// Sends, checks the status, and returns the JSON body (or `Null` for an empty one).
pub async fn expect(request: RequestBuilder, status: StatusCode) -> Value {
    let response: Response = request.send().await.expect("the server answers");
    let actual = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(actual, status, "unexpected status; body: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    }
}

/// Sends and asserts the exact 401 body.
pub async fn expect_unauthenticated(request: RequestBuilder) {
    let response = request.send().await.expect("the server answers");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.text().await.unwrap(), UNAUTHENTICATED);
}

/// Asserts the error shape and returns the message(s).
pub fn error_message(body: &Value, status: u16) -> Value {
    assert_eq!(body["statusCode"], status, "{body}");
    assert!(body["error"].is_string(), "{body}");
    body["message"].clone()
}

/// A property test's configuration: `cases` cases, or `PROPTEST_CASES` to run more (each case sets up a
/// database, so the default is modest).
pub fn cases(cases: u32) -> proptest::test_runner::Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    proptest::test_runner::Config {
        failure_persistence: None,
        ..proptest::test_runner::Config::with_cases(cases)
    }
}
