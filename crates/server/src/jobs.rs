//! Background work every instance runs. Each job claims its rows in the database (skipping rows another
//! instance holds), so running many instances changes nothing but speed.

use crate::app::AppState;
use marketplace_store::StoreError;
use std::time::Duration;

/// How often the expiry job looks for access that has run out; DESIGN §2 promises within a minute.
const EXPIRY_INTERVAL: Duration = Duration::from_secs(20);
/// Requests expired per transaction, so one pass never holds many locks for long.
const EXPIRY_BATCH: u64 = 200;

/// Expires every approved request whose end has passed on the state's clock; returns how many.
pub async fn expire_due(state: &AppState) -> Result<usize, StoreError> {
    drain(EXPIRY_BATCH, || async {
        let expired = state.store.expire_due(state.clock.now(), EXPIRY_BATCH).await?;
        for (tenant_id, id) in &expired {
            tracing::info!(tenant.id = %tenant_id, request.id = %id, "access expired");
        }
        Ok(expired.len())
    })
    .await
}

/// Runs `step` (which handles at most `batch` items) until a step handles fewer; returns how many in all.
pub(crate) async fn drain<F, Fut>(batch: u64, mut step: F) -> Result<usize, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<usize, StoreError>>,
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

/// How often unsent notifications are looked for: messages should follow the change within seconds.
const NOTIFICATION_INTERVAL: Duration = Duration::from_secs(2);
/// Events sent per transaction.
const NOTIFICATION_BATCH: u64 = 100;

/// Sends every unsent notification event; returns how many.
pub async fn send_notifications(state: &AppState) -> Result<usize, StoreError> {
    drain(NOTIFICATION_BATCH, || {
        state.store.send_notifications(state.clock.now(), NOTIFICATION_BATCH)
    })
    .await
}

/// How often due webhook deliveries are looked for.
const DELIVERY_INTERVAL: Duration = Duration::from_secs(2);

/// Runs the expiry, notification and webhook delivery jobs for as long as the server runs.
pub fn spawn(state: AppState) {
    let expiry = state.clone();
    let delivery = state.clone();
    repeat(DELIVERY_INTERVAL, "webhook delivery", move || {
        let state = delivery.clone();
        async move { crate::webhook_delivery::deliver_webhooks(&state).await }
    });
    repeat(EXPIRY_INTERVAL, "expiry", move || {
        let state = expiry.clone();
        async move {
            let expired = expire_due(&state).await?;
            state.store.warn_of_expiry(state.clock.now()).await?;
            Ok(expired)
        }
    });
    repeat(NOTIFICATION_INTERVAL, "notification", move || {
        let state = state.clone();
        async move { send_notifications(&state).await }
    });
}

/// Runs `job` every `interval`; a failure is logged and the job runs again at the next tick.
fn repeat<F, Fut>(interval: Duration, name: &'static str, mut job: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<usize, StoreError>> + Send,
{
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        loop {
            ticks.tick().await;
            if let Err(error) = job().await {
                tracing::warn!(%error, job = name, "a background job failed; it runs again shortly");
            }
        }
    });
}
