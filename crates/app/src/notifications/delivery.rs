//! Posting CloudEvents to webhooks: signed, with a deadline, several at once so that a receiver that never
//! answers holds up nobody else.

use crate::model::AttemptOutcome;
use crate::{App, AppError};
use hmac::{Hmac, Mac};
use marketplace_domain::Timestamp;
use sha2::Sha256;
use std::sync::OnceLock;
use std::time::Duration;

/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claimed delivery is this instance's: well over the timeout, so a crash only delays it.
const LEASE_SECONDS: i64 = 60;
/// Deliveries posted at once by one instance.
pub(crate) const BATCH: u64 = 32;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "Marketplace-Signature";

/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
pub fn signature(key: &str, body: &str, now: Timestamp) -> String {
    let seconds = now.millis().div_euclid(1000);
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{seconds}.{body}").as_bytes());
    format!("t={seconds},v1={:x}", mac.finalize().into_bytes())
}

fn client(verify_tls: bool) -> &'static reqwest::Client {
    static VERIFYING: OnceLock<reqwest::Client> = OnceLock::new();
    static TRUSTING: OnceLock<reqwest::Client> = OnceLock::new();
    let cell = if verify_tls { &VERIFYING } else { &TRUSTING };
    cell.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(TIMEOUT)
            .danger_accept_invalid_certs(!verify_tls)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client with rustls")
    })
}

/// Posts one CloudEvent and says how it went.
pub(crate) async fn post(
    url: &str,
    body: &str,
    signing_key: Option<&str>,
    verify_tls: bool,
    now: Timestamp,
) -> AttemptOutcome {
    let mut request = client(verify_tls)
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/cloudevents+json")
        .body(body.to_owned());
    if let Some(key) = signing_key {
        request = request.header(SIGNATURE_HEADER, signature(key, body, now));
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status();
            let answer = response.text().await.unwrap_or_default();
            let excerpt: String = answer.chars().take(200).collect();
            AttemptOutcome {
                success: status.is_success(),
                http_status_code: status.as_u16(),
                message: match excerpt.trim() {
                    "" => status.to_string(),
                    text => format!("{status}: {text}"),
                },
            }
        }
        Err(error) => AttemptOutcome {
            success: false,
            http_status_code: 0,
            message: match error.is_timeout() {
                true => format!("no answer within {} s", TIMEOUT.as_secs()),
                false => format!("could not post: {error}"),
            },
        },
    }
}

impl App {
    /// Claims up to a [`BATCH`] of due deliveries and posts them at once, recording each as it ends; returns how
    /// many were claimed.
    pub(crate) async fn deliver_batch(&self) -> Result<usize, AppError> {
        let claimed = self.store.claim_deliveries(self.now(), LEASE_SECONDS, BATCH).await?;
        let count = claimed.len();
        let mut posts = tokio::task::JoinSet::new();
        for delivery in claimed {
            let now = self.now();
            posts.spawn(async move {
                let webhook = &delivery.webhook;
                let key = webhook.signing_key.as_deref();
                let outcome = post(&webhook.url, &delivery.body, key, webhook.verify_tls, now).await;
                (delivery, outcome)
            });
        }
        while let Some(done) = posts.join_next().await {
            let (delivery, outcome) = done.map_err(|error| AppError::internal(format!("a post panicked: {error}")))?;
            if !outcome.success {
                tracing::info!(webhook.id = %delivery.webhook.id, delivery.id = %delivery.id,
                    message = %outcome.message, "webhook delivery failed");
            }
            let answered = if outcome.success { "delivered" } else { "failed" };
            metrics::counter!("marketplace_webhook_attempts_total", "outcome" => answered).increment(1);
            self.store.record_attempt(&delivery, &outcome, self.now()).await?;
        }
        Ok(count)
    }
}
