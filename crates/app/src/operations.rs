//! What operators watch from outside: how the database pools are used, and the webhook deliveries still to make.

use crate::{App, AppError};
use marketplace_store::PoolUse;

/// A reading of the deployment's working state, for metrics.
pub struct Operations {
    pub pools: Vec<PoolUse>,
    /// Webhook deliveries not yet made (across tenants), and the age of the oldest, in seconds.
    pub webhook_backlog: u64,
    pub oldest_webhook_age_seconds: f64,
}

impl App {
    /// Reads the working state: the pools from memory, the backlog from the delivery worklist's index.
    pub async fn operations(&self) -> Result<Operations, AppError> {
        let (webhook_backlog, oldest) = self.store.webhook_backlog().await?;
        let age = oldest.map_or(0.0, |created| {
            (self.now().millis() - created.millis()).max(0) as f64 / 1000.0
        });
        Ok(Operations {
            pools: self.store.pool_use(),
            webhook_backlog,
            oldest_webhook_age_seconds: age,
        })
    }
}
