//! Assets: data products, and the data objects (databases, schemas, tables) of the directory, with the forms
//! and review flows that apply to them — their own, or inherited from the object above.

pub use super::asset_changes::AssetChange;
use super::asset_types::{AssetDto, DataObjectAsset, DataObjectAssetMetadata, DataObjectStats};
use super::products;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::extract::State;
use marketplace_app::assets::{Governing, ShownAsset};
use marketplace_app::model::{ObjectLookup, ObjectRecord};
use marketplace_domain::request_form::FormSnapshot;
use marketplace_domain::review_flow::ReviewFlow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(asset_by_metadata))
        .routes(routes!(get_asset, put_asset, patch_asset))
        .routes(routes!(asset_forms))
        .routes(routes!(asset_flows))
}

pub(super) fn object_asset(object: &ObjectRecord) -> DataObjectAsset {
    DataObjectAsset {
        id: object.id.to_string(),
        name: object.name.clone(),
        asset_type: "DATA_OBJECT".into(),
        created_at: object.created_at,
        updated_at: object.updated_at,
        dag_tag_id: None,
        // The caller's own request, where one is asked for, is filled in by `render`.
        request_id: None,
        status: "NONE".into(),
        metadata: DataObjectAssetMetadata {
            subject_matter_experts: object.settings.subject_matter_experts.clone(),
            object_path: object.object_path.clone(),
            technology: Some(object.technology.clone()),
            host: object.host.clone(),
            port: None,
            legacy_type: Some(object.legacy_type.clone()),
            data_source_id: object.data_source_id,
            description: object.settings.description.clone(),
            external_link: object.settings.external_link.clone(),
        },
        registered: true,
        stats: DataObjectStats {
            data_source_count: object.data_source_count,
        },
    }
}

/// An asset as the caller sees it: a product with its numbers, or a data object with the caller's latest request.
pub(super) fn render(asset: ShownAsset) -> AssetDto {
    match asset {
        ShownAsset::Product(product) => AssetDto::Product(products::render(product).into_asset()),
        ShownAsset::Object { object, latest } => {
            let mut asset = object_asset(&object);
            if let Some(request) = latest {
                asset.status = request.status.as_str().into();
                asset.request_id = Some(request.id.0);
            }
            AssetDto::Object(asset)
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct MetadataQuery {
    /// Dot-delimited fully qualified name of the asset. Stricter than Immuta's document: must not be blank.
    #[param(required = true, min_length = 1, pattern = r"[^\s\u0085]")]
    fully_qualified_name: Option<String>,
    /// Asset type (`database`, `schema`, `table`) to narrow down the search.
    asset_type: Option<String>,
    /// Hostname or IP address of the asset.
    host: Option<String>,
    /// Port to narrow connection matching (the directory records none, so it narrows nothing).
    #[serde(default, deserialize_with = "crate::extract::de::number")]
    #[param(value_type = Option<i32>, minimum = 1, maximum = 65535)]
    port: Option<f64>,
    /// Technology of the asset.
    technology: Option<String>,
}

/// Search for assets by their metadata.
#[utoipa::path(get, path = "/api/asset/byMetadata", operation_id = "getAssetByMetadata", tag = "Asset",
    summary = "Get asset by metadata", security(("bearer" = [])), params(MetadataQuery),
    responses((status = 200, body = AssetDto)))]
async fn asset_by_metadata(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<MetadataQuery>,
) -> Result<ApiJson<AssetDto>, ApiError> {
    let mut problems = Vec::new();
    crate::extract::whole_number("port", query.port, 1, 1, Some(65535), &mut problems);
    let lookup = ObjectLookup {
        fully_qualified_name: query.fully_qualified_name.unwrap_or_default(),
        legacy_type: query.asset_type,
        host: query.host,
        technology: query.technology,
    };
    Ok(ApiJson(render(
        state.app.asset_by_metadata(&caller, lookup, problems.into()).await?,
    )))
}

/// Get an asset by ID: a data product or a data object.
#[utoipa::path(get, path = "/api/asset/{id}", operation_id = "getAssetById", tag = "Asset",
    summary = "Get asset by ID", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = AssetDto)))]
async fn get_asset(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<AssetDto>, ApiError> {
    Ok(ApiJson(render(state.app.asset(&caller, &id).await?)))
}

/// Update an existing asset by ID
#[utoipa::path(put, path = "/api/asset/{id}", operation_id = "updateAsset", tag = "Asset",
    summary = "Update asset by ID", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = AssetChange, responses((status = 200, body = AssetDto)))]
async fn put_asset(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(change): ApiJson<AssetChange>,
) -> Result<ApiJson<AssetDto>, ApiError> {
    let changed = state.app.change_asset(&caller, &id, change.into(), true).await?;
    Ok(ApiJson(render(changed)))
}

/// Partially update an existing asset by ID. Only provided fields will be updated. Use null to clear request
/// forms or review flows.
#[utoipa::path(patch, path = "/api/asset/{id}", operation_id = "patchAsset", tag = "Asset",
    summary = "Partially update asset by ID", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = AssetChange, responses((status = 200, body = AssetDto)))]
async fn patch_asset(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(change): ApiJson<AssetChange>,
) -> Result<ApiJson<AssetDto>, ApiError> {
    let changed = state.app.change_asset(&caller, &id, change.into(), false).await?;
    Ok(ApiJson(render(changed)))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssetRequestForm {
    #[serde(flatten)]
    form: FormSnapshot,
    /// The object the form is set on, when the asset inherits it.
    #[serde(skip_serializing_if = "Option::is_none")]
    inherited_from: Option<DataObjectAsset>,
    request_type: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssetRequestForms {
    data_access_form: AssetRequestForm,
    masking_exception_form: AssetRequestForm,
}

/// Get the request forms assigned to the asset, and where each is inherited from.
#[utoipa::path(get, path = "/api/asset/{id}/request-forms", operation_id = "getAssetRequestForms", tag = "Asset",
    summary = "Get request forms for an asset", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = AssetRequestForms)))]
async fn asset_forms(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<AssetRequestForms>, ApiError> {
    let [access, masking] = state.app.asset_forms(&caller, &id).await?;
    let shown = |forms: marketplace_app::assets::AssetForms| AssetRequestForm {
        form: forms.form.value,
        inherited_from: forms.form.inherited_from.as_ref().map(object_asset),
        request_type: forms.request_type.as_str(),
    };
    Ok(ApiJson(AssetRequestForms {
        data_access_form: shown(access),
        masking_exception_form: shown(masking),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssetReviewFlow {
    #[serde(flatten)]
    flow: ReviewFlow,
    /// The asset the flow is set on, when this one inherits it.
    #[serde(skip_serializing_if = "Option::is_none")]
    inherited_from: Option<AssetDto>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssetReviewFlows {
    data_access_review_flow: AssetReviewFlow,
    masking_exception_review_flow: AssetReviewFlow,
}

/// Get the review flows configured for the asset, and where each is inherited from.
#[utoipa::path(get, path = "/api/asset/{id}/review-flows", operation_id = "getAssetReviewFlows", tag = "Asset",
    summary = "Get review flows for an asset", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = AssetReviewFlows)))]
async fn asset_flows(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<AssetReviewFlows>, ApiError> {
    let shown = |flow: Governing<ReviewFlow>| AssetReviewFlow {
        flow: flow.value,
        inherited_from: flow
            .inherited_from
            .as_ref()
            .map(|object| AssetDto::Object(object_asset(object))),
    };
    let [access, masking] = state.app.asset_flows(&caller, &id).await?;
    Ok(ApiJson(AssetReviewFlows {
        data_access_review_flow: shown(access),
        masking_exception_review_flow: shown(masking),
    }))
}
