//! Data use agreements.

use super::listing::ListingQuery;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, reject_if_any};
use crate::pagination::PaginationMeta;
use axum::extract::State;
use axum::http::StatusCode;
use marketplace_domain::Timestamp;
use marketplace_domain::catalog::can_author_forms;
use marketplace_domain::pagination::PageMeta;
use marketplace_domain::request_form::{AuditUser, name_problems};
use marketplace_store::{Agreement, NewAgreement, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

const NAME_TAKEN: &str = "There is already a data use agreement with this name.";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_agreements, create_agreement))
        .routes(routes!(get_agreement, update_agreement, delete_agreement))
        .routes(routes!(agreement_forms))
        .routes(routes!(search_access_agreements))
        .routes(routes!(get_access_agreement))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(title = "Data Use Agreement")]
pub struct DataUseAgreement {
    id: Uuid,
    /// The name of data use agreement
    name: String,
    /// The contents of data use agreement
    body: String,
    created_by: AuditUser,
    created_at: Timestamp,
    updated_by: AuditUser,
    updated_at: Timestamp,
}

impl From<Agreement> for DataUseAgreement {
    fn from(agreement: Agreement) -> Self {
        Self {
            id: agreement.id,
            name: agreement.name,
            body: agreement.body,
            created_by: agreement.created_by,
            created_at: agreement.created_at,
            updated_by: agreement.updated_by,
            updated_at: agreement.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDataUseAgreement {
    /// A client-chosen id
    id: Option<Uuid>,
    /// The name of data use agreement. Stricter than Immuta's document: must not be blank.
    #[serde(default)]
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 255,
        pattern = r"[^\s\u0085]"
    )]
    name: Option<String>,
    /// The contents of data use agreement. Stricter than Immuta's document: must not be blank.
    #[serde(default)]
    #[schema(required = true, nullable = false, min_length = 1, pattern = r"[^\s\u0085]")]
    body: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDataUseAgreement {
    /// The name of data use agreement. Stricter than Immuta's document: must not be blank.
    #[schema(min_length = 1, max_length = 255, pattern = r"[^\s\u0085]")]
    name: Option<String>,
    /// The contents of data use agreement. Stricter than Immuta's document: must not be blank.
    #[schema(min_length = 1, pattern = r"[^\s\u0085]")]
    body: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaginatedDataUseAgreement {
    data: Vec<DataUseAgreement>,
    meta: PaginationMeta,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssociatedRequestForm {
    id: Uuid,
    /// The name of the request form
    name: String,
}

fn not_found() -> ApiError {
    ApiError::NotFound("Data use agreement not found.".into())
}

fn parse_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| not_found())
}

fn body_problems(body: &str) -> Vec<String> {
    match body.trim().is_empty() {
        true => vec!["body should not be empty".to_owned()],
        false => Vec::new(),
    }
}

fn name_taken(error: StoreError) -> ApiError {
    match error {
        StoreError::Duplicate => ApiError::Conflict(NAME_TAKEN.into()),
        other => other.into(),
    }
}

async fn require_author(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    match can_author_forms(&caller.person(state).await?) {
        true => Ok(()),
        false => Err(ApiError::Forbidden(
            "Managing data use agreements requires GOVERNANCE or Manage Data Products.".into(),
        )),
    }
}

/// Search data use agreements in the marketplace using the provided filters
#[utoipa::path(get, path = "/api/data-use-agreement", operation_id = "searchDataUseAgreements",
    tag = "Data Use Agreement", summary = "Search data use agreements", security(("bearer" = [])),
    params(ListingQuery), responses((status = 200, body = PaginatedDataUseAgreement)))]
async fn search_agreements(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListingQuery>,
) -> Result<ApiJson<PaginatedDataUseAgreement>, ApiError> {
    let mut problems = Vec::new();
    let listing = query.listing(&mut problems);
    reject_if_any(problems)?;
    let (agreements, total) = state.store.search_agreements(caller.tenant_id, &listing).await?;
    let meta = PageMeta::new(listing.page, total, agreements.len() as u64).into();
    Ok(ApiJson(PaginatedDataUseAgreement {
        data: agreements.into_iter().map(DataUseAgreement::from).collect(),
        meta,
    }))
}

/// Create a new data use agreement
#[utoipa::path(post, path = "/api/data-use-agreement", operation_id = "createDataUseAgreement",
    tag = "Data Use Agreement", summary = "Create data use agreement", security(("bearer" = [])),
    request_body = CreateDataUseAgreement,
    responses((status = 201, body = DataUseAgreement), (status = 409, description = "There is already a data use agreement with this name.")))]
async fn create_agreement(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateDataUseAgreement>,
) -> Result<(StatusCode, ApiJson<DataUseAgreement>), ApiError> {
    let name = body.name.unwrap_or_default();
    let text = body.body.unwrap_or_default();
    let mut problems = name_problems(&name);
    problems.extend(body_problems(&text));
    reject_if_any(problems)?;
    require_author(&state, &caller).await?;
    let agreement = NewAgreement {
        id: body.id,
        name: name.trim().to_owned(),
        body: text,
    };
    let created = state
        .store
        .create_agreement(caller.tenant_id, agreement, &caller.audit(), Timestamp::now())
        .await
        .map_err(name_taken)?;
    Ok((StatusCode::CREATED, ApiJson(created.into())))
}

#[utoipa::path(get, path = "/api/data-use-agreement/{id}", operation_id = "getDataUseAgreementById",
    tag = "Data Use Agreement", summary = "Get data use agreement by ID", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = DataUseAgreement)))]
async fn get_agreement(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<DataUseAgreement>, ApiError> {
    let agreement = state
        .store
        .agreement(caller.tenant_id, parse_id(&id)?)
        .await?
        .ok_or_else(not_found)?;
    Ok(ApiJson(agreement.into()))
}

/// Update a data use agreement. Forms that carry it get a new version; requests made before keep the text they
/// accepted.
#[utoipa::path(put, path = "/api/data-use-agreement/{id}", operation_id = "updateDataUseAgreement",
    tag = "Data Use Agreement", summary = "Update data use agreement", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = UpdateDataUseAgreement,
    responses((status = 201, body = DataUseAgreement), (status = 409, description = "There is already a data use agreement with this name.")))]
async fn update_agreement(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateDataUseAgreement>,
) -> Result<(StatusCode, ApiJson<DataUseAgreement>), ApiError> {
    let id = parse_id(&id)?;
    let mut problems = Vec::new();
    if let Some(name) = &body.name {
        problems.extend(name_problems(name));
    }
    if let Some(text) = &body.body {
        problems.extend(body_problems(text));
    }
    reject_if_any(problems)?;
    state
        .store
        .agreement(caller.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    require_author(&state, &caller).await?;
    let name = body.name.map(|name| name.trim().to_owned());
    let updated = state
        .store
        .update_agreement(caller.tenant_id, id, name, body.body, &caller.audit(), Timestamp::now())
        .await
        .map_err(name_taken)?
        .ok_or_else(not_found)?;
    Ok((StatusCode::CREATED, ApiJson(updated.into())))
}

/// Delete a data use agreement that no request form carries.
#[utoipa::path(delete, path = "/api/data-use-agreement/{id}", operation_id = "deleteDataUseAgreement",
    tag = "Data Use Agreement", summary = "Delete data use agreement", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 204)))]
async fn delete_agreement(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id)?;
    state
        .store
        .agreement(caller.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    require_author(&state, &caller).await?;
    match state.store.delete_agreement(caller.tenant_id, id).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(not_found()),
    }
}

/// Get request forms associated with a data use agreement.
#[utoipa::path(get, path = "/api/data-use-agreement/{id}/request-forms", operation_id = "getAssociatedRequestForms",
    tag = "Data Use Agreement", summary = "Get request forms associated with a data use agreement",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Vec<AssociatedRequestForm>)))]
async fn agreement_forms(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<Vec<AssociatedRequestForm>>, ApiError> {
    let id = parse_id(&id)?;
    state
        .store
        .agreement(caller.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    let forms = state.store.agreement_forms(caller.tenant_id, id).await?;
    Ok(ApiJson(
        forms
            .into_iter()
            .map(|(id, name)| AssociatedRequestForm { id, name })
            .collect(),
    ))
}

// `/api/access-agreement` is the path of the private preview's "access agreement", which data use agreements
// replaced; Immuta's own documentation still shows `curl {base}/api/access-agreement`. Reading it answers as the
// data use agreement list and read do, so that example and older scripts work.

#[utoipa::path(get, path = "/api/access-agreement", operation_id = "getAccessAgreements",
    tag = "Data Use Agreement", summary = "Search data use agreements (alias of searchDataUseAgreements)",
    description = "Alias of `GET /api/data-use-agreement` (`searchDataUseAgreements`): the same query parameters \
                   and the same answer, under the path of the data use agreement's predecessor, the access \
                   agreement, which Immuta's documentation still shows.",
    security(("bearer" = [])), params(ListingQuery), responses((status = 200, body = PaginatedDataUseAgreement)))]
async fn search_access_agreements(
    state: State<AppState>,
    caller: Caller,
    query: ApiQuery<ListingQuery>,
) -> Result<ApiJson<PaginatedDataUseAgreement>, ApiError> {
    search_agreements(state, caller, query).await
}

#[utoipa::path(get, path = "/api/access-agreement/{id}", operation_id = "getAccessAgreementById",
    tag = "Data Use Agreement", summary = "Get data use agreement by ID (alias of getDataUseAgreementById)",
    description = "Alias of `GET /api/data-use-agreement/{id}` (`getDataUseAgreementById`): the same answer, \
                   under the path of the data use agreement's predecessor, the access agreement.",
    security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = DataUseAgreement)))]
async fn get_access_agreement(
    state: State<AppState>,
    caller: Caller,
    id: ApiPath<String>,
) -> Result<ApiJson<DataUseAgreement>, ApiError> {
    get_agreement(state, caller, id).await
}
