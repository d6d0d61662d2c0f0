//! Changing an asset: `PUT` replaces what is set on it, `PATCH` changes only what is sent.

use super::asset_types::AssetDto;
use super::assets::{Asset, find, not_found, object_asset, render};
use super::products::{self, require_manager};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::reject_if_any;
use marketplace_domain::catalog::{ProductMetadata, SubjectMatterExpert};
use marketplace_domain::review_flow::{FlowOwner, ReviewFlow};
use marketplace_domain::{GlobalPermission, Timestamp};
use marketplace_store::{ObjectSettings, ProductDraft, StoreError};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The metadata of a data object that a client may set.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
#[serde(tag = "type", deny_unknown_fields)]
pub enum AssetChange {
    #[serde(rename = "DATA_PRODUCT")]
    Product(ProductAssetChange),
    #[serde(rename = "DATA_OBJECT")]
    Object(ObjectAssetChange),
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductAssetChange {
    /// Stricter than Immuta's document: a data product's name, which holds more than white space.
    #[schema(
        min_length = 1,
        max_length = 255,
        pattern = r"^[\p{L}\p{M}\p{N})(\-_/\\\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[\p{L}\p{M}\p{N})(\-_/\\][\p{L}\p{M}\p{N})(\-_/\\\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    subject_matter_experts: Option<Vec<SubjectMatterExpert>>,
    /// Stricter than Immuta's document: a request form's id (a UUID).
    #[schema(format = Uuid)]
    data_access_request_form_id: Option<String>,
    /// Stricter than Immuta's document: a request form's id (a UUID).
    #[schema(format = Uuid)]
    masking_exception_request_form_id: Option<String>,
    data_access_review_flow: Option<ReviewFlow>,
    masking_exception_review_flow: Option<ReviewFlow>,
    suspended: Option<bool>,
    dag_tag_id: Option<f64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectAssetChange {
    metadata: Option<ObjectMetadataInput>,
    /// Stricter than Immuta's document: a request form's id (a UUID).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Uuid)]
    data_access_request_form_id: Option<Option<String>>,
    /// Stricter than Immuta's document: a request form's id (a UUID).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Uuid)]
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
pub(super) async fn change_asset(
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
            super::products::check_expert(state, caller.tenant_id, draft.metadata.as_ref()).await?;
            let updated = state
                .store
                .update_product(caller.tenant_id, &product.id, draft, caller.user.id, now)
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
