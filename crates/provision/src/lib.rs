//! # Connectors to data platforms
//!
//! A reconcile cycle asks three things of a platform, through [`Platform`]: keep the masked views, say which
//! privileges exist in a scope, and apply one role's changes in one transaction. PostgreSQL is the first
//! platform ([`postgres::Postgres`]); another is another implementation of the trait, nothing more.
//!
//! This crate sits beside the store, below the application layer: it knows the platform's catalog and SQL,
//! never the workflow. What should exist is decided in `marketplace_domain::provisioning`.

pub mod postgres;

use marketplace_domain::provisioning::{Change, MaskedView, Observed, Scope};
use std::time::Duration;

/// How long a platform may take: connecting, and any one statement.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub statement: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            statement: Duration::from_secs(10),
        }
    }
}

/// What went wrong on a platform, in the platform's words.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PlatformError {
    /// The connection's configuration is wrong (its URL cannot be found or read).
    #[error("{0}")]
    Config(String),
    #[error("the connection URL is not valid: {0}")]
    Url(String),
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The platform refused a statement, or the connection broke: its message.
    #[error("{0}")]
    Statement(String),
}

/// A session with a data platform.
pub trait Platform: Send {
    /// Creates or brings up to date every view in `views` whose table exists; returns those it could not.
    fn prepare(
        &mut self,
        views: &[MaskedView],
    ) -> impl Future<Output = Result<Vec<(MaskedView, PlatformError)>, PlatformError>> + Send;

    /// What exists in `scope`: roles, schemas, tables with their columns, and the privileges held on them.
    fn observe(&mut self, scope: &Scope) -> impl Future<Output = Result<Observed, PlatformError>> + Send;

    /// Applies `changes`, all of one role, in one transaction: all of them or none.
    fn apply(&mut self, changes: &[Change]) -> impl Future<Output = Result<(), PlatformError>> + Send;

    /// The statement a change runs, as it is recorded and as a dry run prints it.
    fn statement(&self, change: &Change) -> String;
}
