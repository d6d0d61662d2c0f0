//! Masking exceptions: asking to see some masked columns of a product unmasked, the columns a request names,
//! and the columns a user holds through approved exceptions.

use super::request_views::{HydratedAccessRequest, render};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, de, offset_page, reject_if_any};
use crate::pagination::PaginationMeta;
use axum::extract::State;
use axum::http::StatusCode;
use marketplace_app::requests::{ColumnRef, Submit};
use marketplace_domain::ids::{GlobalUserId, ProductId, RequestId};
use marketplace_domain::pagination::PageMeta;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_masking_exception))
        .routes(routes!(request_columns))
        .routes(routes!(approved_columns))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MaskedColumnRef {
    /// The name of the column to request masking exception for
    column_name: String,
    /// The ID of the data source this column belongs to. Stricter than Immuta's document: digits.
    #[schema(pattern = r"^-?[0-9]{1,18}$")]
    source_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMaskingExceptionRequest {
    /// Immuta global user ID of the user for whom access is being requested
    user: Uuid,
    /// The request form submission
    #[serde(default)]
    form: Option<Value>,
    /// List of columns to request masking exception for. Stricter than Immuta's document: 1 to 500 of them.
    #[schema(min_items = 1, max_items = 500)]
    columns: Vec<MaskedColumnRef>,
}

/// Create a new masking exception request for specific columns in the specified data product
#[utoipa::path(post, path = "/api/data-product/{id}/request/masking-exception", operation_id = "requestMaskingException",
    tag = "Data Product", summary = "Request masking exception to columns in a data product", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = CreateMaskingExceptionRequest,
    responses((status = 201, body = HydratedAccessRequest)))]
async fn request_masking_exception(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<CreateMaskingExceptionRequest>,
) -> Result<(StatusCode, ApiJson<HydratedAccessRequest>), ApiError> {
    let submit = Submit {
        user: GlobalUserId(body.user),
        form: body.form,
    };
    let columns: Vec<ColumnRef> = body.columns.into_iter().map(ColumnRef::from).collect();
    let shown = state
        .app
        .request_masking_exception(&caller, &ProductId(id), submit, &columns)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(render(shown)?)))
}

impl From<MaskedColumnRef> for ColumnRef {
    fn from(column: MaskedColumnRef) -> Self {
        ColumnRef {
            source_id: column.source_id,
            column_name: column.column_name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GlobalPolicyInfo {
    masking_type: String,
    matching_tag: Option<String>,
    matching_regex: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MaskingExceptionColumn {
    name: String,
    source_id: String,
    source_name: String,
    tags: Vec<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    column_type: Option<String>,
    global_policy_info: Option<GlobalPolicyInfo>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaginatedMaskingExceptionColumns {
    data: Vec<MaskingExceptionColumn>,
    meta: PaginationMeta,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Stricter than Immuta's document: a whole number, at most 2⁶³ − 1.
    #[serde(default, deserialize_with = "de::number")]
    #[param(
        value_type = Option<f64>, minimum = 0, maximum = 9_223_372_036_854_775_807_i64, multiple_of = 1.0, default = 0
    )]
    pub offset: Option<f64>,
    /// Stricter than Immuta's document: a whole number (above 1000 it is served as 1000).
    #[serde(default, deserialize_with = "de::number")]
    #[param(value_type = Option<f64>, minimum = 1, multiple_of = 1.0, default = 10)]
    pub limit: Option<f64>,
}

/// Search masking exception columns associated with a specific masking exception request
#[utoipa::path(get, path = "/api/access-request/{id}/masking-exception-columns",
    operation_id = "searchAccessRequestMaskingExceptionColumns", tag = "Access Request",
    summary = "Search masking exception columns associated with the masking exception request",
    security(("bearer" = [])), params(("id" = String, Path), PageQuery),
    responses((status = 200, body = PaginatedMaskingExceptionColumns)))]
async fn request_columns(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<ApiJson<PaginatedMaskingExceptionColumns>, ApiError> {
    let mut problems = Vec::new();
    let page = offset_page(query.offset, query.limit, &mut problems);
    reject_if_any(problems)?;
    // A request names at most 500 columns, so the page is cut from them in memory.
    let columns = state.app.request_columns(&caller, &RequestId(id)).await?;
    let total = columns.len() as u64;
    let data: Vec<MaskingExceptionColumn> = columns
        .into_iter()
        .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(page.limit).unwrap_or(usize::MAX))
        .map(|column| MaskingExceptionColumn {
            name: column.column_name,
            source_id: column.data_source_id.to_string(),
            source_name: column.source_name,
            tags: column.tags,
            column_type: column.column_type,
            global_policy_info: column.masking_type.map(|masking_type| GlobalPolicyInfo {
                masking_type,
                matching_tag: None,
                matching_regex: None,
            }),
        })
        .collect();
    let meta = PageMeta::new(page, total, data.len() as u64);
    Ok(ApiJson(PaginatedMaskingExceptionColumns {
        data,
        meta: meta.into(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ApprovedColumnsQuery {
    /// The user's global user id. Stricter than Immuta's document: a UUID.
    #[param(required = true, format = Uuid)]
    user_id: Option<String>,
}

/// Returns the list of approved masking exception columns for the specified user
#[utoipa::path(get, path = "/api/access-request/approved-masking-exception-columns",
    operation_id = "getApprovedMaskingExceptionColumns", tag = "Access Request",
    summary = "Get the list of approved masking exception columns for the specified user",
    security(("bearer" = [])), params(ApprovedColumnsQuery),
    responses((status = 200, body = Vec<MaskedColumnRef>)))]
async fn approved_columns(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ApprovedColumnsQuery>,
) -> Result<ApiJson<Vec<MaskedColumnRef>>, ApiError> {
    let text = query.user_id.unwrap_or_default();
    let global_id = Uuid::parse_str(text.trim())
        .map_err(|_| ApiError::invalid(format!("userId `{text}` must be a global user id")))?;
    let columns = state.app.approved_masking_columns(&caller, global_id).await?;
    Ok(ApiJson(
        columns
            .into_iter()
            .map(|(source, name)| MaskedColumnRef {
                column_name: name,
                source_id: source.to_string(),
            })
            .collect(),
    ))
}
