//! Request forms: questions, review flow and data use agreements, versioned on every save.

use super::listing::ListingQuery;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, reject_if_any};
use crate::pagination::PaginationMeta;
use axum::extract::State;
use axum::http::StatusCode;
use marketplace_app::forms::{FormInput, FormUsers};
use marketplace_domain::ids::{AgreementId, FormId};
use marketplace_domain::pagination::PageMeta;
use marketplace_domain::request_form::{FormField, FormSnapshot};
use marketplace_domain::review_flow::ReviewFlow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

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
    let (forms, total) = state.app.search_forms(&caller, &listing).await?;
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
    let input = FormInput {
        id: body.id.map(FormId),
        name: body.name,
        fields: body.fields,
        policy: body.policy,
        agreement_ids: Some(body.data_use_agreement_ids.into_iter().map(AgreementId).collect()),
    };
    Ok((
        StatusCode::CREATED,
        ApiJson(state.app.create_form(&caller, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/request-form/{id}", operation_id = "getRequestFormById", tag = "Request Form",
    summary = "Get request form by ID", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = FormSnapshot)))]
async fn get_form(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<FormSnapshot>, ApiError> {
    Ok(ApiJson(state.app.form(&caller, &id).await?.snapshot))
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
    // A form keeps its id.
    let _ = body.id;
    let changes = FormInput {
        id: None,
        name: body.name,
        fields: body.fields,
        policy: body.policy,
        agreement_ids: body
            .data_use_agreement_ids
            .map(|ids| ids.into_iter().map(AgreementId).collect()),
    };
    Ok((
        StatusCode::CREATED,
        ApiJson(state.app.change_form(&caller, &id, changes).await?),
    ))
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
    state.app.delete_form(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
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
    Ok(ApiJson(state.app.form_version(&caller, &version).await?))
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
    let products = state.app.form_products(&caller, &id).await?;
    Ok(ApiJson(
        products
            .into_iter()
            .map(|product| LinkedDataProduct {
                id: product.id.0,
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
    let (form_id, FormUsers { products, objects }) = state.app.form_users(&caller, &id).await?;
    let mut assets: Vec<LinkedAsset> = products
        .into_iter()
        .flat_map(|product| {
            product.request_types.into_iter().map(move |request_type| LinkedAsset {
                id: product.id.0.clone(),
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
            if set == Some(form_id) {
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
