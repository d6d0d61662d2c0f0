//! The scheduler of the background work every instance runs: how often each job runs. The jobs themselves are use
//! cases of the application layer ([`marketplace_app::App::expire_due`] and the others); each claims its rows in the
//! database (skipping rows another instance holds), so running many instances changes nothing but speed.

use crate::app::AppState;
use crate::error::Chain;
use marketplace_app::AppError;
use std::time::Duration;

/// How often the expiry job looks for access that has run out; DESIGN §2 promises within a minute.
const EXPIRY_INTERVAL: Duration = Duration::from_secs(20);
/// How often unsent notifications are looked for: messages should follow the change within seconds.
const NOTIFICATION_INTERVAL: Duration = Duration::from_secs(2);
/// How often due webhook deliveries are looked for.
const DELIVERY_INTERVAL: Duration = Duration::from_secs(2);

/// Expires every approved request whose end has passed on the app's clock; returns how many.
pub async fn expire_due(state: &AppState) -> Result<usize, AppError> {
    state.app.expire_due().await
}

/// Sends every unsent notification event; returns how many.
pub async fn send_notifications(state: &AppState) -> Result<usize, AppError> {
    state.app.send_notifications().await
}

/// How often provisioning looks for due cycles (an access change on another instance, an interval passed); an
/// access change made here wakes it at once.
const PROVISIONING_POLL: Duration = Duration::from_secs(1);

/// How often idle web sessions, expired sign-in links and abandoned OpenID sign-ins are deleted (they stop
/// working when they lapse; this only keeps their tables small).
const SIGN_IN_CLEANUP_INTERVAL: Duration = Duration::from_secs(600);

/// Runs the expiry, notification, webhook delivery and provisioning jobs for as long as the server runs.
pub fn spawn(state: AppState) {
    let provisioning = state.app.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = provisioning.access_change() => {}
                () = tokio::time::sleep(PROVISIONING_POLL) => {}
            }
            let started = std::time::Instant::now();
            let result = provisioning.reconcile_due().await;
            crate::metrics::job_ran("provisioning", started, result.is_ok());
            if let Err(error) = result {
                tracing::warn!(error = %Chain(&error), job = "provisioning", "a background job failed; it runs again shortly");
            }
        }
    });
    let expiry = state.app.clone();
    let delivery = state.app.clone();
    let sign_ins = state.app.clone();
    repeat(SIGN_IN_CLEANUP_INTERVAL, "sign-in cleanup", move || {
        let app = sign_ins.clone();
        async move { app.forget_stale_sign_ins().await.map(|forgotten| forgotten as usize) }
    });
    let notification = state.app;
    repeat(DELIVERY_INTERVAL, "webhook delivery", move || {
        let app = delivery.clone();
        async move { app.deliver_webhooks().await }
    });
    repeat(EXPIRY_INTERVAL, "expiry", move || {
        let app = expiry.clone();
        async move {
            let expired = app.expire_due().await?;
            app.warn_of_expiry().await?;
            Ok(expired)
        }
    });
    repeat(NOTIFICATION_INTERVAL, "notification", move || {
        let app = notification.clone();
        async move { app.send_notifications().await }
    });
}

/// Runs `job` every `interval`; a failure is logged and the job runs again at the next tick.
fn repeat<F, Fut>(interval: Duration, name: &'static str, mut job: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<usize, AppError>> + Send,
{
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        loop {
            ticks.tick().await;
            let started = std::time::Instant::now();
            let result = job().await;
            crate::metrics::job_ran(name, started, result.is_ok());
            if let Err(error) = result {
                tracing::warn!(error = %Chain(&error), job = name, "a background job failed; it runs again shortly");
            }
        }
    });
}
