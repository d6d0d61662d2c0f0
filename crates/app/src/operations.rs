//! What operators watch from outside: how the database pools are used, and how far the background jobs are
//! behind.

use crate::{App, AppError};
use marketplace_domain::Timestamp;
use marketplace_store::PoolUse;

/// A reading of the deployment's working state, for metrics.
pub struct Operations {
    pub pools: Vec<PoolUse>,
    /// Webhook deliveries not yet made (across tenants), and the age of the oldest, in seconds.
    pub webhook_backlog: u64,
    pub oldest_webhook_age_seconds: f64,
    /// Each job's lag: how long the oldest item it has yet to handle has waited, in seconds (0 when none waits).
    pub job_lag_seconds: Vec<(&'static str, f64)>,
}

impl App {
    /// Reads the working state: the pools from memory, the backlogs from the jobs' worklist indexes.
    pub async fn operations(&self) -> Result<Operations, AppError> {
        let now = self.now();
        let waited = |since: Option<Timestamp>| {
            since.map_or(0.0, |since| (now.millis() - since.millis()).max(0) as f64 / 1000.0)
        };
        let backlogs = self.store.backlogs(now).await?;
        Ok(Operations {
            pools: self.store.pool_use(),
            webhook_backlog: backlogs.webhook_deliveries,
            oldest_webhook_age_seconds: waited(backlogs.webhook_delivery),
            job_lag_seconds: vec![
                ("expiry", waited(backlogs.expiry)),
                ("notification", waited(backlogs.notification)),
                ("webhook delivery", waited(backlogs.webhook_delivery)),
                ("provisioning", waited(backlogs.provisioning)),
            ],
        })
    }
}
