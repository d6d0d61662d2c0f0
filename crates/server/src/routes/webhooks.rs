//! Webhooks (`APPLICATION_ADMIN` only): where notification events are posted as CloudEvents, their delivery
//! history, and test posts.

use super::masking_exceptions::PageQuery;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, offset_page, reject_if_any};
use crate::pagination::PaginationMeta;
use crate::webhook_delivery::post;
use axum::extract::State;
use axum::http::StatusCode;
use marketplace_domain::Timestamp;
use marketplace_domain::pagination::PageMeta;
use marketplace_domain::permissions::GlobalPermission;
use marketplace_store::{AttemptOutcome, WebhookChange, WebhookRecord};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

/// The longest webhook URL accepted.
const MAX_URL: usize = 2048;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(get_webhook, update_webhook, delete_webhook))
        .routes(routes!(webhook_history))
        .routes(routes!(test_webhook))
        .routes(routes!(test_webhook_config))
}

fn not_found() -> ApiError {
    ApiError::NotFound("Webhook not found.".into())
}

pub(super) async fn require_admin(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    match caller.person(state).await?.has(GlobalPermission::ApplicationAdmin) {
        true => Ok(()),
        false => Err(ApiError::Forbidden("Managing webhooks takes APPLICATION_ADMIN.".into())),
    }
}

/// The id in the path; anything but a UUID names no webhook.
fn webhook_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| not_found())
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    id: Uuid,
    url: String,
    verify_tls: bool,
    /// Whether a signing key is set; the key itself is never returned
    signing_key: bool,
    /// Set when a delivery failed for a day; nothing new is delivered until the webhook is saved again
    suppressed: bool,
}

impl From<WebhookRecord> for Webhook {
    fn from(record: WebhookRecord) -> Self {
        Webhook {
            id: record.id,
            url: record.url,
            verify_tls: record.verify_tls,
            signing_key: record.signing_key.is_some(),
            suppressed: record.suppressed,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateWebhook {
    /// Stricter than Immuta's document: an http or https URL of at most 2048 characters.
    #[schema(format = "uri", max_length = 2048)]
    url: String,
    #[serde(default)]
    verify_tls: Option<bool>,
    /// Stricter than Immuta's document: at most 1024 bytes (UTF-8).
    #[serde(default)]
    #[schema(max_length = 1024)]
    signing_key: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateWebhook {
    /// Stricter than Immuta's document: an http or https URL of at most 2048 characters.
    #[serde(default)]
    #[schema(format = "uri", max_length = 2048)]
    url: Option<String>,
    #[serde(default)]
    verify_tls: Option<bool>,
    /// A new key; an empty string removes the key. Stricter than Immuta's document: at most 1024 bytes (UTF-8).
    #[serde(default)]
    #[schema(max_length = 1024)]
    signing_key: Option<String>,
}

fn check_url(url: &str, problems: &mut Vec<String>) {
    match reqwest::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && url.len() <= MAX_URL => {}
        _ => problems.push(format!(
            "url must be an http or https URL of at most {MAX_URL} characters"
        )),
    }
}

fn check_key(key: Option<&str>, problems: &mut Vec<String>) {
    if key.is_some_and(|key| key.len() > 1024) {
        problems.push("signingKey must be at most 1024 characters".into());
    }
}

/// A webhook's settings, checked: URL, signing key (an empty one is none) and whether TLS is verified.
struct Settings {
    url: String,
    signing_key: Option<String>,
    verify_tls: bool,
}

impl CreateWebhook {
    fn checked(self) -> Result<Settings, ApiError> {
        let mut problems = Vec::new();
        check_url(&self.url, &mut problems);
        check_key(self.signing_key.as_deref(), &mut problems);
        reject_if_any(problems)?;
        Ok(Settings {
            url: self.url,
            signing_key: self.signing_key.filter(|key| !key.is_empty()),
            verify_tls: self.verify_tls.unwrap_or(true),
        })
    }
}

/// Get webhooks
#[utoipa::path(get, path = "/api/notification/webhook", operation_id = "getWebhooks", tag = "Notification",
    summary = "Get webhooks", security(("bearer" = [])), responses((status = 200, body = Vec<Webhook>)))]
async fn list_webhooks(State(state): State<AppState>, caller: Caller) -> Result<ApiJson<Vec<Webhook>>, ApiError> {
    require_admin(&state, &caller).await?;
    let hooks = state.store.webhooks(caller.tenant_id).await?;
    Ok(ApiJson(hooks.into_iter().map(Webhook::from).collect()))
}

/// Create webhook
#[utoipa::path(post, path = "/api/notification/webhook", operation_id = "createWebhook", tag = "Notification",
    summary = "Create webhook", security(("bearer" = [])), request_body = CreateWebhook,
    responses((status = 200, body = Webhook)))]
async fn create_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateWebhook>,
) -> Result<ApiJson<Webhook>, ApiError> {
    let settings = body.checked()?;
    require_admin(&state, &caller).await?;
    let (key, verify) = (settings.signing_key.as_deref(), settings.verify_tls);
    let created = state
        .store
        .create_webhook(caller.tenant_id, &settings.url, verify, key, state.clock.now())
        .await?;
    Ok(ApiJson(created.into()))
}

/// Get webhook by ID
#[utoipa::path(get, path = "/api/notification/webhook/{id}", operation_id = "getWebhook", tag = "Notification",
    summary = "Get webhook by ID", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Webhook)))]
async fn get_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<Webhook>, ApiError> {
    require_admin(&state, &caller).await?;
    let found = state.store.webhook(caller.tenant_id, webhook_id(&id)?).await?;
    Ok(ApiJson(found.ok_or_else(not_found)?.into()))
}

/// Update webhook
#[utoipa::path(put, path = "/api/notification/webhook/{id}", operation_id = "updateWebhook", tag = "Notification",
    summary = "Update webhook", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = UpdateWebhook, responses((status = 200, body = Webhook)))]
async fn update_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateWebhook>,
) -> Result<ApiJson<Webhook>, ApiError> {
    let mut problems = Vec::new();
    if let Some(url) = &body.url {
        check_url(url, &mut problems);
    }
    check_key(body.signing_key.as_deref(), &mut problems);
    reject_if_any(problems)?;
    require_admin(&state, &caller).await?;
    let change = WebhookChange {
        url: body.url,
        verify_tls: body.verify_tls,
        signing_key: body.signing_key.map(|key| Some(key).filter(|key| !key.is_empty())),
    };
    let id = webhook_id(&id)?;
    let updated = state
        .store
        .update_webhook(caller.tenant_id, id, &change, state.clock.now())
        .await?;
    Ok(ApiJson(updated.ok_or_else(not_found)?.into()))
}

/// Delete webhook
#[utoipa::path(delete, path = "/api/notification/webhook/{id}", operation_id = "deleteWebhook",
    tag = "Notification", summary = "Delete webhook", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 204, description = "Deleted")))]
async fn delete_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    require_admin(&state, &caller).await?;
    match state.store.delete_webhook(caller.tenant_id, webhook_id(&id)?).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(not_found()),
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookHistoryEntry {
    webhook_id: String,
    delivery_id: String,
    #[schema(example = "SUCCESS")]
    status: String,
    http_status_code: i64,
    created_at: Timestamp,
    message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaginatedWebhookHistory {
    data: Vec<WebhookHistoryEntry>,
    meta: PaginationMeta,
}

/// Get webhook history: every delivery attempt, newest first
#[utoipa::path(get, path = "/api/notification/webhook/{id}/history", operation_id = "getWebhookHistory",
    tag = "Notification", summary = "Get webhook history", security(("bearer" = [])),
    params(("id" = String, Path), PageQuery), responses((status = 200, body = PaginatedWebhookHistory)))]
async fn webhook_history(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<ApiJson<PaginatedWebhookHistory>, ApiError> {
    let mut problems = Vec::new();
    let page = offset_page(query.offset, query.limit, &mut problems);
    reject_if_any(problems)?;
    require_admin(&state, &caller).await?;
    let id = webhook_id(&id)?;
    state.store.webhook(caller.tenant_id, id).await?.ok_or_else(not_found)?;
    let (attempts, total) = state.store.webhook_history(caller.tenant_id, id, page).await?;
    let meta = PageMeta::new(page, total, attempts.len() as u64);
    Ok(ApiJson(PaginatedWebhookHistory {
        data: attempts
            .into_iter()
            .map(|attempt| WebhookHistoryEntry {
                webhook_id: attempt.webhook_id,
                delivery_id: attempt.delivery_id,
                status: attempt.status,
                http_status_code: attempt.http_status_code,
                created_at: attempt.created_at,
                message: attempt.message,
            })
            .collect(),
        meta: meta.into(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookTestResult {
    #[schema(example = "SUCCESS")]
    status: &'static str,
    http_status_code: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
}

impl From<&AttemptOutcome> for WebhookTestResult {
    fn from(outcome: &AttemptOutcome) -> Self {
        WebhookTestResult {
            status: if outcome.success { "SUCCESS" } else { "FAILED" },
            http_status_code: outcome.http_status_code,
            error_message: (!outcome.success).then(|| outcome.message.clone()),
        }
    }
}

/// Posts a test CloudEvent with these settings.
async fn post_test(
    state: &AppState,
    caller: &Caller,
    url: &str,
    key: Option<&str>,
    verify: bool,
) -> Result<AttemptOutcome, ApiError> {
    let now = state.clock.now();
    let tenant = state.store.tenant(caller.tenant_id).await?;
    let source = tenant.map_or_else(|| caller.tenant_id.to_string(), |tenant| tenant.short_key);
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

/// Test webhook: posts a test event to it, records the attempt in its history and reports the result
#[utoipa::path(post, path = "/api/notification/webhook/{id}/test", operation_id = "testWebhook",
    tag = "Notification", summary = "Test webhook", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = WebhookTestResult)))]
async fn test_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<WebhookTestResult>, ApiError> {
    require_admin(&state, &caller).await?;
    let hook = state
        .store
        .webhook(caller.tenant_id, webhook_id(&id)?)
        .await?
        .ok_or_else(not_found)?;
    let outcome = post_test(&state, &caller, &hook.url, hook.signing_key.as_deref(), hook.verify_tls).await?;
    state
        .store
        .record_test_attempt(caller.tenant_id, hook.id, &outcome, state.clock.now())
        .await?;
    Ok(ApiJson((&outcome).into()))
}

/// Test webhook configuration: posts a test event with these settings, without saving anything
#[utoipa::path(post, path = "/api/notification/webhook/test", operation_id = "testWebhookConfig",
    tag = "Notification", summary = "Test webhook configuration", security(("bearer" = [])),
    request_body = CreateWebhook, responses((status = 200, body = WebhookTestResult)))]
async fn test_webhook_config(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateWebhook>,
) -> Result<ApiJson<WebhookTestResult>, ApiError> {
    let settings = body.checked()?;
    require_admin(&state, &caller).await?;
    let key = settings.signing_key.as_deref();
    let outcome = post_test(&state, &caller, &settings.url, key, settings.verify_tls).await?;
    Ok(ApiJson((&outcome).into()))
}
