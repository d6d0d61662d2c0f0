//! What a data product is made of: its data sources, columns and request forms.

use super::allowed;
use super::products::{
    CursorMeta, DataProduct, MAX_CURSOR_LIMIT, SourceRef, decode_token, encode_token, render, source_ids,
};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, de, offset_page, reject_if_any, whole_number};
use crate::pagination::PaginationMeta;
use axum::extract::State;
use marketplace_app::catalog::{ColumnPage, SourcePage, SourcesOf};
use marketplace_app::model::ColumnFilter;
use marketplace_domain::ids::{GlobalUserId, ProductId};
use marketplace_domain::pagination::PageMeta;
use marketplace_domain::request_form::FormSnapshot;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_sources, update_sources))
        .routes(routes!(all_sources))
        .routes(routes!(product_forms))
        .routes(routes!(product_columns))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateDataSources {
    /// Stricter than Immuta's document: at most 1000.
    #[serde(default)]
    #[schema(required = true, max_items = 1000)]
    data_sources: Vec<SourceRef>,
}

/// Update the data sources associated with the data product. Any currently associated data sources not included
/// in the payload will be removed.
#[utoipa::path(put, path = "/api/data-product/{id}/datasources", operation_id = "updateDataSources",
    tag = "Data Product", summary = "Update the data product's data sources", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = UpdateDataSources, responses((status = 200, body = DataProduct)))]
async fn update_sources(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateDataSources>,
) -> Result<ApiJson<DataProduct>, ApiError> {
    let mut problems = Vec::new();
    let sources = source_ids(&body.data_sources, &mut problems);
    let product = state
        .app
        .replace_product_sources(&caller, &ProductId(id), sources, problems.into())
        .await?;
    Ok(ApiJson(render(product)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SourcesQuery {
    /// Pagination token to fetch the next page of results
    next_token: Option<String>,
    /// The number of items to return per page. Stricter than Immuta's document: a whole number.
    #[serde(default, deserialize_with = "de::number")]
    #[param(value_type = Option<f64>, minimum = 1, maximum = 100, multiple_of = 1.0, default = 10)]
    limit: Option<f64>,
    /// The global user ID to search data source access status for (default: the caller)
    #[param(value_type = Option<String>, format = Uuid)]
    user: Option<String>,
    /// Data source name to filter by
    #[param(default = "")]
    name_filter: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataSourceWithStatus {
    /// The link between product and data source
    id: String,
    name: String,
    /// The data source's technology
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    platform: String,
    source_id: String,
    hostname: Option<String>,
    database: Option<String>,
    schema: Option<String>,
    table: Option<String>,
    prefix: Option<String>,
    /// `SUBSCRIBED` when the user holds approved access to the product, else `NONE`
    status: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaginatedDataSourceWithStatus {
    data: Vec<DataSourceWithStatus>,
    meta: CursorMeta,
}

/// Search all data sources for the data product using the provided filters
#[utoipa::path(get, path = "/api/data-product/{id}/datasources", operation_id = "searchDataSources",
    tag = "Data Product", summary = "Search all data sources in the data product", security(("bearer" = [])),
    params(("id" = String, Path), SourcesQuery), responses((status = 200, body = PaginatedDataSourceWithStatus)))]
async fn search_sources(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<SourcesQuery>,
) -> Result<ApiJson<PaginatedDataSourceWithStatus>, ApiError> {
    let mut problems = Vec::new();
    let limit = whole_number("limit", query.limit, 10, 1, Some(MAX_CURSOR_LIMIT), &mut problems);
    let after = match query.next_token.as_deref().map(decode_token::<i64>) {
        Some(None) => {
            problems.push("nextToken is not a token this API issued".to_owned());
            None
        }
        other => other.flatten(),
    };
    let user = match query.user.as_deref().map(Uuid::parse_str) {
        Some(Err(_)) => {
            problems.push("user must be a UUID".to_owned());
            None
        }
        other => other.and_then(Result::ok),
    };
    reject_if_any(problems)?;
    let whose = match user {
        Some(user) => SourcesOf::User(GlobalUserId(user)),
        None => SourcesOf::Actor,
    };
    let SourcePage { sources, more, member } = state
        .app
        .product_sources(
            &caller,
            &ProductId(id),
            whose,
            query.name_filter.as_deref(),
            after,
            limit,
        )
        .await?;
    let next_token = more
        .then(|| sources.last().map(|source| encode_token(&source.source_id)))
        .flatten();
    let data = sources
        .into_iter()
        .map(|source| DataSourceWithStatus {
            id: source.link_id,
            name: source.name,
            platform: source.platform,
            source_id: source.source_id.to_string(),
            hostname: source.hostname,
            database: source.database,
            schema: source.schema,
            table: source.table,
            prefix: source.prefix,
            status: if member { "SUBSCRIBED" } else { "NONE" },
        })
        .collect();
    Ok(ApiJson(PaginatedDataSourceWithStatus {
        data,
        meta: CursorMeta::new(next_token, limit),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SourceId {
    source_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AllDataSources {
    data_sources: Vec<SourceId>,
}

#[utoipa::path(get, path = "/api/data-product/{id}/datasources/all", operation_id = "getAllDataSources",
    tag = "Data Product", summary = "Get all data sources in the data product", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = AllDataSources)))]
async fn all_sources(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<AllDataSources>, ApiError> {
    let ids = state.app.product_source_ids(&caller, &ProductId(id)).await?;
    Ok(ApiJson(AllDataSources {
        data_sources: ids
            .into_iter()
            .map(|id| SourceId {
                source_id: id.to_string(),
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataProductRequestForm {
    #[serde(flatten)]
    form: FormSnapshot,
    /// The asset the form was inherited from; a data product's forms are its own, so never sent here.
    #[serde(skip_serializing_if = "Option::is_none")]
    inherited_from: Option<super::asset_types::DataObjectAsset>,
    /// `DATA_ACCESS` or `MASKING_EXCEPTION`
    request_type: &'static str,
}

/// Get all the request forms for the specified data product: one per request type.
#[utoipa::path(get, path = "/api/data-product/{id}/request-forms", operation_id = "getRequestForms",
    tag = "Data Product", summary = "View all request forms for a data product", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Vec<DataProductRequestForm>)))]
async fn product_forms(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<Vec<DataProductRequestForm>>, ApiError> {
    let forms = state.app.product_forms(&caller, &ProductId(id)).await?;
    Ok(ApiJson(
        forms
            .into_iter()
            .map(|form| DataProductRequestForm {
                form: form.form,
                inherited_from: None,
                request_type: form.request_type.as_str(),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ColumnsQuery {
    /// Stricter than Immuta's document: a whole number, at most 2⁶³ − 1.
    #[serde(default, deserialize_with = "de::number")]
    #[param(
        value_type = Option<f64>, minimum = 0, maximum = 9_223_372_036_854_775_807_i64, multiple_of = 1.0, default = 0
    )]
    offset: Option<f64>,
    /// Stricter than Immuta's document: a whole number (above 1000 it is served as 1000).
    #[serde(default, deserialize_with = "de::number")]
    #[param(value_type = Option<f64>, minimum = 1, multiple_of = 1.0, default = 10)]
    limit: Option<f64>,
    #[param(value_type = Option<allowed::SortOrder>, inline)]
    sort_order: Option<String>,
    /// Search text to filter data source columns
    search_text: Option<String>,
    /// Whether to filter columns that have a masking policy applied to them
    #[serde(default, deserialize_with = "de::boolean")]
    #[param(value_type = Option<bool>, default = false)]
    masked_only: Option<bool>,
    /// Stricter than Immuta's document: whole numbers.
    #[serde(default, deserialize_with = "de::list")]
    #[param(value_type = Option<Vec<i64>>)]
    tag_ids: Vec<String>,
    /// Same as sortOrder, in capitals
    #[param(value_type = Option<allowed::SortDirection>, inline)]
    dir: Option<String>,
    /// Stricter than Immuta's document: whole numbers.
    #[serde(default, deserialize_with = "de::list")]
    #[param(value_type = Option<Vec<i64>>)]
    data_source_ids: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyInfo {
    /// The type of masking policy that was applied
    masking_type: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataSourceColumn {
    name: String,
    source_id: String,
    source_name: String,
    /// Names of the tags on the column
    tags: Vec<String>,
    /// The data source technology
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    platform: String,
    global_policy_info: Option<PolicyInfo>,
    local_policy_info: Option<PolicyInfo>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaginatedImmutaDataSourceColumns {
    data: Vec<DataSourceColumn>,
    meta: PaginationMeta,
}

fn numbers(name: &str, values: &[String], problems: &mut Vec<String>) -> Vec<i64> {
    values
        .iter()
        .filter_map(|value| match value.parse::<f64>() {
            Ok(number) if number.fract() == 0.0 => Some(number as i64),
            _ => {
                problems.push(format!(
                    "each value in {name} must be a number conforming to the specified constraints"
                ));
                None
            }
        })
        .collect()
}

/// Search and filter columns in the data product using the provided filters
#[utoipa::path(get, path = "/api/data-product/{id}/columns", operation_id = "searchDataProductColumns",
    tag = "Data Product", summary = "Search columns in data product", security(("bearer" = [])),
    params(("id" = String, Path), ColumnsQuery), responses((status = 200, body = PaginatedImmutaDataSourceColumns)))]
async fn product_columns(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<ColumnsQuery>,
) -> Result<ApiJson<PaginatedImmutaDataSourceColumns>, ApiError> {
    let mut problems = Vec::new();
    let page = offset_page(query.offset, query.limit, &mut problems);
    let descending = match (query.sort_order.as_deref(), query.dir.as_deref()) {
        (Some("desc"), _) | (None, Some("DESC")) => true,
        (Some("asc") | None, Some("ASC") | None) | (Some("asc"), Some("DESC")) => false,
        _ => {
            problems.push("sortOrder must be asc or desc, dir ASC or DESC".into());
            false
        }
    };
    let filter = ColumnFilter {
        search_text: query.search_text,
        masked_only: query.masked_only.unwrap_or(false),
        tag_ids: numbers("tagIds", &query.tag_ids, &mut problems),
        data_source_ids: numbers("dataSourceIds", &query.data_source_ids, &mut problems),
        descending,
        page,
    };
    reject_if_any(problems)?;
    let ColumnPage { columns, total } = state.app.product_columns(&caller, &ProductId(id), &filter).await?;
    let meta = PageMeta::new(page, total, columns.len() as u64).into();
    let info = |masking: Option<String>| masking.map(|masking_type| PolicyInfo { masking_type });
    Ok(ApiJson(PaginatedImmutaDataSourceColumns {
        data: columns
            .into_iter()
            .map(|column| DataSourceColumn {
                name: column.name,
                source_id: column.source_id.to_string(),
                source_name: column.source_name,
                tags: column.tags,
                platform: column.platform,
                global_policy_info: info(column.global_masking),
                local_policy_info: info(column.local_masking),
            })
            .collect(),
        meta,
    }))
}
