//! Background work: what every instance runs on a schedule (the server's scheduler calls these). Each job claims
//! its rows in the database (skipping rows another instance holds), so running many instances changes nothing but
//! speed. Jobs act for nobody: they take no actor, and run on the app's clock.

use crate::notifications::delivery;
use crate::{App, AppError};

/// Requests expired per transaction, so one pass never holds many locks for long.
const EXPIRY_BATCH: u64 = 200;
/// Events sent per transaction.
const NOTIFICATION_BATCH: u64 = 100;

/// Runs `step` (which handles at most `batch` items) until a step handles fewer; returns how many in all.
async fn drain<F, Fut>(batch: u64, mut step: F) -> Result<usize, AppError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<usize, AppError>>,
{
    let mut total = 0;
    loop {
        let done = step().await?;
        total += done;
        if (done as u64) < batch {
            return Ok(total);
        }
    }
}

impl App {
    /// Expires every approved request whose end has passed; returns how many.
    pub async fn expire_due(&self) -> Result<usize, AppError> {
        drain(EXPIRY_BATCH, || async {
            let expired = self.store.expire_due(self.now(), EXPIRY_BATCH).await?;
            for (tenant_id, id) in &expired {
                tracing::info!(tenant.id = %tenant_id, request.id = %id, "access expired");
            }
            let tenants: std::collections::BTreeSet<_> = expired.iter().map(|(tenant_id, _)| *tenant_id).collect();
            for tenant_id in tenants {
                self.access_changed(tenant_id).await;
            }
            Ok(expired.len())
        })
        .await
    }

    /// Records the warnings due for approved access ending within a week (a week before, a day before), each
    /// once; returns how many were new.
    pub async fn warn_of_expiry(&self) -> Result<usize, AppError> {
        Ok(self.store.warn_of_expiry(self.now()).await?)
    }

    /// Sends every unsent notification event (inbox messages and webhook deliveries); returns how many.
    pub async fn send_notifications(&self) -> Result<usize, AppError> {
        drain(NOTIFICATION_BATCH, || async {
            Ok(self.store.send_notifications(self.now(), NOTIFICATION_BATCH).await?)
        })
        .await
    }

    /// Refreshes the database's query planner statistics where the data has grown or shrunk since they were taken.
    pub async fn refresh_database_statistics(&self) -> Result<usize, AppError> {
        self.store.refresh_statistics().await?;
        Ok(0)
    }

    /// Posts every due webhook delivery, a batch at a time; returns how many attempts were made.
    pub async fn deliver_webhooks(&self) -> Result<usize, AppError> {
        drain(delivery::BATCH, || self.deliver_batch()).await
    }
}
