//! Assets: data products, and the data objects (databases, schemas, tables) of the directory, with the forms
//! and review flows that apply to them — their own, or inherited from the object above.

use super::asset_types::{AssetDto, DataObjectAsset, DataObjectAssetMetadata, DataObjectStats};
use super::products::{self, DataProduct, require_manager};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, reject_if_any};
use axum::extract::{Path, State};
use marketplace_domain::catalog::{ProductMetadata, SubjectMatterExpert};
use marketplace_domain::request_form::FormSnapshot;
use marketplace_domain::review_flow::{FlowOwner, ReviewFlow};
use marketplace_domain::{GlobalPermission, Timestamp};
use marketplace_store::{ObjectLookup, ObjectRecord, ObjectSettings, Product, ProductDraft, StoreError};
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
enum Asset {
    Product(Product),
    Object(ObjectRecord),
}

fn not_found() -> ApiError {
    ApiError::NotFound("Asset not found.".into())
}

async fn find(state: &AppState, caller: &Caller, id: &str) -> Result<Asset, ApiError> {
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

fn object_asset(object: &ObjectRecord) -> DataObjectAsset {
    DataObjectAsset {
        id: object.id.to_string(),
        name: object.name.clone(),
        asset_type: "DATA_OBJECT".into(),
        created_at: object.created_at,
        updated_at: object.updated_at,
        dag_tag_id: None,
        request_id: None,
        // Requests for data objects are recorded per product today; none names an object.
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

async fn render(state: &AppState, caller: &Caller, asset: Asset) -> Result<AssetDto, ApiError> {
    match asset {
        Asset::Product(product) => {
            let person = caller.person(state).await?;
            let rendered: DataProduct = products::render_one(state, caller, &person, product).await?;
            Ok(AssetDto::Product(rendered.into_asset()))
        }
        Asset::Object(object) => Ok(AssetDto::Object(object_asset(&object))),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct MetadataQuery {
    /// Dot-delimited fully qualified name of the asset.
    #[param(required = true)]
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
    Ok(ApiJson(AssetDto::Object(object_asset(&object))))
}

/// Get an asset by ID: a data product or a data object.
#[utoipa::path(get, path = "/api/asset/{id}", operation_id = "getAssetById", tag = "Asset",
    summary = "Get asset by ID", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = AssetDto)))]
async fn get_asset(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<ApiJson<AssetDto>, ApiError> {
    let asset = find(&state, &caller, &id).await?;
    Ok(ApiJson(render(&state, &caller, asset).await?))
}

/// The metadata of a data object that a client may set.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMetadataInput {
    #[serde(default)]
    subject_matter_experts: Option<Vec<SubjectMatterExpert>>,
    /// Where the object is; it comes from the directory and cannot be changed.
    object_path: Option<Vec<String>>,
    technology: Option<String>,
    legacy_type: Option<String>,
    data_source_id: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    external_link: Option<Option<String>>,
}

/// A change to an asset: `PUT` replaces what is set, `PATCH` changes only what is sent (`null` clears, so the
/// asset inherits again).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "type")]
pub enum AssetChange {
    #[serde(rename = "DATA_PRODUCT")]
    Product(ProductAssetChange),
    #[serde(rename = "DATA_OBJECT")]
    Object(ObjectAssetChange),
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductAssetChange {
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    subject_matter_experts: Option<Vec<SubjectMatterExpert>>,
    data_access_request_form_id: Option<String>,
    masking_exception_request_form_id: Option<String>,
    data_access_review_flow: Option<ReviewFlow>,
    masking_exception_review_flow: Option<ReviewFlow>,
    suspended: Option<bool>,
    dag_tag_id: Option<f64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectAssetChange {
    metadata: Option<ObjectMetadataInput>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    data_access_request_form_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    masking_exception_request_form_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ReviewFlow>)]
    data_access_review_flow: Option<Option<ReviewFlow>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ReviewFlow>)]
    masking_exception_review_flow: Option<Option<ReviewFlow>>,
}

fn present<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

fn form_id(field: &str, id: &str, problems: &mut Vec<String>) -> Option<Uuid> {
    Uuid::parse_str(id)
        .map_err(|_| problems.push(format!("{field}: no request form has the id {id}")))
        .ok()
}

/// Applies a change; `replace` (PUT) clears what the change does not set.
async fn change_asset(
    state: &AppState,
    caller: &Caller,
    id: &str,
    change: AssetChange,
    replace: bool,
) -> Result<AssetDto, ApiError> {
    let asset = find(state, caller, id).await?;
    let mut problems = Vec::new();
    let now = Timestamp::now();
    match (asset, change) {
        (Asset::Product(product), AssetChange::Product(change)) => {
            let _ = change.dag_tag_id;
            let access = change
                .data_access_request_form_id
                .as_deref()
                .and_then(|id| form_id("dataAccessRequestFormId", id, &mut problems));
            let masking = change
                .masking_exception_request_form_id
                .as_deref()
                .and_then(|id| form_id("maskingExceptionRequestFormId", id, &mut problems));
            let draft = ProductDraft {
                id: None,
                name: change
                    .name
                    .map(|name| name.trim().to_owned())
                    .unwrap_or(product.name.clone()),
                description: change
                    .description
                    .unwrap_or(if replace { None } else { product.description.clone() }),
                metadata: match change.subject_matter_experts {
                    Some(experts) => experts.into_iter().next().map(|expert| ProductMetadata {
                        subject_matter_expert: expert,
                    }),
                    None if replace => None,
                    None => product.metadata.clone(),
                },
                suspended: change.suspended.unwrap_or(product.suspended),
                domains: product.domains.clone(),
                data_access_form_id: access.or(Some(product.data_access_form_id)),
                masking_exception_form_id: masking.or(Some(product.masking_exception_form_id)),
                data_access_policy: change
                    .data_access_review_flow
                    .unwrap_or(product.data_access_policy.clone()),
                masking_exception_policy: change
                    .masking_exception_review_flow
                    .unwrap_or(product.masking_exception_policy.clone()),
                data_sources: None,
            };
            problems.extend(marketplace_domain::catalog::product_name_problems(&draft.name));
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
            reject_if_any(problems)?;
            require_manager(&caller.person(state).await?, &product.domains)?;
            let updated = state
                .store
                .update_product(caller.tenant_id, &product.id, draft, now)
                .await
                .map_err(|error| match error {
                    StoreError::Duplicate => ApiError::Conflict(products::NAME_TAKEN.into()),
                    other => other.into(),
                })?
                .ok_or_else(not_found)?;
            render(state, caller, Asset::Product(updated)).await
        }
        (Asset::Object(object), AssetChange::Object(change)) => {
            let mut settings = if replace {
                ObjectSettings::default()
            } else {
                object.settings.clone()
            };
            let metadata = change.metadata.unwrap_or_default();
            if metadata
                .object_path
                .as_ref()
                .is_some_and(|path| *path != object.object_path)
            {
                problems.push("metadata.objectPath comes from the directory and cannot be changed".into());
            }
            let _ = (metadata.technology, metadata.legacy_type, metadata.data_source_id);
            if let Some(experts) = metadata.subject_matter_experts {
                settings.subject_matter_experts = experts;
            }
            if let Some(description) = metadata.description {
                settings.description = description;
            }
            if let Some(link) = metadata.external_link {
                settings.external_link = link;
            }
            if let Some(form) = change.data_access_request_form_id {
                settings.data_access_form_id =
                    form.and_then(|id| form_id("dataAccessRequestFormId", &id, &mut problems));
            }
            if let Some(form) = change.masking_exception_request_form_id {
                settings.masking_exception_form_id =
                    form.and_then(|id| form_id("maskingExceptionRequestFormId", &id, &mut problems));
            }
            if let Some(flow) = change.data_access_review_flow {
                settings.data_access_review_flow = flow;
            }
            if let Some(flow) = change.masking_exception_review_flow {
                settings.masking_exception_review_flow = flow;
            }
            for (field, flow) in [
                ("dataAccessReviewFlow", &settings.data_access_review_flow),
                ("maskingExceptionReviewFlow", &settings.masking_exception_review_flow),
            ] {
                if let Some(flow) = flow {
                    problems.extend(flow.problems(field, FlowOwner::Target));
                }
            }
            reject_if_any(problems)?;
            if !caller.person(state).await?.has(GlobalPermission::Governance) {
                return Err(ApiError::Forbidden(
                    "Changing a data object's forms, flows or stewards requires GOVERNANCE.".into(),
                ));
            }
            let updated = state
                .store
                .save_data_object_settings(caller.tenant_id, object.id, &settings, now)
                .await?
                .ok_or_else(not_found)?;
            Ok(AssetDto::Object(object_asset(&updated)))
        }
        (Asset::Product(_), AssetChange::Object(_)) => {
            Err(ApiError::invalid("type must be DATA_PRODUCT for a data product"))
        }
        (Asset::Object(_), AssetChange::Product(_)) => {
            Err(ApiError::invalid("type must be DATA_OBJECT for a data object"))
        }
    }
}

/// Update an existing asset by ID
#[utoipa::path(put, path = "/api/asset/{id}", operation_id = "updateAsset", tag = "Asset",
    summary = "Update asset by ID", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = AssetChange, responses((status = 200, body = AssetDto)))]
async fn put_asset(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
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
    Path(id): Path<String>,
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
fn inherited<'a, T>(
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
    Path(id): Path<String>,
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
    Path(id): Path<String>,
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
