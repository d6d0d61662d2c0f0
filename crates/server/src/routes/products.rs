//! Data products: publish, search, read, change and delete.

pub use super::product_search::{CursorMeta, decode_token, encode_token};
pub use super::product_view::{DataProduct, DataProductStats, render, render_one};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, reject_if_any};
use axum::extract::State;
use axum::http::StatusCode;
use marketplace_domain::Timestamp;
use marketplace_domain::access::Person;
use marketplace_domain::catalog::{ProductMetadata, can_manage_product, product_name_problems};
use marketplace_domain::review_flow::{FlowOwner, ReviewFlow};
use marketplace_store::{Product, ProductDraft, StoreError};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub const NAME_TAKEN: &str = "Data Product name in use.";
/// The reference's maximum page of a cursor-paginated list.
pub const MAX_CURSOR_LIMIT: u64 = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(super::product_search::search_products, create_product))
        .routes(routes!(get_product, update_product, delete_product))
        .routes(routes!(product_by_name))
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

/// The two request forms a body names; the deprecated `requestFormId` sets both unless one is named.
fn request_forms(
    both: Option<&String>,
    data_access: Option<&String>,
    masking_exception: Option<&String>,
    problems: &mut Vec<String>,
) -> (Option<Uuid>, Option<Uuid>) {
    (
        form_id("dataAccessRequestFormId", data_access.or(both), problems),
        form_id("maskingExceptionRequestFormId", masking_exception.or(both), problems),
    )
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
pub(super) async fn check_expert(
    state: &AppState,
    tenant_id: Uuid,
    metadata: Option<&ProductMetadata>,
) -> Result<(), ApiError> {
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
    let (access_form, masking_form) = request_forms(
        body.request_form_id.as_ref(),
        body.data_access_request_form_id.as_ref(),
        body.masking_exception_request_form_id.as_ref(),
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
    ApiPath(id): ApiPath<String>,
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
    ApiPath(name): ApiPath<String>,
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
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateDataProduct>,
) -> Result<ApiJson<DataProduct>, ApiError> {
    let current = find(&state, &caller, &id).await?;
    let mut problems = Vec::new();
    let (access_form, masking_form) = request_forms(
        body.request_form_id.as_ref(),
        body.data_access_request_form_id.as_ref(),
        body.masking_exception_request_form_id.as_ref(),
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
        .update_product(caller.tenant_id, &current.id, draft, caller.user.id, Timestamp::now())
        .await
        .map_err(name_taken)?
        .ok_or_else(not_found)?;
    Ok(ApiJson(render_one(&state, &caller, &person, product).await?))
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
    let product = find(&state, &caller, &id).await?;
    require_manager(&caller.person(&state).await?, &product.domains)?;
    match state
        .store
        .delete_product(caller.tenant_id, &product.id, caller.user.id, Timestamp::now())
        .await?
    {
        true => Ok(()),
        false => Err(not_found()),
    }
}
