//! Masking exceptions: asking to see some masked columns of a product unmasked, the columns a request names,
//! and the columns a user holds through approved exceptions.

use super::access_requests;
use super::products;
use super::request_targets::{Subject, submit};
use super::request_views::HydratedAccessRequest;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, de, offset_page, reject_if_any};
use crate::pagination::PaginationMeta;
use axum::extract::State;
use axum::http::StatusCode;
use marketplace_domain::pagination::{MAX_LIMIT, OffsetPage, PageMeta};
use marketplace_domain::permissions::GlobalPermission;
use marketplace_store::{ColumnFilter, RequestedColumn};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

/// The most columns one masking exception may name.
const MAX_COLUMNS: usize = 500;

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
    let product = products::find(&state, &caller, &id).await?;
    let columns = masked_columns(&state, &caller, ColumnScope::Product(&product.id), &body.columns).await?;
    let request = submit(
        &state,
        &caller,
        &Subject::product(&product),
        body.user,
        body.form.as_ref(),
        columns,
    )
    .await?;
    Ok((StatusCode::CREATED, ApiJson(request)))
}

/// Where requested columns must be found.
pub(super) enum ColumnScope<'a> {
    /// The data sources of a product.
    Product(&'a str),
    /// These data sources (those a data object holds).
    Sources(&'a [i64]),
}

/// The requested columns as they are now; each must be a masked column in scope, named once.
pub(super) async fn masked_columns(
    state: &AppState,
    caller: &Caller,
    scope: ColumnScope<'_>,
    requested: &[MaskedColumnRef],
) -> Result<Vec<RequestedColumn>, ApiError> {
    let mut problems = Vec::new();
    if requested.is_empty() || requested.len() > MAX_COLUMNS {
        problems.push(format!("columns must name between 1 and {MAX_COLUMNS} columns"));
    }
    let wanted: Vec<(usize, i64, &str)> = requested
        .iter()
        .enumerate()
        .filter_map(|(index, column)| match column.source_id.trim().parse::<i64>() {
            Ok(source) => Some((index, source, column.column_name.as_str())),
            Err(_) => {
                problems.push(format!(
                    "columns[{index}].sourceId `{}` is not a data source id",
                    column.source_id
                ));
                None
            }
        })
        .collect();
    reject_if_any(std::mem::take(&mut problems))?;
    let mut sources: Vec<i64> = wanted.iter().map(|(_, source, _)| *source).collect();
    sources.sort_unstable();
    sources.dedup();
    let (product, what) = match scope {
        ColumnScope::Product(id) => (Some(id), "data product"),
        ColumnScope::Sources(held) => {
            sources.retain(|source| held.contains(source));
            (None, "asset")
        }
    };
    let filter = ColumnFilter {
        search_text: None,
        masked_only: true,
        tag_ids: Vec::new(),
        data_source_ids: sources,
        descending: false,
        page: OffsetPage::new(0, MAX_LIMIT),
    };
    let (masked, _) = state.store.columns(caller.tenant_id, product, &filter).await?;
    let mut columns = Vec::new();
    for (index, source, name) in wanted {
        match masked
            .iter()
            .find(|column| column.source_id == source && column.name == name)
        {
            Some(column)
                if !columns
                    .iter()
                    .any(|c: &RequestedColumn| c.data_source_id == source && c.column_name == name) =>
            {
                columns.push(RequestedColumn {
                    data_source_id: source,
                    column_name: column.name.clone(),
                    source_name: column.source_name.clone(),
                    column_type: Some(column.platform.clone()),
                    tags: column.tags.clone(),
                    masking_type: column.global_masking.clone().or_else(|| column.local_masking.clone()),
                });
            }
            Some(_) => problems.push(format!(
                "columns[{index}]: `{name}` of data source {source} is named twice"
            )),
            None => problems.push(format!(
                "columns[{index}]: `{name}` is not a masked column of data source {source} in this {what}"
            )),
        }
    }
    reject_if_any(problems)?;
    Ok(columns)
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
    let person = caller.person(&state).await?;
    access_requests::visible(&state, &caller, &person, &id).await?;
    // A request names at most MAX_COLUMNS columns, so the page is cut from them in memory.
    let columns = state.store.request_columns(caller.tenant_id, &id).await?;
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
    let person = caller.person(&state).await?;
    let allowed = global_id == caller.user.global_user_id
        || person.has(GlobalPermission::Governance)
        || person.has(GlobalPermission::Audit);
    if !allowed {
        return Err(ApiError::Forbidden(
            "Another user's masking exceptions are visible to GOVERNANCE and AUDIT only.".into(),
        ));
    }
    let users = state
        .store
        .search_users(caller.tenant_id, None, &[global_id], 1)
        .await?;
    let Some((user, _)) = users.into_iter().next() else {
        return Ok(ApiJson(Vec::new()));
    };
    let columns = state.store.approved_masking_columns(caller.tenant_id, user.id).await?;
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
