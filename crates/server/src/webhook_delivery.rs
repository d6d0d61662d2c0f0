//! Posting CloudEvents to webhooks now lives in the application layer ([`marketplace_app::App::deliver_webhooks`]);
//! this keeps the name callers know.

use crate::app::AppState;
use marketplace_app::AppError;

pub use marketplace_app::notifications::{SIGNATURE_HEADER, signature};

/// Posts every due delivery, a batch at a time; returns how many attempts were made.
pub async fn deliver_webhooks(state: &AppState) -> Result<usize, AppError> {
    state.app.deliver_webhooks().await
}
