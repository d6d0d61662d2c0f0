//! A data product as the API shows it: with its stats, and as the caller relates to it.

use super::asset_types::DataProductAsset;
use marketplace_app::catalog::ShownProduct;
use marketplace_domain::Timestamp;
use marketplace_domain::catalog::ProductMetadata;
use marketplace_domain::review_flow::ReviewFlow;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(title = "Data Product Stats")]
pub struct DataProductStats {
    data_source_count: u64,
    pending_request_count: u64,
    approved_request_count: u64,
    revoked_request_count: u64,
    canceled_request_count: u64,
    denied_request_count: u64,
    expired_request_count: u64,
    total_request_count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataProduct {
    id: String,
    name: String,
    description: Option<String>,
    domains: Vec<String>,
    suspended: bool,
    /// Global user id of the publisher
    created_by: Uuid,
    created_at: Timestamp,
    updated_at: Timestamp,
    /// The caller's relation to the product: their latest request status, `PUBLISHER`, or `NONE`.
    status: String,
    /// When the caller's access expires.
    expiration: Option<Timestamp>,
    stats: DataProductStats,
    /// The caller's latest request for the product.
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    source_types: Vec<String>,
    metadata: Option<ProductMetadata>,
    data_access_policy: ReviewFlow,
    masking_exception_policy: ReviewFlow,
    data_access_request_form_id: Uuid,
    masking_exception_request_form_id: Uuid,
}

/// A product as the API shows it, with its numbers and as the caller relates to it.
pub fn render(shown: ShownProduct) -> DataProduct {
    let ShownProduct {
        product,
        caller,
        stats: numbers,
    } = shown;
    let count = |status: &str| numbers.requests.get(status).copied().unwrap_or(0);
    DataProduct {
        stats: DataProductStats {
            data_source_count: numbers.data_sources,
            pending_request_count: count("PENDING"),
            approved_request_count: count("APPROVED"),
            revoked_request_count: count("REVOKED"),
            canceled_request_count: count("CANCELED"),
            denied_request_count: count("DENIED"),
            expired_request_count: count("EXPIRED"),
            total_request_count: numbers.requests.values().sum(),
        },
        source_types: numbers.source_types,
        id: product.id.0,
        name: product.name,
        description: product.description,
        domains: product.domains,
        suspended: product.suspended,
        created_by: product.created_by.0,
        created_at: product.created_at,
        updated_at: product.updated_at,
        status: caller.status,
        expiration: caller.expiration,
        request_id: caller.request_id,
        metadata: product.metadata,
        data_access_policy: product.data_access_policy,
        masking_exception_policy: product.masking_exception_policy,
        data_access_request_form_id: product.data_access_form_id.0,
        masking_exception_request_form_id: product.masking_exception_form_id.0,
    }
}

impl DataProduct {
    /// The product as an asset (`type: DATA_PRODUCT`).
    pub fn into_asset(self) -> DataProductAsset {
        DataProductAsset {
            id: self.id,
            name: self.name,
            asset_type: "DATA_PRODUCT",
            created_at: self.created_at,
            updated_at: self.updated_at,
            dag_tag_id: None,
            request_id: self.request_id,
            status: self.status,
            description: self.description,
            domains: self.domains,
            subject_matter_experts: self.metadata.into_iter().map(|m| m.subject_matter_expert).collect(),
            suspended: self.suspended,
            created_by: self.created_by,
            expiration: self.expiration,
            stats: self.stats,
            data_access_policy: self.data_access_policy,
            masking_exception_policy: self.masking_exception_policy,
        }
    }
}
