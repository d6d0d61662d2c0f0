//! Assets: data products, and the data objects (databases, schemas, tables) of the directory, with the forms
//! and review flows that apply to them — their own, or inherited from the object above.

pub use super::asset_changes::AssetChange;
use super::asset_changes::change_asset;
use super::asset_types::{AssetDto, DataObjectAsset, DataObjectAssetMetadata, DataObjectStats};
use super::products::{self, DataProduct};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, reject_if_any};
use axum::extract::State;
use marketplace_domain::request_form::FormSnapshot;
use marketplace_domain::review_flow::ReviewFlow;
use marketplace_store::{ObjectLookup, ObjectRecord, ObjectSettings, Product, RequestTarget};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(asset_by_metadata))
        .routes(routes!(get_asset, put_asset, patch_asset))
        .routes(routes!(asset_forms))
        .routes(routes!(asset_flows))
}

/// An asset as stored: one of the two kinds.
pub(super) enum Asset {
    Product(Product),
    Object(ObjectRecord),
}

pub(super) fn not_found() -> ApiError {
    ApiError::NotFound("Asset not found.".into())
}

pub(super) async fn find(state: &AppState, caller: &Caller, id: &str) -> Result<Asset, ApiError> {
    if let Some(product) = state.store.product(caller.tenant_id, id).await? {
        return Ok(Asset::Product(product));
    }
    let id = Uuid::parse_str(id).map_err(|_| not_found())?;
    let object = state
        .store
        .data_object(caller.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Asset::Object(object))
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

pub(super) async fn render(state: &AppState, caller: &Caller, asset: Asset) -> Result<AssetDto, ApiError> {
    match asset {
        Asset::Product(product) => {
            let person = caller.person(state).await?;
            let rendered: DataProduct = products::render_one(state, caller, &person, product).await?;
            Ok(AssetDto::Product(rendered.into_asset()))
        }
        Asset::Object(object) => {
            let mut asset = object_asset(&object);
            let target = RequestTarget::Asset(asset.id.clone());
            if let Some(request) = state
                .store
                .latest_request(caller.tenant_id, caller.user.id, &target)
                .await?
            {
                asset.status = request.status.as_str().into();
                asset.request_id = Some(request.id);
            }
            Ok(AssetDto::Object(asset))
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
    let name = query.fully_qualified_name.unwrap_or_default();
    if name.trim().is_empty() {
        problems.push("fullyQualifiedName should not be empty".to_owned());
    }
    crate::extract::whole_number("port", query.port, 1, 1, Some(65535), &mut problems);
    reject_if_any(problems)?;
    let lookup = ObjectLookup {
        fully_qualified_name: name,
        legacy_type: query.asset_type,
        host: query.host,
        technology: query.technology,
    };
    let object = state
        .store
        .data_object_by_metadata(caller.tenant_id, &lookup)
        .await?
        .ok_or_else(not_found)?;
    Ok(ApiJson(render(&state, &caller, Asset::Object(object)).await?))
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
    let asset = find(&state, &caller, &id).await?;
    Ok(ApiJson(render(&state, &caller, asset).await?))
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
    Ok(ApiJson(change_asset(&state, &caller, &id, change, true).await?))
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
    Ok(ApiJson(change_asset(&state, &caller, &id, change, false).await?))
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

/// The setting nearest up the lineage (the object itself first), and the object it is set on.
pub(super) fn inherited<'a, T>(
    lineage: &'a [ObjectRecord],
    pick: impl Fn(&ObjectSettings) -> Option<&T>,
) -> Option<(&'a T, Option<&'a ObjectRecord>)>
where
    T: 'a,
{
    lineage
        .iter()
        .enumerate()
        .find_map(|(depth, object)| pick(&object.settings).map(|value| (value, (depth > 0).then_some(object))))
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
    let (forms, sources): ([Option<Uuid>; 2], [Option<DataObjectAsset>; 2]) = match find(&state, &caller, &id).await? {
        Asset::Product(product) => (
            [
                Some(product.data_access_form_id),
                Some(product.masking_exception_form_id),
            ],
            [None, None],
        ),
        Asset::Object(object) => {
            let lineage = state.store.data_object_lineage(caller.tenant_id, object.id).await?;
            let access = inherited(&lineage, |s| s.data_access_form_id.as_ref());
            let masking = inherited(&lineage, |s| s.masking_exception_form_id.as_ref());
            (
                [access.map(|(id, _)| *id), masking.map(|(id, _)| *id)],
                [
                    access.and_then(|(_, from)| from.map(object_asset)),
                    masking.and_then(|(_, from)| from.map(object_asset)),
                ],
            )
        }
    };
    let standard = state.store.standard_form(caller.tenant_id).await?;
    let mut resolved = Vec::new();
    for ((form_id, inherited_from), request_type) in
        forms.into_iter().zip(sources).zip(["DATA_ACCESS", "MASKING_EXCEPTION"])
    {
        let form = match form_id {
            Some(id) => state.store.form(caller.tenant_id, id).await?.map(|form| form.snapshot),
            None => None,
        };
        resolved.push(AssetRequestForm {
            form: form.unwrap_or_else(|| standard.clone()),
            inherited_from,
            request_type,
        });
    }
    let masking_exception_form = resolved.pop().expect("two forms");
    let data_access_form = resolved.pop().expect("two forms");
    Ok(ApiJson(AssetRequestForms {
        data_access_form,
        masking_exception_form,
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
    let [data_access_review_flow, masking_exception_review_flow] = match find(&state, &caller, &id).await? {
        Asset::Product(product) => {
            [product.data_access_policy, product.masking_exception_policy].map(|flow| AssetReviewFlow {
                flow,
                inherited_from: None,
            })
        }
        Asset::Object(object) => {
            let lineage = state.store.data_object_lineage(caller.tenant_id, object.id).await?;
            let resolve = |found: Option<(&ReviewFlow, Option<&ObjectRecord>)>| match found {
                Some((flow, from)) => AssetReviewFlow {
                    flow: flow.clone(),
                    inherited_from: from.map(|object| AssetDto::Object(object_asset(object))),
                },
                None => AssetReviewFlow {
                    flow: ReviewFlow::default_for_target(),
                    inherited_from: None,
                },
            };
            [
                resolve(inherited(&lineage, |s| s.data_access_review_flow.as_ref())),
                resolve(inherited(&lineage, |s| s.masking_exception_review_flow.as_ref())),
            ]
        }
    };
    Ok(ApiJson(AssetReviewFlows {
        data_access_review_flow,
        masking_exception_review_flow,
    }))
}
