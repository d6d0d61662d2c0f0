//! Data products: publish, search, read, change and delete.

use super::asset_types::DataProductAsset;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, de, reject_if_any, whole_number};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use marketplace_domain::Timestamp;
use marketplace_domain::access::Person;
use marketplace_domain::catalog::{ProductMetadata, Role, can_manage_product, product_name_problems};
use marketplace_domain::review_flow::{FlowOwner, ReviewFlow};
use marketplace_store::{Product, ProductDraft, ProductSearch, ProductView, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub const NAME_TAKEN: &str = "Data Product name in use.";
/// The reference's maximum page of a cursor-paginated list.
pub const MAX_CURSOR_LIMIT: u64 = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_products, create_product))
        .routes(routes!(get_product, update_product, delete_product))
        .routes(routes!(product_by_name))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(title = "Data Product Stats")]
pub struct DataProductStats {
    data_source_count: u64,
    pending_request_count: u64,
    approved_request_count: u64,
    revoked_request_count: u64,
    canceled_request_count: u64,
    denied_request_count: u64,
    expired_request_count: u64,
    total_request_count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataProduct {
    id: String,
    name: String,
    description: Option<String>,
    domains: Vec<String>,
    suspended: bool,
    /// Global user id of the publisher
    created_by: Uuid,
    created_at: Timestamp,
    updated_at: Timestamp,
    /// The caller's relation to the product: their latest request status, `PUBLISHER`, or `NONE`.
    status: String,
    /// When the caller's access expires.
    expiration: Option<Timestamp>,
    stats: DataProductStats,
    /// The caller's latest request for the product.
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    source_types: Vec<String>,
    metadata: Option<ProductMetadata>,
    data_access_policy: ReviewFlow,
    masking_exception_policy: ReviewFlow,
    data_access_request_form_id: Uuid,
    masking_exception_request_form_id: Uuid,
}

/// Renders products with their stats, in order.
pub async fn render(state: &AppState, tenant_id: Uuid, views: Vec<ProductView>) -> Result<Vec<DataProduct>, ApiError> {
    let ids: Vec<String> = views.iter().map(|view| view.product.id.clone()).collect();
    let mut stats = state.store.product_stats(tenant_id, &ids).await?;
    Ok(views
        .into_iter()
        .map(|ProductView { product, caller }| {
            let numbers = stats.remove(&product.id).unwrap_or_default();
            let count = |status: &str| numbers.requests.get(status).copied().unwrap_or(0);
            DataProduct {
                stats: DataProductStats {
                    data_source_count: numbers.data_sources,
                    pending_request_count: count("PENDING"),
                    approved_request_count: count("APPROVED"),
                    revoked_request_count: count("REVOKED"),
                    canceled_request_count: count("CANCELED"),
                    denied_request_count: count("DENIED"),
                    expired_request_count: count("EXPIRED"),
                    total_request_count: numbers.requests.values().sum(),
                },
                source_types: numbers.source_types,
                id: product.id,
                name: product.name,
                description: product.description,
                domains: product.domains,
                suspended: product.suspended,
                created_by: product.created_by,
                created_at: product.created_at,
                updated_at: product.updated_at,
                status: caller.status,
                expiration: caller.expiration,
                request_id: caller.request_id,
                metadata: product.metadata,
                data_access_policy: product.data_access_policy,
                masking_exception_policy: product.masking_exception_policy,
                data_access_request_form_id: product.data_access_form_id,
                masking_exception_request_form_id: product.masking_exception_form_id,
            }
        })
        .collect())
}

impl DataProduct {
    /// The product as an asset (`type: DATA_PRODUCT`).
    pub fn into_asset(self) -> DataProductAsset {
        DataProductAsset {
            id: self.id,
            name: self.name,
            asset_type: "DATA_PRODUCT",
            created_at: self.created_at,
            updated_at: self.updated_at,
            dag_tag_id: None,
            request_id: self.request_id,
            status: self.status,
            description: self.description,
            domains: self.domains,
            subject_matter_experts: self.metadata.into_iter().map(|m| m.subject_matter_expert).collect(),
            suspended: self.suspended,
            created_by: self.created_by,
            expiration: self.expiration,
            stats: self.stats,
            data_access_policy: self.data_access_policy,
            masking_exception_policy: self.masking_exception_policy,
        }
    }
}

pub async fn render_one(
    state: &AppState,
    caller: &Caller,
    person: &Person,
    product: Product,
) -> Result<DataProduct, ApiError> {
    let view = state
        .store
        .product_view(caller.tenant_id, person, caller.user.id, product)
        .await?;
    let mut rendered = render(state, caller.tenant_id, vec![view]).await?;
    Ok(rendered.remove(0))
}

pub fn not_found() -> ApiError {
    ApiError::NotFound("Data product not found.".into())
}

/// The caller's product, or 404.
pub async fn find(state: &AppState, caller: &Caller, id: &str) -> Result<Product, ApiError> {
    state.store.product(caller.tenant_id, id).await?.ok_or_else(not_found)
}

pub fn require_manager(person: &Person, domains: &[String]) -> Result<(), ApiError> {
    match can_manage_product(person, domains.iter().map(String::as_str)) {
        true => Ok(()),
        false => Err(ApiError::Forbidden(
            "Managing this data product requires GOVERNANCE or Manage Data Products in each of its domains.".into(),
        )),
    }
}

fn name_taken(error: StoreError) -> ApiError {
    match error {
        StoreError::Duplicate => ApiError::Conflict(NAME_TAKEN.into()),
        other => other.into(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SourceRef {
    /// The data source's id
    #[serde(rename = "sourceId")]
    #[schema(rename = "sourceId", value_type = String)]
    source_id: Value,
}

/// Parses `[{sourceId}]`, where ids arrive as strings (`"1"`) or numbers.
pub fn source_ids(sources: &[SourceRef], problems: &mut Vec<String>) -> Vec<i64> {
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
#[serde(rename_all = "camelCase")]
pub struct CreateDataProduct {
    #[serde(default)]
    #[schema(required = true)]
    name: Option<String>,
    description: Option<String>,
    #[schema(required = true)]
    metadata: Option<ProductMetadata>,
    #[serde(default)]
    #[schema(required = true)]
    domains: Vec<String>,
    /// A client-chosen id (a UUID)
    id: Option<Uuid>,
    #[serde(default)]
    #[schema(required = true)]
    data_sources: Vec<SourceRef>,
    /// Deprecated: use dataAccessReviewFlow
    data_access_policy: Option<ReviewFlow>,
    /// Deprecated: use maskingExceptionReviewFlow
    masking_exception_policy: Option<ReviewFlow>,
    /// Deprecated: sets both request forms
    request_form_id: Option<String>,
    data_access_request_form_id: Option<String>,
    masking_exception_request_form_id: Option<String>,
    data_access_review_flow: Option<ReviewFlow>,
    masking_exception_review_flow: Option<ReviewFlow>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateDataProduct {
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ProductMetadata>)]
    metadata: Option<Option<ProductMetadata>>,
    domains: Option<Vec<String>>,
    /// Ignored: a product keeps its id
    id: Option<Uuid>,
    data_access_policy: Option<ReviewFlow>,
    masking_exception_policy: Option<ReviewFlow>,
    request_form_id: Option<String>,
    data_access_request_form_id: Option<String>,
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

/// A request form id as sent (a UUID); anything else names no form.
fn form_id(field: &str, id: Option<&String>, problems: &mut Vec<String>) -> Option<Uuid> {
    let id = id?;
    match Uuid::parse_str(id) {
        Ok(id) => Some(id),
        Err(_) => {
            problems.push(format!("{field}: no request form has the id {id}"));
            None
        }
    }
}

/// Checks the subject matter expert is a user of the tenant.
async fn check_expert(state: &AppState, tenant_id: Uuid, metadata: Option<&ProductMetadata>) -> Result<(), ApiError> {
    let Some(metadata) = metadata else { return Ok(()) };
    let id = metadata.subject_matter_expert.id;
    let found = state.store.search_users(tenant_id, None, &[id], 1).await?;
    match found.is_empty() {
        true => Err(ApiError::invalid(format!(
            "metadata.subjectMatterExpert.id: no user has the global user id {id}"
        ))),
        false => Ok(()),
    }
}

fn flow_problems(draft: &ProductDraft) -> Vec<String> {
    let mut problems = product_name_problems(&draft.name);
    if draft.domains.is_empty() {
        problems.push("domains must contain at least 1 elements".into());
    }
    problems.extend(
        draft
            .data_access_policy
            .problems("dataAccessReviewFlow", FlowOwner::Target),
    );
    problems.extend(
        draft
            .masking_exception_policy
            .problems("maskingExceptionReviewFlow", FlowOwner::Target),
    );
    problems
}

/// Search data products in the marketplace using the provided filters
#[utoipa::path(get, path = "/api/data-product", operation_id = "searchDataProducts", tag = "Data Product",
    summary = "Search data products across the marketplace", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, body = PaginatedDataProduct)))]
async fn search_products(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<ApiJson<PaginatedDataProduct>, ApiError> {
    let mut problems = Vec::new();
    let limit = whole_number("limit", query.limit, 10, 1, Some(MAX_CURSOR_LIMIT), &mut problems);
    let after = query.next_token.as_deref().map(|token| {
        decode_token::<(String, String)>(token).ok_or_else(|| "nextToken is not a token this API issued".to_owned())
    });
    let after = match after.transpose() {
        Ok(after) => after,
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    let roles = query
        .role_filter
        .iter()
        .map(|role| match role.as_str() {
            "manager" => Ok(Role::Manager),
            "member" => Ok(Role::Member),
            "steward" => Ok(Role::Steward),
            "noRole" => Ok(Role::NoRole),
            other => Err(format!(
                "roleFilter `{other}` must be one of manager, member, steward, noRole"
            )),
        })
        .filter_map(|role| role.map_err(|problem| problems.push(problem)).ok())
        .collect();
    for status in &query.status_filter {
        if !crate::routes::REQUEST_STATUSES.contains(&status.as_str()) {
            problems.push(format!(
                "statusFilter `{status}` must be one of {}",
                crate::routes::REQUEST_STATUSES.join(", ")
            ));
        }
    }
    if query.sort_by.as_deref().is_some_and(|by| by != "name") {
        problems.push("sortBy must be one of the following values: name".into());
    }
    let descending = match query.sort_order.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => {
            problems.push("sortOrder must be one of the following values: asc, desc".into());
            false
        }
    };
    reject_if_any(problems)?;
    let search = ProductSearch {
        name_filter: query.name_filter,
        descending,
        after,
        limit,
        statuses: query.status_filter,
        roles,
        expiration: query.expiration,
    };
    let person = caller.person(&state).await?;
    let (views, more) = state
        .store
        .search_products(caller.tenant_id, &person, caller.user.id, &search)
        .await?;
    let next_token = match (more, views.last()) {
        (true, Some(last)) => Some(encode_token(&(last.product.name.clone(), last.product.id.clone()))),
        _ => None,
    };
    Ok(ApiJson(PaginatedDataProduct {
        data: render(&state, caller.tenant_id, views).await?,
        meta: CursorMeta { next_token, limit },
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Pagination token to fetch the next page of results
    next_token: Option<String>,
    /// The number of items to return per page
    #[serde(default, deserialize_with = "de::number")]
    #[param(value_type = Option<f64>, minimum = 1, maximum = 100, default = 10)]
    limit: Option<f64>,
    #[param(value_type = Option<String>, default = "asc")]
    sort_order: Option<String>,
    #[param(value_type = Option<String>)]
    sort_by: Option<String>,
    name_filter: Option<String>,
    #[serde(default, deserialize_with = "de::list")]
    #[param(value_type = Option<Vec<String>>)]
    status_filter: Vec<String>,
    #[serde(default, deserialize_with = "de::list")]
    #[param(value_type = Option<Vec<String>>)]
    role_filter: Vec<String>,
    /// Filter data products by whether data access has an expiration.
    #[serde(default, deserialize_with = "de::boolean")]
    #[param(value_type = Option<bool>)]
    expiration: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CursorMeta {
    /// Pagination token to fetch the next page of results, or null if there are no more pages.
    next_token: Option<String>,
    limit: u64,
}

impl CursorMeta {
    pub fn new(next_token: Option<String>, limit: u64) -> Self {
        Self { next_token, limit }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaginatedDataProduct {
    data: Vec<DataProduct>,
    meta: CursorMeta,
}

/// An opaque cursor: the keyset position, base64url-encoded JSON.
pub fn encode_token<T: Serialize>(position: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(position).expect("a cursor position serialises"))
}

pub fn decode_token<T: serde::de::DeserializeOwned>(token: &str) -> Option<T> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    serde_json::from_slice(&bytes).ok()
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
    let access_form = form_id(
        "dataAccessRequestFormId",
        body.data_access_request_form_id
            .as_ref()
            .or(body.request_form_id.as_ref()),
        &mut problems,
    );
    let masking_form = form_id(
        "maskingExceptionRequestFormId",
        body.masking_exception_request_form_id
            .as_ref()
            .or(body.request_form_id.as_ref()),
        &mut problems,
    );
    let draft = ProductDraft {
        id: body.id.map(|id| id.to_string()),
        name: body.name.unwrap_or_default().trim().to_owned(),
        description: body.description,
        metadata: body.metadata,
        suspended: false,
        domains: body.domains,
        data_access_form_id: access_form,
        masking_exception_form_id: masking_form,
        data_access_policy: body
            .data_access_review_flow
            .or(body.data_access_policy)
            .unwrap_or_else(ReviewFlow::default_for_target),
        masking_exception_policy: body
            .masking_exception_review_flow
            .or(body.masking_exception_policy)
            .unwrap_or_else(ReviewFlow::default_for_target),
        data_sources: Some(sources),
    };
    problems.extend(flow_problems(&draft));
    reject_if_any(problems)?;
    let person = caller.person(&state).await?;
    require_manager(&person, &draft.domains)?;
    check_expert(&state, caller.tenant_id, draft.metadata.as_ref()).await?;
    let product = state
        .store
        .create_product(caller.tenant_id, draft, caller.user.global_user_id, Timestamp::now())
        .await
        .map_err(name_taken)?;
    Ok((
        StatusCode::CREATED,
        ApiJson(render_one(&state, &caller, &person, product).await?),
    ))
}

/// Get data product metadata for the specified data product ID
#[utoipa::path(get, path = "/api/data-product/{id}", operation_id = "getDataProductById", tag = "Data Product",
    summary = "Get data product by ID", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = DataProduct)))]
async fn get_product(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<ApiJson<DataProduct>, ApiError> {
    let product = find(&state, &caller, &id).await?;
    let person = caller.person(&state).await?;
    Ok(ApiJson(render_one(&state, &caller, &person, product).await?))
}

/// Get data product metadata for the specified data product name
#[utoipa::path(get, path = "/api/data-product/{name}/byName", operation_id = "getDataProductByName", tag = "Data Product",
    summary = "Get data product by name", security(("bearer" = [])), params(("name" = String, Path)),
    responses((status = 200, body = DataProduct)))]
async fn product_by_name(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<ApiJson<DataProduct>, ApiError> {
    let product = state
        .store
        .product_by_name(caller.tenant_id, &name)
        .await?
        .ok_or_else(not_found)?;
    let person = caller.person(&state).await?;
    Ok(ApiJson(render_one(&state, &caller, &person, product).await?))
}

/// Update an existing data product by ID: only the fields sent change.
#[utoipa::path(put, path = "/api/data-product/{id}", operation_id = "updateDataProduct", tag = "Data Product",
    summary = "Update an existing data product", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = UpdateDataProduct, responses((status = 200, body = DataProduct)))]
async fn update_product(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateDataProduct>,
) -> Result<ApiJson<DataProduct>, ApiError> {
    let current = find(&state, &caller, &id).await?;
    let mut problems = Vec::new();
    let access_form = form_id(
        "dataAccessRequestFormId",
        body.data_access_request_form_id
            .as_ref()
            .or(body.request_form_id.as_ref()),
        &mut problems,
    );
    let masking_form = form_id(
        "maskingExceptionRequestFormId",
        body.masking_exception_request_form_id
            .as_ref()
            .or(body.request_form_id.as_ref()),
        &mut problems,
    );
    let _ = body.id;
    let draft = ProductDraft {
        id: None,
        name: body.name.map(|name| name.trim().to_owned()).unwrap_or(current.name),
        description: body.description.unwrap_or(current.description),
        metadata: body.metadata.unwrap_or(current.metadata),
        suspended: body.suspended.unwrap_or(current.suspended),
        domains: body.domains.unwrap_or_else(|| current.domains.clone()),
        data_access_form_id: access_form.or(Some(current.data_access_form_id)),
        masking_exception_form_id: masking_form.or(Some(current.masking_exception_form_id)),
        data_access_policy: body
            .data_access_review_flow
            .or(body.data_access_policy)
            .unwrap_or(current.data_access_policy),
        masking_exception_policy: body
            .masking_exception_review_flow
            .or(body.masking_exception_policy)
            .unwrap_or(current.masking_exception_policy),
        data_sources: None,
    };
    problems.extend(flow_problems(&draft));
    reject_if_any(problems)?;
    let person = caller.person(&state).await?;
    require_manager(&person, &current.domains)?;
    require_manager(&person, &draft.domains)?;
    check_expert(&state, caller.tenant_id, draft.metadata.as_ref()).await?;
    let product = state
        .store
        .update_product(caller.tenant_id, &current.id, draft, Timestamp::now())
        .await
        .map_err(name_taken)?
        .ok_or_else(not_found)?;
    Ok(ApiJson(render_one(&state, &caller, &person, product).await?))
}

/// Delete the specified data product; its pending requests are canceled and the access it granted revoked.
#[utoipa::path(delete, path = "/api/data-product/{id}", operation_id = "deleteDataProduct", tag = "Data Product",
    summary = "Delete data product by ID", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200)))]
async fn delete_product(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<(), ApiError> {
    let product = find(&state, &caller, &id).await?;
    require_manager(&caller.person(&state).await?, &product.domains)?;
    match state
        .store
        .delete_product(caller.tenant_id, &product.id, Timestamp::now())
        .await?
    {
        true => Ok(()),
        false => Err(not_found()),
    }
}
