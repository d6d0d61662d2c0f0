//! One module per API tag. A handler extracts the caller and the wire input, calls one use case of
//! `marketplace_app`, and renders its answer in the wire's names and shapes.

pub mod access_requests;
pub mod agreements;
pub mod allowed;
pub mod asset_changes;
pub mod asset_requests;
pub mod asset_types;
pub mod assets;
pub mod auth;
mod determinations;
pub mod forms;
pub mod health;
pub mod inbox;
mod listing;
pub mod masking_exceptions;
pub mod metadata;
pub mod notification_preferences;
pub mod product_parts;
pub mod product_requests;
mod product_search;
mod product_view;
pub mod products;
pub mod provisioning;
pub mod request_search;
pub mod request_views;
pub mod risk;
pub mod settings;
pub mod slack;
pub mod tags;
pub mod webhooks;

/// Every status an access request (or the caller's relation to a product) may have.
pub const REQUEST_STATUSES: [&str; 8] = [
    "APPROVED",
    "CANCELED",
    "DENIED",
    "PENDING",
    "NONE",
    "PUBLISHER",
    "REVOKED",
    "EXPIRED",
];
