//! Changing an asset: replacing what is set on it (`PUT`), or only what is sent (`PATCH`).

use super::{Asset, ShownAsset, asset_not_found};
use crate::catalog::NAME_TAKEN;
use crate::{Actor, App, AppError, Problems};
use marketplace_domain::GlobalPermission;
use marketplace_domain::catalog::{ProductMetadata, SubjectMatterExpert, product_name_problems};
use marketplace_domain::ids::FormId;
use marketplace_domain::review_flow::{FlowOwner, ReviewFlow};
use marketplace_store::{ObjectSettings, ProductDraft, StoreError};

/// A change to an asset of either kind.
pub enum AssetChange {
    Product(ProductAssetChange),
    Object(ObjectChange),
}

/// A change to a product through the asset API: `None` keeps (on `PATCH`) or clears (on `PUT`) what is set.
#[derive(Default)]
pub struct ProductAssetChange {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub subject_matter_experts: Option<Vec<SubjectMatterExpert>>,
    /// Request forms by id as sent.
    pub data_access_form: Option<String>,
    pub masking_exception_form: Option<String>,
    pub data_access_policy: Option<ReviewFlow>,
    pub masking_exception_policy: Option<ReviewFlow>,
    pub suspended: Option<bool>,
}

/// What a client may set on a data object; `Some(None)` clears a setting, so the object inherits again.
#[derive(Default)]
pub struct ObjectChange {
    pub metadata: ObjectMetadataChange,
    pub data_access_form: Option<Option<String>>,
    pub masking_exception_form: Option<Option<String>>,
    pub data_access_policy: Option<Option<ReviewFlow>>,
    pub masking_exception_policy: Option<Option<ReviewFlow>>,
}

#[derive(Default)]
pub struct ObjectMetadataChange {
    pub subject_matter_experts: Option<Vec<SubjectMatterExpert>>,
    /// Where the object is: it comes from the directory, so it may only be sent as it is.
    pub object_path: Option<Vec<String>>,
    pub description: Option<Option<String>>,
    pub external_link: Option<Option<String>>,
}

fn form_id(field: &str, id: &str, problems: &mut Problems) -> Option<FormId> {
    id.parse()
        .map_err(|_| problems.add(field, format!("{field}: no request form has the id {id}")))
        .ok()
}

fn flow_problems(field: &str, flow: &ReviewFlow, problems: &mut Problems) {
    problems.extend(
        flow.problems(field, FlowOwner::Target)
            .into_iter()
            .map(crate::Problem::from_message),
    );
}

impl App {
    /// Applies a change to an asset; `replace` (PUT) clears what the change does not set.
    pub async fn change_asset(
        &self,
        actor: &Actor,
        id: &str,
        change: AssetChange,
        replace: bool,
    ) -> Result<ShownAsset, AppError> {
        let asset = self.find_asset(actor, id).await?;
        let mut problems = Problems::default();
        match (asset, change) {
            (Asset::Product(product), AssetChange::Product(change)) => {
                let access = change
                    .data_access_form
                    .as_deref()
                    .and_then(|id| form_id("dataAccessRequestFormId", id, &mut problems));
                let masking = change
                    .masking_exception_form
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
                    data_access_policy: change.data_access_policy.unwrap_or(product.data_access_policy.clone()),
                    masking_exception_policy: change
                        .masking_exception_policy
                        .unwrap_or(product.masking_exception_policy.clone()),
                    data_sources: None,
                };
                for message in product_name_problems(&draft.name) {
                    problems.add("name", message);
                }
                flow_problems("dataAccessReviewFlow", &draft.data_access_policy, &mut problems);
                flow_problems(
                    "maskingExceptionReviewFlow",
                    &draft.masking_exception_policy,
                    &mut problems,
                );
                problems.check()?;
                crate::catalog::require_manager(&self.person(actor).await?, &product.domains)?;
                self.check_expert(actor, draft.metadata.as_ref()).await?;
                let updated = self
                    .store
                    .update_product(actor.tenant_id, &product.id, draft, actor.user.id, self.now())
                    .await
                    .map_err(|error| match error {
                        StoreError::Duplicate => AppError::Conflict(NAME_TAKEN.into()),
                        other => other.into(),
                    })?
                    .ok_or_else(asset_not_found)?;
                self.show_asset(actor, Asset::Product(updated)).await
            }
            (Asset::Object(object), AssetChange::Object(change)) => {
                let mut settings = match replace {
                    true => ObjectSettings::default(),
                    false => object.settings.clone(),
                };
                let metadata = change.metadata;
                if metadata
                    .object_path
                    .as_ref()
                    .is_some_and(|path| *path != object.object_path)
                {
                    problems.add(
                        "metadata.objectPath",
                        "metadata.objectPath comes from the directory and cannot be changed",
                    );
                }
                if let Some(experts) = metadata.subject_matter_experts {
                    settings.subject_matter_experts = experts;
                }
                if let Some(description) = metadata.description {
                    settings.description = description;
                }
                if let Some(link) = metadata.external_link {
                    settings.external_link = link;
                }
                if let Some(form) = change.data_access_form {
                    settings.data_access_form_id =
                        form.and_then(|id| form_id("dataAccessRequestFormId", &id, &mut problems));
                }
                if let Some(form) = change.masking_exception_form {
                    settings.masking_exception_form_id =
                        form.and_then(|id| form_id("maskingExceptionRequestFormId", &id, &mut problems));
                }
                if let Some(flow) = change.data_access_policy {
                    settings.data_access_review_flow = flow;
                }
                if let Some(flow) = change.masking_exception_policy {
                    settings.masking_exception_review_flow = flow;
                }
                for (field, flow) in [
                    ("dataAccessReviewFlow", &settings.data_access_review_flow),
                    ("maskingExceptionReviewFlow", &settings.masking_exception_review_flow),
                ] {
                    if let Some(flow) = flow {
                        flow_problems(field, flow, &mut problems);
                    }
                }
                problems.check()?;
                if !self.person(actor).await?.has(GlobalPermission::Governance) {
                    return Err(AppError::Forbidden(
                        "Changing a data object's forms, flows or stewards requires GOVERNANCE.".into(),
                    ));
                }
                let updated = self
                    .store
                    .save_data_object_settings(actor.tenant_id, object.id, &settings, self.now())
                    .await?
                    .ok_or_else(asset_not_found)?;
                // A changed object answers as it is now, without the actor's request: the change is not theirs.
                Ok(ShownAsset::Object {
                    object: updated,
                    latest: None,
                })
            }
            (Asset::Product(_), AssetChange::Object(_)) => Err(AppError::invalid(
                "type",
                "type must be DATA_PRODUCT for a data product",
            )),
            (Asset::Object(_), AssetChange::Product(_)) => {
                Err(AppError::invalid("type", "type must be DATA_OBJECT for a data object"))
            }
        }
    }
}
