//! What the caller chooses to be told, and by which channel (`provider`). Anything not chosen is on.

use super::allowed;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, reject_if_any};
use axum::extract::State;
use marketplace_domain::notifications::{NotificationType, Provider};
use marketplace_store::Preferences;
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

fn provider_named(name: &str, field: &str, problems: &mut Vec<String>) -> Option<Provider> {
    let provider = Provider::parse(name);
    if provider.is_none() {
        let known: Vec<&str> = Provider::ALL.iter().map(|provider| provider.as_str()).collect();
        problems.push(format!("{field} `{name}` must be one of {}", known.join(", ")));
    }
    provider
}

/// Get the user preferences for notifications
#[utoipa::path(get, path = "/api/notification/user-preferences", operation_id = "getUserPreferences",
    tag = "Notification", summary = "Get user preferences", security(("bearer" = [])),
    responses((status = 200, body = Vec<ProviderPreferences>)))]
async fn preferences(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<Vec<ProviderPreferences>>, ApiError> {
    let chosen = state
        .store
        .notification_preferences(caller.tenant_id, caller.user.id)
        .await?;
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
    let mut problems = Vec::new();
    let mut choices = Preferences::default();
    for (index, entry) in body.preferences.iter().enumerate() {
        let provider = provider_named(
            &entry.provider,
            &format!("preferences[{index}].provider"),
            &mut problems,
        );
        for (position, choice) in entry.type_preferences.iter().enumerate() {
            let field = format!("preferences[{index}].typePreferences[{position}].notificationType");
            match (provider, NotificationType::parse(&choice.notification_type)) {
                (Some(provider), Some(kind)) => {
                    choices.types.insert((provider, kind), choice.enabled);
                }
                (_, None) => {
                    let known: Vec<&str> = NotificationType::ALL.iter().map(|kind| kind.as_str()).collect();
                    problems.push(format!(
                        "{field} `{}` must be one of {}",
                        choice.notification_type,
                        known.join(", ")
                    ));
                }
                (None, Some(_)) => {}
            }
        }
    }
    reject_if_any(problems)?;
    let chosen = state
        .store
        .set_notification_preferences(caller.tenant_id, caller.user.id, &choices)
        .await?;
    Ok(ApiJson(UpdateUserPreferencesResponse {
        recipient_id: caller.user.global_user_id,
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
    let mut problems = Vec::new();
    let mut choices = Preferences::default();
    for (index, config) in body.configs.iter().enumerate() {
        if let Some(provider) = provider_named(&config.provider, &format!("configs[{index}].provider"), &mut problems) {
            choices.providers.insert(provider, config.enabled);
        }
    }
    reject_if_any(problems)?;
    let chosen = state
        .store
        .set_notification_preferences(caller.tenant_id, caller.user.id, &choices)
        .await?;
    Ok(ApiJson(UpdateUserProviderConfigsResponse {
        recipient_id: caller.user.global_user_id,
        configs: Provider::ALL
            .iter()
            .map(|provider| ProviderConfigDto {
                provider: provider.as_str(),
                enabled: chosen.provider_enabled(*provider),
            })
            .collect(),
    }))
}
