//! Data products: publish, search, read, change and delete.

pub use super::product_search::{CursorMeta, decode_token, encode_token};
pub use super::product_view::{DataProduct, DataProductStats, render};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use axum::extract::State;
use axum::http::StatusCode;
use marketplace_app::catalog::{ProductChanges, ProductInput};
use marketplace_domain::catalog::ProductMetadata;
use marketplace_domain::ids::ProductId;
use marketplace_domain::review_flow::ReviewFlow;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

/// The reference's maximum page of a cursor-paginated list.
pub const MAX_CURSOR_LIMIT: u64 = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(super::product_search::search_products, create_product))
        .routes(routes!(get_product, update_product, delete_product))
        .routes(routes!(product_by_name))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    /// The data source's id (a whole JSON number is accepted too). Stricter than Immuta's document: digits.
    #[serde(rename = "sourceId")]
    #[schema(rename = "sourceId", value_type = String, pattern = r"^-?[0-9]{1,18}$")]
    source_id: Value,
}

/// The most data sources one request may name; keeps a single body's work bounded.
const MAX_SOURCES_PER_CHANGE: usize = 1000;

/// Parses `[{sourceId}]`, where ids arrive as strings (`"1"`) or numbers.
pub fn source_ids(sources: &[SourceRef], problems: &mut Vec<String>) -> Vec<i64> {
    if sources.len() > MAX_SOURCES_PER_CHANGE {
        problems.push(format!(
            "dataSources: at most {MAX_SOURCES_PER_CHANGE} data sources per request"
        ));
        return Vec::new();
    }
    let mut ids = Vec::new();
    for source in sources {
        let id = match &source.source_id {
            Value::String(text) => text.trim().parse::<i64>().ok(),
            Value::Number(number) => number
                .as_i64()
                .or_else(|| number.as_f64().filter(|n| n.fract() == 0.0).map(|n| n as i64)),
            _ => None,
        };
        match id {
            Some(id) if !ids.contains(&id) => ids.push(id),
            Some(_) => {}
            None => problems.push(format!("dataSources: `{}` is not a data source id", source.source_id)),
        }
    }
    ids
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateDataProduct {
    /// Stricter than Immuta's document: must hold more than white space.
    #[serde(default)]
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 255,
        pattern = r"^[\p{L}\p{M}\p{N})(\-_/\\\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[\p{L}\p{M}\p{N})(\-_/\\][\p{L}\p{M}\p{N})(\-_/\\\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    name: Option<String>,
    description: Option<String>,
    #[schema(required = true)]
    metadata: Option<ProductMetadata>,
    #[serde(default)]
    #[schema(required = true, min_items = 1)]
    domains: Vec<String>,
    /// A client-chosen id (a UUID)
    id: Option<Uuid>,
    /// Stricter than Immuta's document: at most 1000.
    #[serde(default)]
    #[schema(required = true, max_items = 1000)]
    data_sources: Vec<SourceRef>,
    /// Deprecated: use dataAccessReviewFlow
    data_access_policy: Option<ReviewFlow>,
    /// Deprecated: use maskingExceptionReviewFlow
    masking_exception_policy: Option<ReviewFlow>,
    /// Deprecated: sets both request forms. Stricter than Immuta's document: a request form's id (a UUID).
    #[schema(format = Uuid)]
    request_form_id: Option<String>,
    /// Stricter than Immuta's document: a request form's id (a UUID).
    #[schema(format = Uuid)]
    data_access_request_form_id: Option<String>,
    /// Stricter than Immuta's document: a request form's id (a UUID).
    #[schema(format = Uuid)]
    masking_exception_request_form_id: Option<String>,
    data_access_review_flow: Option<ReviewFlow>,
    masking_exception_review_flow: Option<ReviewFlow>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateDataProduct {
    /// Stricter than Immuta's document: must hold more than white space.
    #[schema(
        min_length = 1,
        max_length = 255,
        pattern = r"^[\p{L}\p{M}\p{N})(\-_/\\\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[\p{L}\p{M}\p{N})(\-_/\\][\p{L}\p{M}\p{N})(\-_/\\\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ProductMetadata>)]
    metadata: Option<Option<ProductMetadata>>,
    #[schema(min_items = 1)]
    domains: Option<Vec<String>>,
    /// Ignored: a product keeps its id
    id: Option<Uuid>,
    data_access_policy: Option<ReviewFlow>,
    masking_exception_policy: Option<ReviewFlow>,
    /// Deprecated: sets both request forms. Stricter than Immuta's document: a request form's id (a UUID).
    #[schema(format = Uuid)]
    request_form_id: Option<String>,
    /// Stricter than Immuta's document: a request form's id (a UUID).
    #[schema(format = Uuid)]
    data_access_request_form_id: Option<String>,
    /// Stricter than Immuta's document: a request form's id (a UUID).
    #[schema(format = Uuid)]
    masking_exception_request_form_id: Option<String>,
    data_access_review_flow: Option<ReviewFlow>,
    masking_exception_review_flow: Option<ReviewFlow>,
    suspended: Option<bool>,
}

/// Tells a field sent as `null` (`Some(None)`) from one not sent (`None`).
fn present<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Add one or more data products to the marketplace
#[utoipa::path(post, path = "/api/data-product", operation_id = "createDataProduct", tag = "Data Product",
    summary = "Add new data products to the marketplace", security(("bearer" = [])), request_body = CreateDataProduct,
    responses((status = 201, body = DataProduct), (status = 409, description = "Data Product name in use.")))]
async fn create_product(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateDataProduct>,
) -> Result<(StatusCode, ApiJson<DataProduct>), ApiError> {
    let mut problems = Vec::new();
    let sources = source_ids(&body.data_sources, &mut problems);
    // The deprecated `requestFormId` sets both forms unless one is named.
    let input = ProductInput {
        id: body.id.map(|id| ProductId(id.to_string())),
        name: body.name.unwrap_or_default(),
        description: body.description,
        metadata: body.metadata,
        domains: body.domains,
        data_sources: sources,
        data_access_form: body.data_access_request_form_id.or(body.request_form_id.clone()),
        masking_exception_form: body.masking_exception_request_form_id.or(body.request_form_id),
        data_access_policy: body.data_access_review_flow.or(body.data_access_policy),
        masking_exception_policy: body.masking_exception_review_flow.or(body.masking_exception_policy),
    };
    let product = state.app.publish_product(&caller, input, problems.into()).await?;
    Ok((StatusCode::CREATED, ApiJson(render(product))))
}

/// Get data product metadata for the specified data product ID
#[utoipa::path(get, path = "/api/data-product/{id}", operation_id = "getDataProductById", tag = "Data Product",
    summary = "Get data product by ID", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = DataProduct)))]
async fn get_product(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<DataProduct>, ApiError> {
    Ok(ApiJson(render(state.app.product(&caller, &ProductId(id)).await?)))
}

/// Get data product metadata for the specified data product name
#[utoipa::path(get, path = "/api/data-product/{name}/byName", operation_id = "getDataProductByName", tag = "Data Product",
    summary = "Get data product by name", security(("bearer" = [])), params(("name" = String, Path)),
    responses((status = 200, body = DataProduct)))]
async fn product_by_name(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<String>,
) -> Result<ApiJson<DataProduct>, ApiError> {
    Ok(ApiJson(render(state.app.product_by_name(&caller, &name).await?)))
}

/// Update an existing data product by ID: only the fields sent change.
#[utoipa::path(put, path = "/api/data-product/{id}", operation_id = "updateDataProduct", tag = "Data Product",
    summary = "Update an existing data product", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = UpdateDataProduct, responses((status = 200, body = DataProduct)))]
async fn update_product(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateDataProduct>,
) -> Result<ApiJson<DataProduct>, ApiError> {
    // A product keeps its id; the deprecated `requestFormId` sets both forms unless one is named.
    let _ = body.id;
    let changes = ProductChanges {
        name: body.name,
        description: body.description,
        metadata: body.metadata,
        suspended: body.suspended,
        domains: body.domains,
        data_access_form: body.data_access_request_form_id.or(body.request_form_id.clone()),
        masking_exception_form: body.masking_exception_request_form_id.or(body.request_form_id),
        data_access_policy: body.data_access_review_flow.or(body.data_access_policy),
        masking_exception_policy: body.masking_exception_review_flow.or(body.masking_exception_policy),
    };
    let product = state
        .app
        .change_product(&caller, &ProductId(id), changes, Vec::new().into())
        .await?;
    Ok(ApiJson(render(product)))
}

/// Delete the specified data product; its pending requests are canceled and the access it granted revoked.
#[utoipa::path(delete, path = "/api/data-product/{id}", operation_id = "deleteDataProduct", tag = "Data Product",
    summary = "Delete data product by ID", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200)))]
async fn delete_product(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<(), ApiError> {
    Ok(state.app.delete_product(&caller, &ProductId(id)).await?)
}
