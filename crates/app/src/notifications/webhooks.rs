//! Webhooks (`APPLICATION_ADMIN` only): where notification events are posted as CloudEvents, their delivery
//! history, and test posts.

use super::delivery::post;
use crate::model::{AttemptOutcome, WebhookAttempt, WebhookRecord};
use crate::{Actor, App, AppError, Problems};
use marketplace_domain::ids::WebhookId;
use marketplace_domain::pagination::OffsetPage;
use marketplace_store::WebhookChange;
use serde_json::json;
use uuid::Uuid;

/// The longest webhook URL accepted.
pub const MAX_URL: usize = 2048;
/// The longest signing key accepted, in bytes (UTF-8).
pub const MAX_SIGNING_KEY: usize = 1024;

/// A webhook's settings, as given to create one or to test them.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// An http or https URL of at most [`MAX_URL`] characters.
    pub url: String,
    /// `None` verifies.
    pub verify_tls: Option<bool>,
    /// At most [`MAX_SIGNING_KEY`] bytes; an empty key is none.
    pub signing_key: Option<String>,
}

/// What to change in a webhook: only what is given.
#[derive(Debug, Clone, Default)]
pub struct WebhookUpdate {
    pub url: Option<String>,
    pub verify_tls: Option<bool>,
    /// A new key; an empty one removes the key.
    pub signing_key: Option<String>,
}

/// Settings checked: the URL, the key (an empty one is none), whether TLS is verified.
struct Checked {
    url: String,
    signing_key: Option<String>,
    verify_tls: bool,
}

fn not_found() -> AppError {
    AppError::NotFound("Webhook not found.".into())
}

/// The id as given; anything but a UUID names no webhook.
fn webhook_id(id: &str) -> Result<WebhookId, AppError> {
    id.parse::<WebhookId>().map_err(|_| not_found())
}

fn check_url(url: &str, problems: &mut Problems) {
    match reqwest::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && url.len() <= MAX_URL => {}
        _ => problems.add(
            "url",
            format!("url must be an http or https URL of at most {MAX_URL} characters"),
        ),
    }
}

fn check_key(key: Option<&str>, problems: &mut Problems) {
    if key.is_some_and(|key| key.len() > MAX_SIGNING_KEY) {
        problems.add(
            "signingKey",
            format!("signingKey must be at most {MAX_SIGNING_KEY} characters"),
        );
    }
}

impl WebhookSettings {
    fn checked(self) -> Result<Checked, AppError> {
        let mut problems = Problems::default();
        check_url(&self.url, &mut problems);
        check_key(self.signing_key.as_deref(), &mut problems);
        problems.check()?;
        Ok(Checked {
            url: self.url,
            signing_key: self.signing_key.filter(|key| !key.is_empty()),
            verify_tls: self.verify_tls.unwrap_or(true),
        })
    }
}

impl App {
    /// The tenant's webhooks, oldest first.
    pub async fn webhooks(&self, actor: &Actor) -> Result<Vec<WebhookRecord>, AppError> {
        self.require_application_admin(actor).await?;
        Ok(self.store.webhooks(actor.tenant_id).await?)
    }

    /// A new webhook. The settings are checked before who asks.
    pub async fn create_webhook(&self, actor: &Actor, settings: WebhookSettings) -> Result<WebhookRecord, AppError> {
        let settings = settings.checked()?;
        self.require_application_admin(actor).await?;
        let key = settings.signing_key.as_deref();
        Ok(self
            .store
            .create_webhook(actor.tenant_id, &settings.url, settings.verify_tls, key, self.now())
            .await?)
    }

    /// One of the tenant's webhooks.
    pub async fn webhook(&self, actor: &Actor, id: &str) -> Result<WebhookRecord, AppError> {
        self.require_application_admin(actor).await?;
        self.store
            .webhook(actor.tenant_id, webhook_id(id)?)
            .await?
            .ok_or_else(not_found)
    }

    /// Saves what the update gives; saving lifts a webhook's suppression. The update is checked before who asks.
    pub async fn update_webhook(
        &self,
        actor: &Actor,
        id: &str,
        update: WebhookUpdate,
    ) -> Result<WebhookRecord, AppError> {
        let mut problems = Problems::default();
        if let Some(url) = &update.url {
            check_url(url, &mut problems);
        }
        check_key(update.signing_key.as_deref(), &mut problems);
        problems.check()?;
        self.require_application_admin(actor).await?;
        let change = WebhookChange {
            url: update.url,
            verify_tls: update.verify_tls,
            signing_key: update.signing_key.map(|key| Some(key).filter(|key| !key.is_empty())),
        };
        let id = webhook_id(id)?;
        self.store
            .update_webhook(actor.tenant_id, id, &change, self.now())
            .await?
            .ok_or_else(not_found)
    }

    /// Deletes a webhook, with its pending deliveries and history.
    pub async fn delete_webhook(&self, actor: &Actor, id: &str) -> Result<(), AppError> {
        self.require_application_admin(actor).await?;
        match self.store.delete_webhook(actor.tenant_id, webhook_id(id)?).await? {
            true => Ok(()),
            false => Err(not_found()),
        }
    }

    /// One page of a webhook's delivery attempts, newest first, with how many there are in all.
    pub async fn webhook_history(
        &self,
        actor: &Actor,
        id: &str,
        page: OffsetPage,
    ) -> Result<(Vec<WebhookAttempt>, u64), AppError> {
        self.require_application_admin(actor).await?;
        let id = webhook_id(id)?;
        self.store.webhook(actor.tenant_id, id).await?.ok_or_else(not_found)?;
        Ok(self.store.webhook_history(actor.tenant_id, id, page).await?)
    }

    /// Posts a test event to a webhook, records the attempt in its history and says how it went.
    pub async fn test_webhook(&self, actor: &Actor, id: &str) -> Result<AttemptOutcome, AppError> {
        self.require_application_admin(actor).await?;
        let hook = self
            .store
            .webhook(actor.tenant_id, webhook_id(id)?)
            .await?
            .ok_or_else(not_found)?;
        let outcome = self
            .post_test(actor, &hook.url, hook.signing_key.as_deref(), hook.verify_tls)
            .await?;
        self.store
            .record_test_attempt(actor.tenant_id, hook.id, &outcome, self.now())
            .await?;
        Ok(outcome)
    }

    /// Posts a test event with these settings, saving nothing, and says how it went. The settings are checked
    /// before who asks.
    pub async fn test_webhook_configuration(
        &self,
        actor: &Actor,
        settings: WebhookSettings,
    ) -> Result<AttemptOutcome, AppError> {
        let settings = settings.checked()?;
        self.require_application_admin(actor).await?;
        let key = settings.signing_key.as_deref();
        self.post_test(actor, &settings.url, key, settings.verify_tls).await
    }

    /// Posts a test CloudEvent from the actor's tenant.
    async fn post_test(
        &self,
        actor: &Actor,
        url: &str,
        key: Option<&str>,
        verify: bool,
    ) -> Result<AttemptOutcome, AppError> {
        let now = self.now();
        let tenant = self.store.tenant(actor.tenant_id).await?;
        let source = tenant.map_or_else(|| actor.tenant_id.to_string(), |tenant| tenant.short_key);
        let document = json!({
            "specversion": "1.0",
            "type": "marketplace.webhook.test",
            "source": format!("/marketplace/{source}"),
            "id": Uuid::now_v7(),
            "time": now,
            "datacontenttype": "application/json",
            "data": {"message": "A test event from Marketplace."},
        });
        Ok(post(url, &document.to_string(), key, verify, now).await)
    }
}
