//! The shapes of data-object assets (catalog objects: database, schema, table…), as products' and assets'
//! forms and flows refer to them.

use marketplace_domain::Timestamp;
use marketplace_domain::catalog::SubjectMatterExpert;
use serde::Serialize;
use utoipa::ToSchema;

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
