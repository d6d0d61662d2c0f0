//! Access requests as the API shows them: with their users, and the product or data object they are for.

use super::asset_types::DataObjectAsset;
use super::assets::object_asset;
use super::metadata::ImmutaUser;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use marketplace_domain::Timestamp;
use marketplace_store::{AccessRequestRecord, UserRecord};
use serde::Serialize;
use serde_json::Value;
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
    form: Option<Value>,
    #[serde(rename = "type")]
    #[schema(example = "DATA_ACCESS")]
    request_type: &'static str,
    /// Metadata associated with the access request
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Value>,
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

/// Users by id as the API shows them; a user the directory no longer holds keeps their id.
pub struct Users(BTreeMap<i64, (UserRecord, BTreeMap<String, Vec<String>>)>);

impl Users {
    pub async fn load(state: &AppState, caller: &Caller, ids: &[i64]) -> Result<Self, ApiError> {
        Ok(Users(state.store.users_by_ids(caller.tenant_id, ids).await?))
    }

    pub fn get(&self, id: i64) -> ImmutaUser {
        match self.0.get(&id) {
            Some((user, attributes)) => ImmutaUser::new(user.clone(), attributes.clone()),
            None => ImmutaUser::new(
                UserRecord {
                    id,
                    iam_id: String::new(),
                    global_user_id: Uuid::nil(),
                    username: String::new(),
                    name: "Removed user".into(),
                    email: None,
                },
                BTreeMap::new(),
            ),
        }
    }
}

pub async fn render(
    state: &AppState,
    caller: &Caller,
    request: AccessRequestRecord,
) -> Result<HydratedAccessRequest, ApiError> {
    let mut rendered = render_all(state, caller, vec![request]).await?;
    Ok(rendered.pop().expect("one request in, one out"))
}

/// Renders a page of requests, loading their users and data objects once for the page.
pub async fn render_all(
    state: &AppState,
    caller: &Caller,
    requests: Vec<AccessRequestRecord>,
) -> Result<Vec<HydratedAccessRequest>, ApiError> {
    let mut user_ids: Vec<i64> = requests
        .iter()
        .flat_map(|request| [request.requesting_user_id, request.user_id])
        .collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    let users = Users::load(state, caller, &user_ids).await?;
    let mut object_ids: Vec<Uuid> = requests
        .iter()
        .filter_map(|request| request.asset_id.as_deref().and_then(|id| Uuid::parse_str(id).ok()))
        .collect();
    object_ids.sort_unstable();
    object_ids.dedup();
    let objects: BTreeMap<String, DataObjectAsset> = state
        .store
        .data_objects(caller.tenant_id, &object_ids)
        .await?
        .iter()
        .map(|object| (object.id.to_string(), object_asset(object)))
        .collect();
    Ok(requests
        .into_iter()
        .map(|request| {
            let asset = request.asset_id.as_ref().and_then(|id| objects.get(id)).cloned();
            HydratedAccessRequest {
                requesting_user: users.get(request.requesting_user_id),
                user: users.get(request.user_id),
                form_version: request.form_version,
                form: request.form,
                request_type: request.request_type.as_str(),
                metadata: request.metadata,
                status: request.status.as_str(),
                expiration: request.expiration,
                created_at: request.created_at,
                updated_at: request.updated_at,
                data_product: request.data_product_id.map(|id| DataProductSummary {
                    id,
                    name: request.target_name,
                    description: request.target_description,
                }),
                asset,
                id: request.id,
            }
        })
        .collect())
}
