//! # The application layer
//!
//! The marketplace's use cases: one public function for each thing a person or a background job does —
//! publish a product, submit a request, decide a record, revoke access, create a token, expire what has run out.
//! Each takes the [`Actor`] (who acts, in which tenant, with which permissions) and plain inputs, checks who may
//! do it, runs its transaction through the store, and returns domain values or one [`AppError`].
//!
//! The house has four layers, and imports point down only:
//!
//! ```text
//! crates/server   HTTP: the JSON API, the command line and the job scheduler.
//!    │            Extracts, calls one use case here, renders. Never names the store.
//! crates/app      this crate: the use cases, permission checks, the order of store calls, the clock.
//!    │
//! crates/store    persistence: SQLite and PostgreSQL, each query written once; the read models it returns
//!    │            are handed out through [`model`]. Beside it, crates/provision: the data platforms access
//!    │            is provisioned into (observe privileges, apply changes).
//! crates/domain   pure types and rules: ids, review flows, request forms, permissions, risk. No I/O.
//! ```
//!
//! Finding an endpoint's code: its route in `crates/server/src/routes`, the use case it calls here (one module
//! per area), the rule in `crates/domain`, the SQL in `crates/store`.

mod actor;
pub mod assets;
pub mod catalog;
mod clock;
pub mod directory;
mod error;
pub mod forms;
pub mod jobs;
pub mod metadata;
pub mod notifications;
pub mod operations;
pub mod provisioning;
pub mod requests;
pub mod sign_in;
pub mod tokens;

pub use actor::Actor;
pub use clock::Clock;
pub use error::{AppError, Problems};
pub use marketplace_domain::problem::Problem;

use marketplace_domain::access::Person;
use marketplace_domain::{Segment, Timestamp};
use marketplace_store::{DatabaseUrl, Store, StoreError};
use std::sync::Arc;
use tokens::TokenService;

/// The read models the use cases return, as the store reads them.
pub mod model {
    pub use marketplace_store::{
        AccessRequestRecord, Agreement, AppliedTagFilter, ApprovalRecordRow, AttemptOutcome, AttributeRecord,
        CallerView, ColumnFilter, ColumnRecord, DataSourceRecord, DatabaseUrl, Delivery, DomainGrantRecord,
        DomainRecord, FormRecord, GroupRecord, ImportReport, ImportStep, InboxFilter, InboxMessage, LinkedProduct,
        Listing, ObjectLookup, ObjectRecord, ObjectSettings, Preferences, Product, ProductSearch, ProductSource,
        ProductStats, RequestRole, RequestSearch, RequestSort, RequestTarget, RequestedColumn, ReviewStatus,
        STANDARD_FORM_NAME, SlackConfiguration, SortKey, TagRecord, Tenant, TokenRecord, UserAccess, UserRecord,
        WebhookAttempt, WebhookRecord,
    };
    pub use marketplace_store::{ChangeRecord, ConnectionStatus, GrantRecord};
}

/// Everything the use cases need: the database, the keys that sign tokens, and the clock.
#[derive(Clone)]
pub struct App {
    store: Store,
    tokens: Arc<TokenService>,
    clock: Clock,
    provisioning: Arc<provisioning::Provisioner>,
    /// Web sessions lapse after this long unused.
    session_idle_seconds: i64,
}

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open {url}: {source}")]
    Open { url: String, source: StoreError },
    #[error("cannot migrate {url}: {source}")]
    Migrate { url: String, source: StoreError },
    #[error("MARKETPLACE_SIGNING_KEY must be at least 32 characters long")]
    ShortSigningKey,
    #[error("cannot load the signing key: {0}")]
    SigningKey(StoreError),
}

impl App {
    /// Opens the database, brings its schema up to date and loads the signing key: everything a server or a
    /// command needs.
    pub async fn open(url: &DatabaseUrl, segment: Segment, signing_key: Option<&str>) -> Result<Self, OpenError> {
        let store = Store::open(url).map_err(|source| OpenError::Open {
            url: url.redacted(),
            source,
        })?;
        store.migrate().await.map_err(|source| OpenError::Migrate {
            url: url.redacted(),
            source,
        })?;
        if signing_key.is_some_and(|key| key.len() < 32) {
            return Err(OpenError::ShortSigningKey);
        }
        let tokens = TokenService::load(store.clone(), segment, signing_key)
            .await
            .map_err(OpenError::SigningKey)?;
        Ok(App {
            store,
            tokens: Arc::new(tokens),
            clock: Clock::default(),
            provisioning: Arc::new(provisioning::Provisioner::new(Default::default())),
            session_idle_seconds: 8 * 60 * 60,
        })
    }

    /// The time the workflow runs on.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The clock, which tests move forward to make temporary access expire.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn segment(&self) -> Segment {
        self.tokens.segment()
    }

    /// Whether the database answers, for readiness probes.
    pub async fn database_answers(&self) -> bool {
        self.store.ping().await.is_ok()
    }

    /// `sqlite` or `postgres`.
    pub fn database_kind(&self) -> &'static str {
        self.store.backend_name()
    }

    /// What the actor holds in the directory (read once per actor; a token's caller comes with it).
    pub async fn access(&self, actor: &Actor) -> Result<model::UserAccess, AppError> {
        actor
            .access
            .get_or_try_init(|| async { self.store.user_access(actor.tenant_id, actor.user.id).await })
            .await
            .cloned()
            .map_err(AppError::from)
    }

    /// The actor as the rules see them: permissions, groups, attributes (from [`App::access`]).
    pub async fn person(&self, actor: &Actor) -> Result<Person, AppError> {
        Ok(self.access(actor).await?.into_person(actor.user.global_user_id))
    }
}
