//! The caller's inbox: messages notifications left them, read and unread.

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, de, offset_page, reject_if_any};
use crate::pagination::PaginationMeta;
use axum::extract::State;
use marketplace_app::model;
use marketplace_domain::Timestamp;
use marketplace_domain::pagination::PageMeta;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(messages))
        .routes(routes!(message, set_read))
        .routes(routes!(set_read_in_bulk))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageData {
    /// Where in the app the message leads: an absolute URL when the deployment's public URL is configured
    /// (`--public-url`), else a path on this server
    #[serde(skip_serializing_if = "Option::is_none")]
    action_link: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboxMessage {
    id: String,
    notification_id: String,
    #[schema(example = "ACCESS_REQUESTED")]
    notification_type: String,
    message: String,
    subject: String,
    created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    read_at: Option<Timestamp>,
    data: MessageData,
}

impl InboxMessage {
    /// The message as its reader sees it, with its action link absolute when the deployment's public URL is known.
    fn render(message: model::InboxMessage, state: &AppState) -> Self {
        InboxMessage {
            id: message.id,
            notification_id: message.notification_id,
            notification_type: message.notification_type,
            message: message.message,
            subject: message.subject,
            created_at: message.created_at,
            read_at: message.read_at,
            data: MessageData {
                action_link: message.action_link.map(|link| state.link(&link)),
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaginatedInboxMessages {
    data: Vec<InboxMessage>,
    meta: PaginationMeta,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    #[serde(default, deserialize_with = "de::number")]
    #[param(value_type = Option<f64>, minimum = 0, default = 0)]
    offset: Option<f64>,
    #[serde(default, deserialize_with = "de::number")]
    #[param(value_type = Option<f64>, minimum = 1, default = 10)]
    limit: Option<f64>,
    /// Only read (`true`) or unread (`false`) messages
    #[serde(default, deserialize_with = "de::boolean")]
    #[param(value_type = Option<bool>)]
    read: Option<bool>,
}

/// Get a list of inbox messages for the current user, with optional filters for read status.
#[utoipa::path(get, path = "/api/notification/inbox/messages", operation_id = "getInboxMessages",
    tag = "Notification", summary = "Get inbox messages", security(("bearer" = [])), params(InboxQuery),
    responses((status = 200, body = PaginatedInboxMessages)))]
async fn messages(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<InboxQuery>,
) -> Result<ApiJson<PaginatedInboxMessages>, ApiError> {
    let mut problems = Vec::new();
    let page = offset_page(query.offset, query.limit, &mut problems);
    reject_if_any(problems)?;
    let (messages, total) = state.app.inbox(&caller, query.read, page).await?;
    let meta = PageMeta::new(page, total, messages.len() as u64);
    Ok(ApiJson(PaginatedInboxMessages {
        data: messages
            .into_iter()
            .map(|message| InboxMessage::render(message, &state))
            .collect(),
        meta: meta.into(),
    }))
}

/// Get the details of a specific inbox message by ID.
#[utoipa::path(get, path = "/api/notification/inbox/messages/{id}", operation_id = "getInboxMessage",
    tag = "Notification", summary = "Get inbox message by ID", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = InboxMessage)))]
async fn message(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<InboxMessage>, ApiError> {
    let message = state.app.inbox_message(&caller, &id).await?;
    Ok(ApiJson(InboxMessage::render(message, &state)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInboxMessage {
    read: bool,
}

/// Update the read status of a specific inbox message by ID.
#[utoipa::path(patch, path = "/api/notification/inbox/messages/{id}", operation_id = "setInboxMessageReadStatus",
    tag = "Notification", summary = "Set inbox message read status", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = UpdateInboxMessage,
    responses((status = 200, body = InboxMessage)))]
async fn set_read(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateInboxMessage>,
) -> Result<ApiJson<InboxMessage>, ApiError> {
    let changed = state.app.mark_inbox_message(&caller, &id, body.read).await?;
    Ok(ApiJson(InboxMessage::render(changed, &state)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboxMessageReadStatus {
    id: String,
    read: bool,
}

/// Update the read status of multiple inbox messages by their IDs.
#[utoipa::path(patch, path = "/api/notification/inbox/messages/update-bulk", operation_id = "batchUpdateInboxMessage",
    tag = "Notification", summary = "Bulk update inbox message read status", security(("bearer" = [])),
    request_body = Vec<InboxMessageReadStatus>, responses((status = 200, body = Vec<InboxMessage>)))]
async fn set_read_in_bulk(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Vec<InboxMessageReadStatus>>,
) -> Result<ApiJson<Vec<InboxMessage>>, ApiError> {
    let changes = body.into_iter().map(|change| (change.id, change.read)).collect();
    let changed = state.app.mark_inbox_messages(&caller, changes).await?;
    Ok(ApiJson(
        changed
            .into_iter()
            .map(|message| InboxMessage::render(message, &state))
            .collect(),
    ))
}
