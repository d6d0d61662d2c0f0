//! Webhooks (`APPLICATION_ADMIN` only): where notification events are posted as CloudEvents, their delivery
//! history, and test posts.

use super::masking_exceptions::PageQuery;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, offset_page, reject_if_any};
use crate::pagination::PaginationMeta;
use axum::extract::State;
use axum::http::StatusCode;
use marketplace_app::model::{AttemptOutcome, WebhookRecord};
use marketplace_app::notifications::{WebhookSettings, WebhookUpdate};
use marketplace_domain::Timestamp;
use marketplace_domain::pagination::PageMeta;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(get_webhook, update_webhook, delete_webhook))
        .routes(routes!(webhook_history))
        .routes(routes!(test_webhook))
        .routes(routes!(test_webhook_config))
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
            id: record.id.0,
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

impl From<CreateWebhook> for WebhookSettings {
    fn from(body: CreateWebhook) -> Self {
        WebhookSettings {
            url: body.url,
            verify_tls: body.verify_tls,
            signing_key: body.signing_key,
        }
    }
}

/// Get webhooks
#[utoipa::path(get, path = "/api/notification/webhook", operation_id = "getWebhooks", tag = "Notification",
    summary = "Get webhooks", security(("bearer" = [])), responses((status = 200, body = Vec<Webhook>)))]
async fn list_webhooks(State(state): State<AppState>, caller: Caller) -> Result<ApiJson<Vec<Webhook>>, ApiError> {
    let hooks = state.app.webhooks(&caller).await?;
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
    let created = state.app.create_webhook(&caller, body.into()).await?;
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
    Ok(ApiJson(state.app.webhook(&caller, &id).await?.into()))
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
    let update = WebhookUpdate {
        url: body.url,
        verify_tls: body.verify_tls,
        signing_key: body.signing_key,
    };
    Ok(ApiJson(state.app.update_webhook(&caller, &id, update).await?.into()))
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
    state.app.delete_webhook(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
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
    let (attempts, total) = state.app.webhook_history(&caller, &id, page).await?;
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

/// Test webhook: posts a test event to it, records the attempt in its history and reports the result
#[utoipa::path(post, path = "/api/notification/webhook/{id}/test", operation_id = "testWebhook",
    tag = "Notification", summary = "Test webhook", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = WebhookTestResult)))]
async fn test_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<WebhookTestResult>, ApiError> {
    let outcome = state.app.test_webhook(&caller, &id).await?;
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
    let outcome = state.app.test_webhook_configuration(&caller, body.into()).await?;
    Ok(ApiJson((&outcome).into()))
}
