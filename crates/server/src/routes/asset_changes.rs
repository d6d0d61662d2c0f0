//! Changing an asset: `PUT` replaces what is set on it, `PATCH` changes only what is sent.

use marketplace_domain::catalog::SubjectMatterExpert;
use marketplace_domain::review_flow::ReviewFlow;
use serde::Deserialize;
use utoipa::ToSchema;

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

impl From<AssetChange> for marketplace_app::assets::AssetChange {
    fn from(change: AssetChange) -> Self {
        use marketplace_app::assets::{ObjectChange, ObjectMetadataChange, ProductAssetChange as Product};
        match change {
            AssetChange::Product(change) => {
                // The governance app owns the tag a product is filed under.
                let _ = change.dag_tag_id;
                marketplace_app::assets::AssetChange::Product(Product {
                    name: change.name,
                    description: change.description,
                    subject_matter_experts: change.subject_matter_experts,
                    data_access_form: change.data_access_request_form_id,
                    masking_exception_form: change.masking_exception_request_form_id,
                    data_access_policy: change.data_access_review_flow,
                    masking_exception_policy: change.masking_exception_review_flow,
                    suspended: change.suspended,
                })
            }
            AssetChange::Object(change) => {
                let metadata = change.metadata.unwrap_or_default();
                // Where an object is and what it is come from the directory: sent, they change nothing.
                let _ = (metadata.technology, metadata.legacy_type, metadata.data_source_id);
                marketplace_app::assets::AssetChange::Object(ObjectChange {
                    metadata: ObjectMetadataChange {
                        subject_matter_experts: metadata.subject_matter_experts,
                        object_path: metadata.object_path,
                        description: metadata.description,
                        external_link: metadata.external_link,
                    },
                    data_access_form: change.data_access_request_form_id,
                    masking_exception_form: change.masking_exception_request_form_id,
                    data_access_policy: change.data_access_review_flow,
                    masking_exception_policy: change.masking_exception_review_flow,
                })
            }
        }
    }
}
