//! Databases for tests (feature `testing`): a fresh SQLite file, or a fresh PostgreSQL database when
//! `MARKETPLACE_TEST_DATABASE_URL` names a server to create it on; either is gone when the value is dropped.

use std::time::Duration;

/// The variable that names a PostgreSQL server (`postgres://USER@HOST:PORT/postgres`) to test on.
pub const SERVER_VARIABLE: &str = "MARKETPLACE_TEST_DATABASE_URL";

/// How long dropping a test database may take before it is left behind (with a message).
const DROP_TIMEOUT: Duration = Duration::from_secs(30);

/// A database of its own for one test.
pub struct TestDatabase {
    url: String,
    /// The server and the database's name on it.
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// Creates an empty database: on the server named by [`SERVER_VARIABLE`], else a SQLite file.
    pub async fn create() -> TestDatabase {
        match std::env::var(SERVER_VARIABLE) {
            Ok(server) => {
                let name = format!("marketplace_test_{}", uuid::Uuid::new_v4().simple());
                let (client, connection) = tokio_postgres::connect(&server, tokio_postgres::NoTls)
                    .await
                    .unwrap_or_else(|error| panic!("{SERVER_VARIABLE} must name a running PostgreSQL: {error}"));
                tokio::spawn(connection);
                client
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create the test database");
                let base = server.rsplit_once('/').map_or(server.as_str(), |(base, _)| base);
                TestDatabase {
                    url: format!("{base}/{name}"),
                    postgres: Some((server, name)),
                    _dir: None,
                }
            }
            Err(_) => {
                let dir = tempfile::tempdir().expect("temporary directory");
                TestDatabase {
                    url: format!("sqlite://{}", dir.path().join("marketplace.db").display()),
                    postgres: None,
                    _dir: Some(dir),
                }
            }
        }
    }

    /// `sqlite://…` or `postgres://…`, for `--database-url` and [`crate::DatabaseUrl::parse`].
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

impl Drop for TestDatabase {
    /// Drops the PostgreSQL database, connections still open to it included. This runs where a test ends,
    /// possibly inside a runtime that is shutting down, so it runs on a thread of its own with a runtime of its
    /// own; a failure is reported, never a panic.
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        let statement = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let outcome = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| error.to_string())?;
            runtime.block_on(async {
                let drop_it = async {
                    let (client, connection) = tokio_postgres::connect(&server, tokio_postgres::NoTls).await?;
                    tokio::spawn(connection);
                    client.batch_execute(&statement).await
                };
                match tokio::time::timeout(DROP_TIMEOUT, drop_it).await {
                    Ok(outcome) => outcome.map_err(|error| error.to_string()),
                    Err(_) => Err(format!("no answer in {DROP_TIMEOUT:?}")),
                }
            })
        })
        .join();
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("the test database {name} was left behind: {error}"),
            Err(_) => eprintln!("the test database {name} was left behind: dropping it panicked"),
        }
    }
}
