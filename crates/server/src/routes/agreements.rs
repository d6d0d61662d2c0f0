//! Data use agreements.

use super::listing::ListingQuery;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, reject_if_any};
use crate::pagination::PaginationMeta;
use axum::extract::State;
use axum::http::StatusCode;
use marketplace_app::forms::AgreementInput;
use marketplace_app::model::Agreement;
use marketplace_domain::Timestamp;
use marketplace_domain::ids::AgreementId;
use marketplace_domain::pagination::PageMeta;
use marketplace_domain::request_form::AuditUser;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

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
            id: agreement.id.0,
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
    let (agreements, total) = state.app.search_agreements(&caller, &listing).await?;
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
    let input = AgreementInput {
        id: body.id.map(AgreementId),
        name: body.name,
        body: body.body,
    };
    let created = state.app.create_agreement(&caller, input).await?;
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
    Ok(ApiJson(state.app.agreement(&caller, &id).await?.into()))
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
    let changes = AgreementInput {
        id: None,
        name: body.name,
        body: body.body,
    };
    let updated = state.app.change_agreement(&caller, &id, changes).await?;
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
    state.app.delete_agreement(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
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
    let forms = state.app.agreement_forms(&caller, &id).await?;
    Ok(ApiJson(
        forms
            .into_iter()
            .map(|(id, name)| AssociatedRequestForm { id: id.0, name })
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
