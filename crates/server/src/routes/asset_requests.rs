//! Requests for an asset — a data product or a data object of the directory — by its asset id: data access or
//! a masking exception, revoking access it granted, and its recent determinations.

use super::asset_changes::ObjectAssetChange;
use super::determinations::{self, DeterminationsQuery, RecentDeterminations};
use super::masking_exceptions::MaskedColumnRef;
use super::request_views::{HydratedAccessRequest, render};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::extract::State;
use axum::http::StatusCode;
use marketplace_app::requests::{ColumnRef, Submit};
use marketplace_domain::ids::{GlobalUserId, RequestId};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_asset))
        .routes(routes!(revoke_asset_request))
        .routes(routes!(recent_asset_determinations))
}

/// An asset a catalog has not registered yet, as a request may describe it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum UnregisteredAsset {
    #[serde(rename = "DATA_OBJECT")]
    Object(ObjectAssetChange),
}

/// A request for an asset, by `requestType`. `asset` describes an asset a catalog has not registered; data
/// objects here come from the directory, so a request names a registered one: `asset` is checked for shape and
/// adds nothing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "requestType", rename_all = "SCREAMING_SNAKE_CASE", deny_unknown_fields)]
pub enum CreateAssetRequestDto {
    DataAccess {
        /// Immuta global user ID of the user for whom access is being requested
        user: Uuid,
        /// The request form submission
        #[serde(default)]
        form: Option<Value>,
        #[serde(default)]
        asset: Option<UnregisteredAsset>,
    },
    MaskingException {
        /// Immuta global user ID of the user for whom access is being requested
        user: Uuid,
        /// The request form submission
        #[serde(default)]
        form: Option<Value>,
        #[serde(default)]
        asset: Option<UnregisteredAsset>,
        /// List of columns to request masking exception for. Stricter than Immuta's document: 1 to 500 of them.
        #[schema(min_items = 1, max_items = 500)]
        columns: Vec<MaskedColumnRef>,
    },
}

/// Create a new access or masking exception request for the specified asset.
#[utoipa::path(post, path = "/api/asset/{id}/request", operation_id = "requestAsset", tag = "Asset",
    summary = "Request access or masking exception for an asset", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = CreateAssetRequestDto,
    responses((status = 201, body = HydratedAccessRequest)))]
async fn request_asset(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<CreateAssetRequestDto>,
) -> Result<(StatusCode, ApiJson<HydratedAccessRequest>), ApiError> {
    let (submit, columns) = match body {
        CreateAssetRequestDto::DataAccess { user, form, .. } => (
            Submit {
                user: GlobalUserId(user),
                form,
            },
            None,
        ),
        CreateAssetRequestDto::MaskingException {
            user, form, columns, ..
        } => (
            Submit {
                user: GlobalUserId(user),
                form,
            },
            Some(columns.into_iter().map(ColumnRef::from).collect::<Vec<_>>()),
        ),
    };
    let shown = state
        .app
        .request_asset(&caller, &id, submit, columns.as_deref())
        .await?;
    Ok((StatusCode::CREATED, ApiJson(render(shown)?)))
}

/// Updates the specified access request to revoked and revokes access to data source(s) associated with the
/// asset.
#[utoipa::path(delete, path = "/api/asset/{id}/request/{requestId}", operation_id = "revokeAssetRequest",
    tag = "Asset", summary = "Revoke access to an asset", security(("bearer" = [])),
    params(("id" = String, Path), ("requestId" = String, Path)),
    responses((status = 204, description = "Revoked")))]
async fn revoke_asset_request(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, request_id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .revoke_asset_access(&caller, &id, &RequestId(request_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Returns 5 most recent data access requests with a terminal status as well as the approval records which
/// contributed to that status.
#[utoipa::path(get, path = "/api/asset/{id}/recent-determinations", operation_id = "RecentAssetDeterminations",
    tag = "Asset", summary = "Returns 5 most recent manual access determinations", security(("bearer" = [])),
    params(("id" = String, Path), DeterminationsQuery), responses((status = 200, body = RecentDeterminations)))]
async fn recent_asset_determinations(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<DeterminationsQuery>,
) -> Result<ApiJson<RecentDeterminations>, ApiError> {
    let request_type = query.request_type()?;
    let recent = state
        .app
        .recent_asset_determinations(&caller, &id, request_type)
        .await?;
    Ok(ApiJson(determinations::render(recent)))
}
