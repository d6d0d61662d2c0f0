//! Access requests as the API shows them: with their users, and the product or data object they are for.

use super::asset_types::DataObjectAsset;
use super::assets::object_asset;
use super::metadata::ImmutaUser;
use crate::error::ApiError;
use marketplace_app::model::UserRecord;
use marketplace_app::requests::{ShownRequests, Users};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::{GlobalUserId, UserId};
use serde::Serialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct DataProductSummary {
    id: String,
    name: String,
    description: Option<String>,
}

/// Access request with user and data product metadata
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(title = "Hydrated Access Request")]
pub struct HydratedAccessRequest {
    id: String,
    requesting_user: ImmutaUser,
    user: ImmutaUser,
    form_version: String,
    /// The request form submission
    #[schema(value_type = Option<Value>)]
    form: Option<Box<RawValue>>,
    #[serde(rename = "type")]
    #[schema(example = "DATA_ACCESS")]
    request_type: &'static str,
    /// Metadata associated with the access request
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Value>)]
    metadata: Option<Box<RawValue>>,
    #[schema(example = "PENDING")]
    status: &'static str,
    /// When the temporary access will expire
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_product: Option<DataProductSummary>,
    /// Set on requests for a data object; those are made through `/api/asset/{id}/request`.
    #[serde(skip_serializing_if = "Option::is_none")]
    asset: Option<DataObjectAsset>,
}

/// A user as requests show them; a user the directory no longer holds keeps their id.
pub fn user(users: &Users, id: UserId) -> ImmutaUser {
    match users.0.get(&id) {
        Some((user, attributes)) => ImmutaUser::new(user.clone(), attributes.clone()),
        None => ImmutaUser::new(
            UserRecord {
                id,
                iam_id: String::new(),
                global_user_id: GlobalUserId(Uuid::nil()),
                username: String::new(),
                name: "Removed user".into(),
                email: None,
            },
            BTreeMap::new(),
        ),
    }
}

/// Renders requests with their users and data objects.
pub fn render_all(shown: ShownRequests) -> Vec<HydratedAccessRequest> {
    let ShownRequests {
        requests,
        users,
        objects,
    } = shown;
    requests
        .into_iter()
        .map(|request| {
            let asset = request
                .asset_id
                .as_ref()
                .and_then(|id| objects.get(id))
                .map(object_asset);
            HydratedAccessRequest {
                requesting_user: user(&users, request.requesting_user_id),
                user: user(&users, request.user_id),
                form_version: request.form_version,
                form: request.form,
                request_type: request.request_type.as_str(),
                metadata: request.metadata,
                status: request.status.as_str(),
                expiration: request.expiration,
                created_at: request.created_at,
                updated_at: request.updated_at,
                data_product: request.data_product_id.map(|id| DataProductSummary {
                    id: id.0,
                    name: request.target_name,
                    description: request.target_description,
                }),
                asset,
                id: request.id.0,
            }
        })
        .collect()
}

/// Renders the one request a use case answered with.
pub fn render(shown: ShownRequests) -> Result<HydratedAccessRequest, ApiError> {
    render_all(shown)
        .pop()
        .ok_or_else(|| ApiError::Internal("a request was expected".into()))
}
