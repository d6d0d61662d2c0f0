//! The most recent manual determinations on a product or data object: what its reviewers decided lately.

use super::allowed;
use super::metadata::ImmutaUser;
use super::request_targets::Subject;
use super::request_views::Users;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use marketplace_domain::Timestamp;
use marketplace_domain::access_request::RequestType;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// How many ended requests the determination history shows.
const RECENT_DETERMINATIONS: u64 = 5;

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

/// The five requests of the type most recently ended by people on the subject, with the records they decided.
pub(super) async fn recent(
    state: &AppState,
    caller: &Caller,
    subject: &Subject,
    query: DeterminationsQuery,
) -> Result<RecentDeterminations, ApiError> {
    let request_type = match query.request_type.as_deref() {
        None => RequestType::DataAccess,
        Some(text) => RequestType::parse(text)
            .ok_or_else(|| ApiError::invalid(format!("type `{text}` must be one of DATA_ACCESS, MASKING_EXCEPTION")))?,
    };
    let person = caller.person(state).await?;
    if !subject.reviewed_by(state, caller, &person).await? {
        return Err(ApiError::Forbidden(
            "Determination history is for the managers and stewards of what was requested.".into(),
        ));
    }
    let ended = state
        .store
        .recent_determinations(
            caller.tenant_id,
            &subject.target,
            request_type,
            None,
            RECENT_DETERMINATIONS,
        )
        .await?;
    let mut ids: Vec<i64> = ended
        .iter()
        .flat_map(|(request, records)| {
            [request.requesting_user_id, request.user_id]
                .into_iter()
                .chain(records.iter().filter_map(|record| record.action_by))
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let users = Users::load(state, caller, &ids).await?;
    let determinations = ended
        .into_iter()
        .flat_map(|(request, records)| records.into_iter().map(move |record| (request.clone(), record)))
        .map(|(request, record)| Determination {
            id: record.id,
            requesting_user: users.get(request.requesting_user_id),
            user: users.get(request.user_id),
            action_by: record.action_by.map(|id| users.get(id)),
            reason: record.reason,
            status: record.status.as_str(),
            created_at: record.created_at,
            updated_at: record.updated_at,
            expiration: record.ends_at,
        })
        .collect();
    Ok(RecentDeterminations { determinations })
}
