//! Branding of the tenant's Request app.

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThemeSettings {
    primary_color: String,
    accent_color: String,
    light_mode_image: Option<String>,
    dark_mode_image: Option<String>,
}

/// Client-side feature flags; this deployment uses none.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeatureFlags {
    statsig_client_key: Option<String>,
    statsig_environment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FrontendSettings {
    theme: ThemeSettings,
    feature_flags: FeatureFlags,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(frontend_settings))
}

/// Get the settings for the frontend marketplace application.
#[utoipa::path(get, path = "/api/settings/frontend", operation_id = "getFrontendSettings", tag = "Settings",
    summary = "Frontend Settings", security(("bearer" = [])),
    responses((status = 200, body = FrontendSettings)))]
async fn frontend_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<FrontendSettings>, ApiError> {
    let theme = state.app.tenant_theme(&caller).await?;
    Ok(ApiJson(FrontendSettings {
        theme: ThemeSettings {
            primary_color: theme.primary_color,
            accent_color: theme.accent_color,
            light_mode_image: theme.light_mode_image,
            dark_mode_image: theme.dark_mode_image,
        },
        feature_flags: FeatureFlags {
            statsig_client_key: None,
            statsig_environment: None,
        },
    }))
}
