//! Requesting access to a data product, revoking access it granted, and its recent determinations.

use super::determinations::{self, DeterminationsQuery, RecentDeterminations};
use super::request_views::{HydratedAccessRequest, render};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::extract::State;
use axum::http::StatusCode;
use marketplace_app::requests::Submit;
use marketplace_domain::ids::{GlobalUserId, ProductId, RequestId};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_access))
        .routes(routes!(revoke_access))
        .routes(routes!(recent_determinations))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccessRequest {
    /// Immuta global user ID of the user for whom access is being requested
    user: Uuid,
    /// The request form submission
    #[serde(default)]
    form: Option<Value>,
}

/// Create a new data access request for the specified data product
#[utoipa::path(post, path = "/api/data-product/{id}/request", operation_id = "requestAccess",
    tag = "Data Product", summary = "Request access to a data product", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = CreateAccessRequest,
    responses((status = 201, body = HydratedAccessRequest)))]
async fn request_access(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<CreateAccessRequest>,
) -> Result<(StatusCode, ApiJson<HydratedAccessRequest>), ApiError> {
    let submit = Submit {
        user: GlobalUserId(body.user),
        form: body.form,
    };
    let shown = state
        .app
        .request_product_access(&caller, &ProductId(id), submit)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(render(shown)?)))
}

/// Updates the specified access request to revoked and revokes access to data sources associated with the data
/// product
#[utoipa::path(delete, path = "/api/data-product/{id}/request/{requestId}", operation_id = "revokeAccess",
    tag = "Data Product", summary = "Revoke access to a data product", security(("bearer" = [])),
    params(("id" = String, Path), ("requestId" = String, Path)),
    responses((status = 204, description = "Revoked")))]
async fn revoke_access(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, request_id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .revoke_product_access(&caller, &ProductId(id), &RequestId(request_id), None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Returns 5 most recent data access requests with a terminal status as well as the approval records which
/// contributed to that status.
#[utoipa::path(get, path = "/api/data-product/{id}/recent-determinations", operation_id = "recentDeterminations",
    tag = "Data Product", summary = "Returns 5 most recent manual access determinations", security(("bearer" = [])),
    params(("id" = String, Path), DeterminationsQuery), responses((status = 200, body = RecentDeterminations)))]
async fn recent_determinations(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<DeterminationsQuery>,
) -> Result<ApiJson<RecentDeterminations>, ApiError> {
    let request_type = query.request_type()?;
    let recent = state
        .app
        .recent_product_determinations(&caller, &ProductId(id), request_type)
        .await?;
    Ok(ApiJson(determinations::render(recent)))
}
