//! Slack notifications configuration. Connecting a workspace (Slack's OAuth flow) is not offered yet, so no tenant
//! has one: the configuration reads as not configured and the test says why.

use super::webhooks::require_admin;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

const NOT_CONFIGURED: &str =
    "Slack is not configured for this tenant: connecting a Slack workspace is not available in this deployment.";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(configuration, delete_configuration))
        .routes(routes!(test_connection))
}

#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SlackConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    team_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    team_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bot_user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enterprise_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enterprise_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GetSlackConfigurationResponse {
    is_configured: bool,
    configuration: SlackConfiguration,
}

/// Get Slack notifications configuration
#[utoipa::path(get, path = "/api/notification/slack/configuration", operation_id = "getSlackConfiguration",
    tag = "Notification", summary = "Get Slack notifications configuration", security(("bearer" = [])),
    responses((status = 200, body = GetSlackConfigurationResponse)))]
async fn configuration(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<GetSlackConfigurationResponse>, ApiError> {
    require_admin(&state, &caller).await?;
    Ok(ApiJson(GetSlackConfigurationResponse {
        is_configured: false,
        configuration: SlackConfiguration::default(),
    }))
}

/// Delete Slack notifications configuration (there is none to delete: it succeeds)
#[utoipa::path(delete, path = "/api/notification/slack/configuration", operation_id = "deleteSlackConfiguration",
    tag = "Notification", summary = "Delete Slack notifications configuration", security(("bearer" = [])),
    responses((status = 200, description = "Deleted")))]
async fn delete_configuration(State(state): State<AppState>, caller: Caller) -> Result<(), ApiError> {
    require_admin(&state, &caller).await
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestSlackConnectionResponse {
    is_valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
}

/// Test Slack notifications configuration
#[utoipa::path(get, path = "/api/notification/slack/test", operation_id = "testSlackConnection",
    tag = "Notification", summary = "Test Slack notifications configuration", security(("bearer" = [])),
    responses((status = 200, body = TestSlackConnectionResponse)))]
async fn test_connection(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<TestSlackConnectionResponse>, ApiError> {
    require_admin(&state, &caller).await?;
    Ok(ApiJson(TestSlackConnectionResponse {
        is_valid: false,
        error_message: Some(NOT_CONFIGURED.into()),
    }))
}
