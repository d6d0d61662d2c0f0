//! Slack notifications configuration: the workspace a tenant is connected to, which an operator sets with
//! `marketplace slack configure` (Slack's OAuth flow is not offered). Posting to Slack is not done yet, so the
//! test reports what is configured and why the connection cannot be checked.

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use axum::extract::State;
use marketplace_app::notifications::SlackConnectionTest;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

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
    let stored = state.app.slack_configuration(&caller).await?;
    Ok(ApiJson(GetSlackConfigurationResponse {
        is_configured: stored.is_some(),
        configuration: stored.map_or_else(SlackConfiguration::default, |stored| SlackConfiguration {
            team_name: Some(stored.team_name),
            team_id: Some(stored.team_id),
            bot_user_id: Some(stored.bot_user_id),
            enterprise_name: stored.enterprise_name,
            enterprise_id: stored.enterprise_id,
        }),
    }))
}

/// Delete Slack notifications configuration (also when there is none)
#[utoipa::path(delete, path = "/api/notification/slack/configuration", operation_id = "deleteSlackConfiguration",
    tag = "Notification", summary = "Delete Slack notifications configuration", security(("bearer" = [])),
    responses((status = 200, description = "Deleted")))]
async fn delete_configuration(State(state): State<AppState>, caller: Caller) -> Result<(), ApiError> {
    Ok(state.app.delete_slack_configuration(&caller).await?)
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
    let SlackConnectionTest {
        is_valid,
        error_message,
    } = state.app.test_slack_connection(&caller).await?;
    Ok(ApiJson(TestSlackConnectionResponse {
        is_valid,
        error_message,
    }))
}
