//! Persistence for the marketplace: SQLite (embedded, the default) and PostgreSQL (scale-out) behind one
//! interface. Every query is written once with sea-query, every migration once in SQL (rendered per backend);
//! only connection set-up differs.
//! Every table is scoped by tenant, and every use case that changes state runs in one transaction.

mod backlogs;
mod catalog;
mod db;
mod directory;
mod directory_search;
mod error;
mod keys;
mod metadata;
mod migrations;
mod notifications;
mod provisioning;
mod query;
mod requests;
mod schema;
mod tenants;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod tokens;
mod web_sessions;

pub use backlogs::Backlogs;
pub use catalog::{
    Agreement, CallerView, ColumnFilter, ColumnRecord, FormChanges, FormDraft, FormRecord, LinkedProduct, Listing,
    NewAgreement, ObjectLookup, ObjectRecord, ObjectSettings, Product, ProductDraft, ProductSearch, ProductSource,
    ProductStats, STANDARD_FORM_NAME, ShownProduct, SortKey,
};
use db::{Backend, PostgresBackend, SqliteBackend};
pub use db::{FromValue, PoolUse, Row, Value};
pub use directory::{ImportReport, ImportStep};
pub use error::StoreError;
pub use keys::SigningKey;
pub use metadata::{
    AppliedTagFilter, AttributeRecord, DataSourceRecord, DomainGrantRecord, DomainRecord, GroupRecord, ShownUsers,
    TagRecord, UserAccess, UserRecord,
};
pub use notifications::{
    AttemptOutcome, Delivery, InboxFilter, InboxMessage, Preferences, SlackConfiguration, WebhookAttempt,
    WebhookChange, WebhookRecord,
};
pub use provisioning::{ChangeRecord, ConnectionStatus, CycleRecord, GrantRecord};
pub use requests::{
    AccessRequestRecord, ApprovalRecordRow, Determination, NewAccessRequest, RequestRole, RequestSearch, RequestSort,
    RequestTarget, RequestedColumn, ReviewStatus, Searcher, ShownRequest, Transition,
};
use std::path::PathBuf;
pub use tenants::Tenant;
pub use tokens::{Credential, NewToken, TokenRecord};
pub use web_sessions::{NewSession, PendingOidcSignIn, SessionRecord};

use db::Synchronous;
use migrations::Dialect;

/// Where the database is, as given by `--database-url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite {
        path: PathBuf,
        synchronous_normal: bool,
    },
    Postgres {
        url: String,
        /// How many connections reads share (transactions have a pool of their own).
        read_connections: usize,
    },
}

impl DatabaseUrl {
    /// Accepts `postgres://…`, `postgresql://…`, `sqlite://PATH` and `sqlite:PATH`; a SQLite URL may end in
    /// `?synchronous=normal` to trade durability in a power cut for write speed.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres {
                url: url.to_owned(),
                read_connections: default_read_connections(),
            });
        }
        let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) else {
            return Err(StoreError::Config(format!(
                "unsupported database URL `{url}` (expected sqlite://PATH or postgres://USER@HOST/DB)"
            )));
        };
        let (path, options) = rest.split_once('?').unwrap_or((rest, ""));
        if path.is_empty() {
            return Err(StoreError::Config("the SQLite URL names no file".into()));
        }
        let synchronous_normal = match options {
            "" | "synchronous=full" => false,
            "synchronous=normal" => true,
            other => {
                return Err(StoreError::Config(format!(
                    "unknown SQLite option `{other}` (supported: synchronous=full, synchronous=normal)"
                )));
            }
        };
        Ok(DatabaseUrl::Sqlite {
            path: PathBuf::from(path),
            synchronous_normal,
        })
    }

    /// The URL without a password, for logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite { path, .. } => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres { url, .. } => match url.parse::<tokio_postgres::Config>() {
                Ok(config) => format!(
                    "postgres://{}@{}/{}",
                    config.get_user().unwrap_or(""),
                    config
                        .get_hosts()
                        .iter()
                        .map(|host| match host {
                            tokio_postgres::config::Host::Tcp(name) => name.clone(),
                            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(","),
                    config.get_dbname().unwrap_or("")
                ),
                Err(_) => "postgres://…".into(),
            },
        }
    }
}

/// Connections PostgreSQL reads share unless told otherwise: [`db::READ_CONNECTIONS_PER_CPU`] for each CPU.
fn default_read_connections() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from) * db::READ_CONNECTIONS_PER_CPU
}

/// The marketplace's database.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
}

impl Store {
    /// Connects (SQLite: opens or creates the file). Call [`Store::migrate`] before use.
    pub fn open(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let backend = match url {
            DatabaseUrl::Sqlite {
                path,
                synchronous_normal,
            } => {
                let synchronous = if *synchronous_normal {
                    Synchronous::Normal
                } else {
                    Synchronous::Full
                };
                Backend::Sqlite(SqliteBackend::open(path, synchronous)?)
            }
            DatabaseUrl::Postgres { url, read_connections } => {
                Backend::Postgres(PostgresBackend::open(url, *read_connections)?)
            }
        };
        Ok(Self { backend })
    }

    /// Applies the migrations not yet applied. Safe to run from several instances at once.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(sqlite) => {
                let mut writer = sqlite.writer().await?;
                // A migration may index a large table, sorting it in temporary files: on disk, not in memory
                // as the writer keeps its savepoints' (`SqliteBackend::open`).
                writer.pragma_update(None, "temp_store", "DEFAULT")?;
                let report = migrations::runner(Dialect::Sqlite).run(&mut *writer);
                writer.pragma_update(None, "temp_store", "MEMORY")?;
                let report = report?;
                if !report.applied_migrations().is_empty() {
                    // An index a migration made has no statistics yet, and without them SQLite may walk it
                    // whole for a page of a few rows: gather them before anything is served.
                    writer.execute_batch(db::ANALYZE_SAMPLED)?;
                }
            }
            Backend::Postgres(postgres) => {
                let mut client = postgres.writer().await?;
                // refinery does not lock; an advisory lock keeps concurrent starts from racing.
                client.batch_execute("SELECT pg_advisory_lock(727274)").await?;
                let outcome = migrations::runner(Dialect::Postgres).run_async(&mut **client).await;
                client.batch_execute("SELECT pg_advisory_unlock(727274)").await?;
                outcome?;
            }
        }
        match self.ensure_standard_forms().await {
            // Another instance starting at the same moment created it.
            Err(StoreError::Duplicate) => Ok(()),
            other => other,
        }
    }

    /// Every tenant has its Standard Request Form, also tenants created before forms existed.
    async fn ensure_standard_forms(&self) -> Result<(), StoreError> {
        let mut tx = self.backend.begin().await?;
        let tenants = sea_query::Query::select()
            .column(schema::Tenants::Id)
            .from(schema::Tenants::Table)
            .take();
        let ids: Vec<marketplace_domain::ids::TenantId> = tx
            .query(&tenants)
            .await?
            .iter()
            .map(|row| row.get(0))
            .collect::<Result<_, _>>()?;
        let now = marketplace_domain::Timestamp::now();
        for id in ids {
            catalog::ensure_standard_form(&mut tx, id, now).await?;
        }
        tx.commit().await
    }

    /// Refreshes the database's query planner statistics where they have gone stale.
    pub async fn refresh_statistics(&self) -> Result<(), StoreError> {
        self.backend.refresh_statistics().await
    }

    /// How each pool of connections is used now (for metrics).
    pub fn pool_use(&self) -> Vec<PoolUse> {
        self.backend.pool_use()
    }

    /// Checks that the database answers, for readiness probes.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.backend.read().await?;
        conn.query(&sea_query::Query::select().expr(sea_query::Expr::cust("1")).take())
            .await
            .map(drop)
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

/// A migrated SQLite store in `dir`, for the tests of this crate.
#[cfg(test)]
pub(crate) async fn migrated_sqlite_store(dir: &tempfile::TempDir) -> Store {
    let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("t.db").display())).unwrap();
    let store = Store::open(&url).unwrap();
    store.migrate().await.unwrap();
    store
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_database_urls() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/m.db?synchronous=normal").unwrap(),
            DatabaseUrl::Sqlite {
                path: "data/m.db".into(),
                synchronous_normal: true
            }
        );
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u:secret@h/db").unwrap(),
            DatabaseUrl::Postgres { .. }
        ));
        assert!(DatabaseUrl::parse("mysql://h/db").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert!(DatabaseUrl::parse("sqlite://m.db?mode=fast").is_err());
        let redacted = DatabaseUrl::parse("postgres://u:secret@h/db").unwrap().redacted();
        assert!(!redacted.contains("secret"), "{redacted}");
    }
}
