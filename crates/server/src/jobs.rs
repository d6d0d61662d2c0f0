//! The scheduler of the background work every instance runs: how often each job runs. The jobs themselves are use
//! cases of the application layer ([`marketplace_app::App::expire_due`] and the others); each claims its rows in the
//! database (skipping rows another instance holds), so running many instances changes nothing but speed.

use crate::app::AppState;
use crate::error::Chain;
use marketplace_app::AppError;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

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

/// How often the database's query planner statistics are refreshed (at start, then this often); they matter when
/// the data has grown or shrunk many times over, which takes hours.
const STATISTICS_INTERVAL: Duration = Duration::from_secs(3600);

/// How long jobs get to finish the run they are in when the server stops.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// How often idle web sessions, expired sign-in links and abandoned OpenID sign-ins are deleted (they stop
/// working when they lapse; this only keeps their tables small).
const SIGN_IN_CLEANUP_INTERVAL: Duration = Duration::from_secs(600);

/// The running background jobs.
pub struct Jobs {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Jobs {
    /// Lets each job finish the run it is in, then stops them all; a run still going after `grace` is cut short.
    /// Nothing is lost either way: each run claims its rows and changes them in one transaction, so a run cut
    /// short rolls back and its rows are claimed again by the next run of any instance.
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + grace;
        let mut cut_short = 0;
        for mut task in self.tasks {
            if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
                task.abort();
                cut_short += 1;
            }
        }
        match cut_short {
            0 => tracing::info!("background jobs stopped"),
            n => tracing::warn!(
                jobs = n,
                "background jobs cut short on shutdown; their work is retried at the next start"
            ),
        }
    }
}

/// Starts the expiry, notification, webhook delivery and provisioning jobs; they run until [`Jobs::stop`] (or,
/// if the handle is dropped, for as long as the runtime runs).
pub fn spawn(state: AppState) -> Jobs {
    // The jobs record each run; a first run that ends before the server builds its router would otherwise be
    // recorded nowhere, and its job would look as if it had never run until its next run.
    crate::metrics::install();
    let (stop, stopped) = watch::channel(false);
    let provisioning = state.app.clone();
    let mut provisioning_stopped = stopped.clone();
    let mut tasks = vec![tokio::spawn(async move {
        loop {
            tokio::select! {
                () = provisioning.access_change() => {}
                () = tokio::time::sleep(PROVISIONING_POLL) => {}
                Ok(_) = provisioning_stopped.wait_for(|stop| *stop) => break,
            }
            let started = std::time::Instant::now();
            let result = provisioning.reconcile_due().await;
            crate::metrics::job_ran("provisioning", started, result.is_ok());
            if let Err(error) = result {
                tracing::warn!(error = %Chain(&error), job = "provisioning", "a background job failed; it runs again shortly");
            }
        }
    })];
    let expiry = state.app.clone();
    let delivery = state.app.clone();
    let sign_ins = state.app.clone();
    tasks.push(repeat(
        SIGN_IN_CLEANUP_INTERVAL,
        "sign-in cleanup",
        stopped.clone(),
        move || {
            let app = sign_ins.clone();
            async move { app.forget_stale_sign_ins().await.map(|forgotten| forgotten as usize) }
        },
    ));
    let statistics = state.app.clone();
    tasks.push(repeat(
        STATISTICS_INTERVAL,
        "database statistics",
        stopped.clone(),
        move || {
            let app = statistics.clone();
            async move { app.refresh_database_statistics().await }
        },
    ));
    let notification = state.app;
    tasks.push(repeat(
        DELIVERY_INTERVAL,
        "webhook delivery",
        stopped.clone(),
        move || {
            let app = delivery.clone();
            async move { app.deliver_webhooks().await }
        },
    ));
    tasks.push(repeat(EXPIRY_INTERVAL, "expiry", stopped.clone(), move || {
        let app = expiry.clone();
        async move {
            let expired = app.expire_due().await?;
            app.warn_of_expiry().await?;
            Ok(expired)
        }
    }));
    tasks.push(repeat(NOTIFICATION_INTERVAL, "notification", stopped, move || {
        let app = notification.clone();
        async move { app.send_notifications().await }
    }));
    Jobs { stop, tasks }
}

/// Runs `job` every `interval` until stopped (never in the middle of a run); a failure is logged and the job runs
/// again at the next tick.
fn repeat<F, Fut>(
    interval: Duration,
    name: &'static str,
    mut stopped: watch::Receiver<bool>,
    mut job: F,
) -> JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<usize, AppError>> + Send,
{
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                Ok(_) = stopped.wait_for(|stop| *stop) => break,
            }
            let started = std::time::Instant::now();
            let result = job().await;
            crate::metrics::job_ran(name, started, result.is_ok());
            if let Err(error) = result {
                tracing::warn!(error = %Chain(&error), job = name, "a background job failed; it runs again shortly");
            }
        }
    })
}
