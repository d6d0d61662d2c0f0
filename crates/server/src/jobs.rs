//! Background work every instance runs. Each job claims its rows in the database (skipping rows another
//! instance holds), so running many instances changes nothing but speed.

use crate::app::AppState;
use std::time::Duration;

/// How often the expiry job looks for access that has run out; DESIGN §2 promises within a minute.
const EXPIRY_INTERVAL: Duration = Duration::from_secs(20);
/// Requests expired per transaction, so one pass never holds many locks for long.
const EXPIRY_BATCH: u64 = 200;

/// Expires every approved request whose end has passed on the state's clock; returns how many.
pub async fn expire_due(state: &AppState) -> Result<usize, marketplace_store::StoreError> {
    let mut total = 0;
    loop {
        let expired = state.store.expire_due(state.clock.now(), EXPIRY_BATCH).await?;
        for (tenant_id, id) in &expired {
            tracing::info!(tenant.id = %tenant_id, request.id = %id, "access expired");
        }
        total += expired.len();
        if (expired.len() as u64) < EXPIRY_BATCH {
            return Ok(total);
        }
    }
}

/// Runs the expiry job for as long as the server runs.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EXPIRY_INTERVAL);
        loop {
            ticks.tick().await;
            if let Err(error) = expire_due(&state).await {
                tracing::warn!(%error, "the expiry job failed; it runs again shortly");
            }
        }
    });
}
