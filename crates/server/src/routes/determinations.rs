//! The most recent manual determinations on a product or data object: what its reviewers decided lately.

use super::allowed;
use super::metadata::ImmutaUser;
use super::request_views::user;
use crate::error::ApiError;
use marketplace_app::requests::{RecentDetermination, Users};
use marketplace_domain::Timestamp;
use marketplace_domain::access_request::RequestType;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeterminationsQuery {
    #[serde(rename = "type")]
    #[param(rename = "type", value_type = Option<allowed::RequestTypeOrDataAccess>, inline)]
    request_type: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Determination {
    id: String,
    requesting_user: ImmutaUser,
    user: ImmutaUser,
    action_by: Option<ImmutaUser>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[schema(example = "APPROVED")]
    status: &'static str,
    created_at: Timestamp,
    updated_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration: Option<Timestamp>,
}

/// Recent Data Product Manual Determinations
#[derive(Debug, Serialize, ToSchema)]
pub struct RecentDeterminations {
    determinations: Vec<Determination>,
}

impl DeterminationsQuery {
    /// The request type asked for, data access unless told.
    pub(super) fn request_type(&self) -> Result<RequestType, ApiError> {
        match self.request_type.as_deref() {
            None => Ok(RequestType::DataAccess),
            Some(text) => RequestType::parse(text).ok_or_else(|| {
                ApiError::invalid(format!("type `{text}` must be one of DATA_ACCESS, MASKING_EXCEPTION"))
            }),
        }
    }
}

/// The records of the recent determinations, as the API shows them.
pub(super) fn render((determinations, users): (Vec<RecentDetermination>, Users)) -> RecentDeterminations {
    RecentDeterminations {
        determinations: determinations
            .into_iter()
            .map(|RecentDetermination { request, record }| Determination {
                id: record.id.0,
                requesting_user: user(&users, request.requesting_user_id),
                user: user(&users, request.user_id),
                action_by: record.action_by.map(|id| user(&users, id)),
                reason: record.reason,
                status: record.status.as_str(),
                created_at: record.created_at,
                updated_at: record.updated_at,
                expiration: record.ends_at,
            })
            .collect(),
    }
}
