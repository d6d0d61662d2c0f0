//! Request forms: questions, review flow and data use agreements, versioned on every save.

use super::listing::ListingQuery;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, reject_if_any};
use crate::pagination::PaginationMeta;
use axum::extract::State;
use axum::http::StatusCode;
use marketplace_domain::Timestamp;
use marketplace_domain::catalog::{can_author_forms, can_edit_form};
use marketplace_domain::pagination::PageMeta;
use marketplace_domain::request_form::{FormField, FormSnapshot, field_problems, name_problems};
use marketplace_domain::review_flow::{FlowOwner, ReviewFlow};
use marketplace_store::{FormChanges, FormDraft, FormRecord, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

const NAME_TAKEN: &str = "Request form with name already exists.";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_forms, create_form))
        .routes(routes!(get_form, update_form, delete_form))
        .routes(routes!(form_version))
        .routes(routes!(form_products))
        .routes(routes!(form_assets))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateRequestForm {
    /// Stricter than Immuta's document: must not be blank.
    #[serde(default)]
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 255,
        pattern = r"[^\s\u0085]"
    )]
    name: Option<String>,
    #[serde(default)]
    #[schema(required = true, nullable = false)]
    fields: Option<Vec<FormField>>,
    #[serde(default)]
    #[schema(required = true, nullable = false)]
    policy: Option<ReviewFlow>,
    id: Option<Uuid>,
    #[serde(default)]
    data_use_agreement_ids: Vec<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateRequestForm {
    /// Stricter than Immuta's document: must not be blank.
    #[schema(min_length = 1, max_length = 255, pattern = r"[^\s\u0085]")]
    name: Option<String>,
    fields: Option<Vec<FormField>>,
    policy: Option<ReviewFlow>,
    /// Ignored: a form keeps its id.
    id: Option<Uuid>,
    data_use_agreement_ids: Option<Vec<Uuid>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestFormListItem {
    #[serde(flatten)]
    form: FormSnapshot,
    /// Domains of the data products that use this request form.
    associated_domains: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaginatedRequestForm {
    data: Vec<RequestFormListItem>,
    meta: PaginationMeta,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LinkedDataProduct {
    id: String,
    name: String,
    /// Request types linking this data product to the request form
    request_types: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LinkedAsset {
    id: String,
    name: String,
    /// `DATA_PRODUCT` or `DATA_OBJECT`
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    asset_type: String,
    request_type: String,
}

fn not_found() -> ApiError {
    ApiError::NotFound("Request form not found.".into())
}

fn name_taken(error: StoreError) -> ApiError {
    match error {
        StoreError::Duplicate => ApiError::Conflict(NAME_TAKEN.into()),
        other => other.into(),
    }
}

async fn find(state: &AppState, caller: &Caller, id: &str) -> Result<FormRecord, ApiError> {
    let id = Uuid::parse_str(id).map_err(|_| not_found())?;
    state.store.form(caller.tenant_id, id).await?.ok_or_else(not_found)
}

fn forbid_standard(form: &FormRecord) -> Result<(), ApiError> {
    match form.standard {
        true => Err(ApiError::Forbidden(
            "The Standard Request Form cannot be edited or deleted.".into(),
        )),
        false => Ok(()),
    }
}

fn draft_problems(name: Option<&str>, fields: Option<&[FormField]>, policy: Option<&ReviewFlow>) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(name) = name {
        problems.extend(name_problems(name));
    }
    if let Some(fields) = fields {
        problems.extend(field_problems(fields));
    }
    if let Some(policy) = policy {
        problems.extend(policy.problems("policy", FlowOwner::RequestForm));
    }
    problems
}

/// Search request forms in the marketplace using the provided filters
#[utoipa::path(get, path = "/api/request-form", operation_id = "searchRequestForms", tag = "Request Form",
    summary = "Search request forms", security(("bearer" = [])), params(ListingQuery),
    responses((status = 200, body = PaginatedRequestForm)))]
async fn search_forms(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListingQuery>,
) -> Result<ApiJson<PaginatedRequestForm>, ApiError> {
    let mut problems = Vec::new();
    let listing = query.listing(&mut problems);
    reject_if_any(problems)?;
    let (forms, total) = state.store.search_forms(caller.tenant_id, &listing).await?;
    let meta = PageMeta::new(listing.page, total, forms.len() as u64).into();
    Ok(ApiJson(PaginatedRequestForm {
        data: forms
            .into_iter()
            .map(|(form, associated_domains)| RequestFormListItem {
                form,
                associated_domains,
            })
            .collect(),
        meta,
    }))
}

/// Create a request form
#[utoipa::path(post, path = "/api/request-form", operation_id = "createRequestForm", tag = "Request Form",
    summary = "Create request form", security(("bearer" = [])), request_body = CreateRequestForm,
    responses((status = 201, body = FormSnapshot), (status = 409, description = "Request form with name already exists.")))]
async fn create_form(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateRequestForm>,
) -> Result<(StatusCode, ApiJson<FormSnapshot>), ApiError> {
    let mut problems = draft_problems(
        Some(body.name.as_deref().unwrap_or("")),
        body.fields.as_deref(),
        body.policy.as_ref(),
    );
    if body.fields.is_none() {
        problems.push("fields must be an array".into());
    }
    if body.policy.is_none() {
        problems.push("policy should not be empty".into());
    }
    reject_if_any(problems)?;
    if !can_author_forms(&caller.person(&state).await?) {
        return Err(ApiError::Forbidden(
            "Creating request forms requires GOVERNANCE or Manage Data Products.".into(),
        ));
    }
    let (Some(name), Some(fields), Some(policy)) = (body.name, body.fields, body.policy) else {
        unreachable!("checked above");
    };
    let draft = FormDraft {
        id: body.id,
        name: name.trim().to_owned(),
        fields,
        policy,
        agreement_ids: body.data_use_agreement_ids,
    };
    let form = state
        .store
        .create_form(caller.tenant_id, draft, &caller.audit(), Timestamp::now())
        .await
        .map_err(name_taken)?;
    Ok((StatusCode::CREATED, ApiJson(form)))
}

#[utoipa::path(get, path = "/api/request-form/{id}", operation_id = "getRequestFormById", tag = "Request Form",
    summary = "Get request form by ID", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = FormSnapshot)))]
async fn get_form(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<FormSnapshot>, ApiError> {
    Ok(ApiJson(find(&state, &caller, &id).await?.snapshot))
}

/// Update a request form: the saved result is a new version, and requests made before keep theirs.
#[utoipa::path(put, path = "/api/request-form/{id}", operation_id = "updateRequestForm", tag = "Request Form",
    summary = "Update request form by ID", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = UpdateRequestForm, responses((status = 201, body = FormSnapshot)))]
async fn update_form(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateRequestForm>,
) -> Result<(StatusCode, ApiJson<FormSnapshot>), ApiError> {
    reject_if_any(draft_problems(
        body.name.as_deref(),
        body.fields.as_deref(),
        body.policy.as_ref(),
    ))?;
    let form = find(&state, &caller, &id).await?;
    forbid_standard(&form)?;
    if !can_edit_form(&caller.person(&state).await?, &form.snapshot.policy) {
        return Err(ApiError::Forbidden(
            "Editing this request form requires GOVERNANCE, Manage Data Products, or being one of its stewards.".into(),
        ));
    }
    let _ = body.id;
    let changes = FormChanges {
        name: body.name.map(|name| name.trim().to_owned()),
        fields: body.fields,
        policy: body.policy,
        agreement_ids: body.data_use_agreement_ids,
    };
    let updated = state
        .store
        .update_form(
            caller.tenant_id,
            form.snapshot.id,
            changes,
            &caller.audit(),
            Timestamp::now(),
        )
        .await
        .map_err(name_taken)?
        .ok_or_else(not_found)?;
    Ok((StatusCode::CREATED, ApiJson(updated)))
}

/// Delete a request form that no data product uses.
#[utoipa::path(delete, path = "/api/request-form/{id}", operation_id = "deleteRequestFormById", tag = "Request Form",
    summary = "Delete request form by ID", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 204)))]
async fn delete_form(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let form = find(&state, &caller, &id).await?;
    forbid_standard(&form)?;
    if !can_author_forms(&caller.person(&state).await?) {
        return Err(ApiError::Forbidden(
            "Deleting request forms requires GOVERNANCE or Manage Data Products.".into(),
        ));
    }
    match state.store.delete_form(caller.tenant_id, form.snapshot.id).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(not_found()),
    }
}

/// A request form exactly as one save left it.
#[utoipa::path(get, path = "/api/request-form/version/{version}", operation_id = "getRequestFormByVersion",
    tag = "Request Form", summary = "Get request form by version", security(("bearer" = [])),
    params(("version" = String, Path)), responses((status = 200, body = FormSnapshot)))]
async fn form_version(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(version): ApiPath<String>,
) -> Result<ApiJson<FormSnapshot>, ApiError> {
    let snapshot = state
        .store
        .form_version(caller.tenant_id, &version)
        .await?
        .ok_or_else(|| ApiError::NotFound("Request form version not found.".into()))?;
    Ok(ApiJson(snapshot))
}

/// Get the data products assigned to the request form
#[utoipa::path(get, path = "/api/request-form/{id}/data-products", operation_id = "getDataProducts",
    tag = "Request Form", summary = "Get data products assigned to the request form", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Vec<LinkedDataProduct>)))]
async fn form_products(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<Vec<LinkedDataProduct>>, ApiError> {
    let form = find(&state, &caller, &id).await?;
    let products = state.store.form_products(caller.tenant_id, form.snapshot.id).await?;
    Ok(ApiJson(
        products
            .into_iter()
            .map(|product| LinkedDataProduct {
                id: product.id,
                name: product.name,
                request_types: product.request_types.iter().map(|kind| (*kind).to_owned()).collect(),
            })
            .collect(),
    ))
}

/// Get the assets assigned to the request form: data products and data objects, one entry per request type.
#[utoipa::path(get, path = "/api/request-form/{id}/assets", operation_id = "getAssets", tag = "Request Form",
    summary = "Get assets assigned to the request form", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Vec<LinkedAsset>)))]
async fn form_assets(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<Vec<LinkedAsset>>, ApiError> {
    let form = find(&state, &caller, &id).await?;
    let products = state.store.form_products(caller.tenant_id, form.snapshot.id).await?;
    let objects = state.store.form_objects(caller.tenant_id, form.snapshot.id).await?;
    let mut assets: Vec<LinkedAsset> = products
        .into_iter()
        .flat_map(|product| {
            product.request_types.into_iter().map(move |request_type| LinkedAsset {
                id: product.id.clone(),
                name: product.name.clone(),
                asset_type: "DATA_PRODUCT".into(),
                request_type: request_type.into(),
            })
        })
        .collect();
    for object in objects {
        for (request_type, set) in [
            ("DATA_ACCESS", object.settings.data_access_form_id),
            ("MASKING_EXCEPTION", object.settings.masking_exception_form_id),
        ] {
            if set == Some(form.snapshot.id) {
                assets.push(LinkedAsset {
                    id: object.id.to_string(),
                    name: object.name.clone(),
                    asset_type: "DATA_OBJECT".into(),
                    request_type: request_type.into(),
                });
            }
        }
    }
    Ok(ApiJson(assets))
}
