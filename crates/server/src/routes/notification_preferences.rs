//! What the caller chooses to be told, and by which channel (`provider`). Anything not chosen is on.

use super::allowed;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use axum::extract::State;
use marketplace_app::model::Preferences;
use marketplace_app::notifications::ProviderChoices;
use marketplace_domain::notifications::{NotificationType, Provider};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(preferences, update_preferences))
        .routes(routes!(update_provider_configs))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TypePreference {
    #[schema(example = "ACCESS_REQUESTED", value_type = allowed::NotificationType, inline)]
    notification_type: String,
    enabled: bool,
}

/// A channel's connection to the user's account elsewhere (Slack, Teams).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProviderMetadata {
    auth_verified: Option<bool>,
    teams_store_url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProviderPreferences {
    #[schema(example = "IN_APP")]
    provider: &'static str,
    enabled: bool,
    type_preferences: Vec<TypePreference>,
    /// Not reported: no channel here connects to an account elsewhere yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<ProviderMetadata>,
}

fn type_preferences(chosen: &Preferences, provider: Provider) -> Vec<TypePreference> {
    NotificationType::ALL
        .iter()
        .map(|kind| TypePreference {
            notification_type: kind.as_str().into(),
            enabled: chosen.type_enabled(provider, *kind),
        })
        .collect()
}

/// Get the user preferences for notifications
#[utoipa::path(get, path = "/api/notification/user-preferences", operation_id = "getUserPreferences",
    tag = "Notification", summary = "Get user preferences", security(("bearer" = [])),
    responses((status = 200, body = Vec<ProviderPreferences>)))]
async fn preferences(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<Vec<ProviderPreferences>>, ApiError> {
    let chosen = state.app.notification_preferences(&caller).await?;
    Ok(ApiJson(
        Provider::ALL
            .iter()
            .map(|provider| ProviderPreferences {
                provider: provider.as_str(),
                enabled: chosen.provider_enabled(*provider),
                type_preferences: type_preferences(&chosen, *provider),
                metadata: None,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProviderTypePreferences {
    #[schema(value_type = allowed::Provider, inline)]
    provider: String,
    type_preferences: Vec<TypePreference>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserPreferencesRequest {
    preferences: Vec<ProviderTypePreferences>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProviderTypePreferencesDto {
    provider: &'static str,
    type_preferences: Vec<TypePreference>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUserPreferencesResponse {
    recipient_id: Uuid,
    preferences: Vec<ProviderTypePreferencesDto>,
}

/// Update the user preferences for notifications
#[utoipa::path(put, path = "/api/notification/user-preferences", operation_id = "updateUserPreferences",
    tag = "Notification", summary = "Update user preferences", security(("bearer" = [])),
    request_body = UpdateUserPreferencesRequest, responses((status = 200, body = UpdateUserPreferencesResponse)))]
async fn update_preferences(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<UpdateUserPreferencesRequest>,
) -> Result<ApiJson<UpdateUserPreferencesResponse>, ApiError> {
    let preferences: Vec<ProviderChoices> = body
        .preferences
        .into_iter()
        .map(|entry| ProviderChoices {
            provider: entry.provider,
            types: entry
                .type_preferences
                .into_iter()
                .map(|choice| (choice.notification_type, choice.enabled))
                .collect(),
        })
        .collect();
    let chosen = state.app.update_notification_preferences(&caller, &preferences).await?;
    Ok(ApiJson(UpdateUserPreferencesResponse {
        recipient_id: caller.user.global_user_id.0,
        preferences: Provider::ALL
            .iter()
            .map(|provider| ProviderTypePreferencesDto {
                provider: provider.as_str(),
                type_preferences: type_preferences(&chosen, *provider),
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    #[schema(value_type = allowed::Provider, inline)]
    provider: String,
    enabled: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserProviderConfigsRequest {
    configs: Vec<ProviderConfig>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderConfigDto {
    provider: &'static str,
    enabled: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUserProviderConfigsResponse {
    recipient_id: Uuid,
    configs: Vec<ProviderConfigDto>,
}

/// Switch notification channels on or off for the caller
#[utoipa::path(put, path = "/api/notification/user-provider-configs", operation_id = "updateUserProviderConfigs",
    tag = "Notification", security(("bearer" = [])), request_body = UpdateUserProviderConfigsRequest,
    responses((status = 200, body = UpdateUserProviderConfigsResponse)))]
async fn update_provider_configs(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<UpdateUserProviderConfigsRequest>,
) -> Result<ApiJson<UpdateUserProviderConfigsResponse>, ApiError> {
    let configs: Vec<(String, bool)> = body
        .configs
        .into_iter()
        .map(|config| (config.provider, config.enabled))
        .collect();
    let chosen = state.app.update_notification_providers(&caller, &configs).await?;
    Ok(ApiJson(UpdateUserProviderConfigsResponse {
        recipient_id: caller.user.global_user_id.0,
        configs: Provider::ALL
            .iter()
            .map(|provider| ProviderConfigDto {
                provider: provider.as_str(),
                enabled: chosen.provider_enabled(*provider),
            })
            .collect(),
    }))
}
