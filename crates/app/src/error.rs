//! The one error of every use case. The JSON API, the web pages and the jobs each render it their own way; the
//! variants say what went wrong, never how to show it.

use marketplace_domain::problem::Problem;
use marketplace_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid credentials: always the same answer, whatever the reason.
    #[error("not authenticated")]
    Unauthenticated,
    /// Authenticated, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// No such record, or one the actor may not know of.
    #[error("{0}")]
    NotFound(String),
    /// The change contradicts the state of things (in use, exists already, not in the right state).
    #[error("{0}")]
    Conflict(String),
    /// What was sent is wrong: one problem per field.
    #[error("{}", .0.iter().map(|problem| problem.message.as_str()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Problem>),
    /// What was sent is well formed but cannot be acted on, for one reason.
    #[error("{0}")]
    Refused(String),
    /// Our failure; the source is kept for the log.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    /// One problem with one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![Problem::new(field, message)])
    }

    /// A failure of ours, keeping its error for the log.
    pub fn internal_from(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        AppError::Internal(Box::new(error))
    }

    /// A failure of ours that has no error value of its own.
    pub fn internal(message: impl Into<String>) -> Self {
        AppError::Internal(message.into().into())
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Duplicate => AppError::Conflict("A record with the same name exists already.".into()),
            StoreError::Invalid(problems) => AppError::Invalid(problems),
            StoreError::Conflict(message) => AppError::Conflict(message),
            other => AppError::Internal(Box::new(other)),
        }
    }
}

/// Collects problems and fails with all of them at once.
#[derive(Debug, Default)]
pub struct Problems(Vec<Problem>);

impl IntoIterator for Problems {
    type Item = Problem;
    type IntoIter = std::vec::IntoIter<Problem>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Messages that each start with the field they are about, as the HTTP layer words what it finds in a request.
impl From<Vec<String>> for Problems {
    fn from(messages: Vec<String>) -> Self {
        Problems(messages.into_iter().map(Problem::from_message).collect())
    }
}

impl Problems {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem::new(field, message));
    }

    pub fn extend(&mut self, problems: impl IntoIterator<Item = Problem>) {
        self.0.extend(problems);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` if nothing was wrong, else every problem.
    pub fn check(self) -> Result<(), AppError> {
        match self.0.is_empty() {
            true => Ok(()),
            false => Err(AppError::Invalid(self.0)),
        }
    }
}
