//! The shapes of data-object assets (catalog objects: database, schema, table…), as products' and assets'
//! forms and flows refer to them.

use super::products::DataProductStats;
use marketplace_domain::Timestamp;
use marketplace_domain::catalog::SubjectMatterExpert;
use marketplace_domain::review_flow::ReviewFlow;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataObjectAssetMetadata {
    pub subject_matter_experts: Vec<SubjectMatterExpert>,
    pub object_path: Vec<String>,
    pub technology: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub legacy_type: Option<String>,
    pub data_source_id: Option<i64>,
    pub description: Option<String>,
    pub external_link: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataObjectStats {
    pub data_source_count: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(title = "Data Object Asset")]
pub struct DataObjectAsset {
    pub id: String,
    pub name: String,
    /// Always `DATA_OBJECT`
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub asset_type: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub dag_tag_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub status: String,
    pub metadata: DataObjectAssetMetadata,
    pub registered: bool,
    pub stats: DataObjectStats,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(title = "Data Product Asset")]
pub struct DataProductAsset {
    pub id: String,
    pub name: String,
    /// Always `DATA_PRODUCT`
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub asset_type: &'static str,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub dag_tag_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub status: String,
    pub description: Option<String>,
    pub domains: Vec<String>,
    pub subject_matter_experts: Vec<SubjectMatterExpert>,
    pub suspended: bool,
    pub created_by: Uuid,
    pub expiration: Option<Timestamp>,
    pub stats: DataProductStats,
    pub data_access_policy: ReviewFlow,
    pub masking_exception_policy: ReviewFlow,
}

/// An asset: a data product or a data object.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
#[schema(title = "Asset")]
pub enum AssetDto {
    Product(DataProductAsset),
    Object(DataObjectAsset),
}
