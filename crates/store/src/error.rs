use marketplace_domain::problem::Problem;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database configuration: {0}")]
    Config(String),
    #[error("database connection pool: {0}")]
    Pool(String),
    #[error("SQLite: {0}")]
    Sqlite(rusqlite::Error),
    /// The commit that carried this transaction failed (on SQLite, where transactions share commits).
    #[error("SQLite commit: {0}")]
    Commit(String),
    #[error("PostgreSQL: {}", describe(.0))]
    Postgres(tokio_postgres::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] refinery::Error),
    #[error("unexpected value in result column {index}: {detail}")]
    Decode { index: usize, detail: String },
    /// What was asked contradicts what is stored (a reference to nothing): one problem per field.
    #[error("{}", .0.iter().map(|problem| problem.message.as_str()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Problem>),
    /// Something that must exist does not: our failure, not the caller's.
    #[error("{0}")]
    Missing(String),
    /// The change would break what other records rely on (in use, exists already).
    #[error("{0}")]
    Conflict(String),
    /// A unique or primary key constraint refused the write.
    #[error("a record with the same key exists already")]
    Duplicate,
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        match error.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation)
                if matches!(
                    error.sqlite_error().map(|e| e.extended_code),
                    Some(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
                ) =>
            {
                StoreError::Duplicate
            }
            _ => StoreError::Sqlite(error),
        }
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> Self {
        if error.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
            StoreError::Duplicate
        } else {
            StoreError::Postgres(error)
        }
    }
}

/// tokio-postgres shows a server error as just "db error"; the server's message is what helps.
fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => error.to_string(),
    }
}
