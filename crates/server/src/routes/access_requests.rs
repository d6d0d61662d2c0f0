//! Access requests: read one, cancel it, read its approval records, and decide a record.

use super::allowed;
use super::metadata::ImmutaUser;
use super::request_views::{HydratedAccessRequest, Users, render};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use axum::extract::State;
use axum::http::StatusCode;
use marketplace_domain::access::Person;
use marketplace_domain::access_request::criteria_met;
use marketplace_domain::number::Whole;
use marketplace_domain::permissions::{DomainPermission, GlobalPermission};
use marketplace_domain::review_flow::{Approver, DurationUnit};
use marketplace_domain::{Timestamp, access_request::RecordStatus};
use marketplace_store::{AccessRequestRecord, ApprovalRecordRow, Determination, Transition};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_request, cancel_request))
        .routes(routes!(request_records))
        .routes(routes!(decide_record))
}

pub fn not_found() -> ApiError {
    ApiError::NotFound("Access request not found.".into())
}

/// Also the answer for a record of a request the caller may not see.
fn record_not_found() -> ApiError {
    ApiError::NotFound("Approval record not found.".into())
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRecord {
    id: String,
    data_access_request_id: String,
    approvers: Vec<Approver>,
    prerequisites: Vec<String>,
    /// The user who took action on this approval record
    #[serde(skip_serializing_if = "Option::is_none")]
    action_by: Option<ImmutaUser>,
    #[schema(example = "PENDING")]
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
    approver_criteria_met: Option<Vec<Approver>>,
    duration: Option<u32>,
    duration_unit: Option<DurationUnit>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRecords {
    approval_records: Vec<ApprovalRecord>,
}

/// Who may see a request: its requester and its user, `GOVERNANCE`, product managers of its domains, and
/// anyone who meets an approver criterion of one of its records.
pub fn may_see(caller: &Caller, person: &Person, request: &AccessRequestRecord, records: &[ApprovalRecordRow]) -> bool {
    caller.user.id == request.requesting_user_id
        || caller.user.id == request.user_id
        || manages(person, request)
        || records
            .iter()
            .any(|record| !criteria_met(person, &record.approvers, &request.domains).is_empty())
}

/// `GOVERNANCE`, or `Manage Data Products` in one of the request's domains.
pub fn manages(person: &Person, request: &AccessRequestRecord) -> bool {
    person.has(GlobalPermission::Governance)
        || request
            .domains
            .iter()
            .any(|domain| person.has_in_domain(domain, DomainPermission::ManageDataProducts))
}

/// The request with its records, if the caller may see it; 404 otherwise, so its existence is not revealed.
pub async fn visible(
    state: &AppState,
    caller: &Caller,
    person: &Person,
    id: &str,
) -> Result<(AccessRequestRecord, Vec<ApprovalRecordRow>), ApiError> {
    let request = state
        .store
        .access_request(caller.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    let records = state.store.approval_records(caller.tenant_id, id).await?;
    match may_see(caller, person, &request, &records) {
        true => Ok((request, records)),
        false => Err(not_found()),
    }
}

/// Returns specific details for a specific access request
#[utoipa::path(get, path = "/api/access-request/{id}", operation_id = "getAccessRequestById",
    tag = "Access Request", summary = "Get individual access request", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = HydratedAccessRequest)))]
async fn get_request(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<HydratedAccessRequest>, ApiError> {
    let person = caller.person(&state).await?;
    let (request, _) = visible(&state, &caller, &person, &id).await?;
    Ok(ApiJson(render(&state, &caller, request).await?))
}

/// Cancel the specified pending access request by ID, cascading the cancellation to any pending and blocked
/// approval records.
#[utoipa::path(delete, path = "/api/access-request/{id}", operation_id = "cancelAccessRequest",
    tag = "Access Request", summary = "Cancel a pending access request", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 204, description = "Canceled")))]
async fn cancel_request(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let person = caller.person(&state).await?;
    let (request, _) = visible(&state, &caller, &person, &id).await?;
    if caller.user.id != request.requesting_user_id && caller.user.id != request.user_id {
        return Err(ApiError::Forbidden(
            "Only the requester or the user it is for may cancel an access request.".into(),
        ));
    }
    let now = state.clock.now();
    state
        .store
        .change_request(caller.tenant_id, &id, Transition::Cancel, caller.user.id, None, now)
        .await?
        .ok_or_else(not_found)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Returns all approval records associated with a specific access request
#[utoipa::path(get, path = "/api/access-request/{id}/records", operation_id = "getAccessRequestRecords",
    tag = "Access Request", summary = "Get approval records associated with the a request",
    security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = ApprovalRecords)))]
async fn request_records(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<ApprovalRecords>, ApiError> {
    let person = caller.person(&state).await?;
    let (_, records) = visible(&state, &caller, &person, &id).await?;
    let actors: Vec<i64> = records.iter().filter_map(|record| record.action_by).collect();
    let users = Users::load(&state, &caller, &actors).await?;
    Ok(ApiJson(ApprovalRecords {
        approval_records: records.into_iter().map(|record| record_dto(&users, record)).collect(),
    }))
}

fn record_dto(users: &Users, record: ApprovalRecordRow) -> ApprovalRecord {
    ApprovalRecord {
        id: record.id,
        data_access_request_id: record.request_id,
        approvers: record.approvers,
        prerequisites: record.prerequisites,
        action_by: record.action_by.map(|id| users.get(id)),
        status: record.status.as_str(),
        reason: record.reason,
        created_at: record.created_at,
        updated_at: record.updated_at,
        approver_criteria_met: record.criteria_met,
        duration: record.duration,
        duration_unit: record.duration_unit,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateApprovalRecordRequest {
    #[schema(example = "APPROVED", value_type = allowed::Decision, inline)]
    status: String,
    /// Why. Stricter than Immuta's document: required, and not blank.
    #[serde(default)]
    #[schema(required = true, nullable = false, min_length = 1, pattern = r"[^\s\u0085]")]
    reason: Option<String>,
    /// For a temporary approval: with `durationUnit`, when approving. Stricter than Immuta's document: a whole
    /// number.
    #[serde(default)]
    #[schema(value_type = Option<f64>, minimum = 1, maximum = 4_294_967_295_u32, multiple_of = 1.0)]
    duration: Option<Whole>,
    #[serde(default)]
    duration_unit: Option<DurationUnit>,
}

/// Modify a pending approval record as an approver
#[utoipa::path(put, path = "/api/approval-record/{id}", operation_id = "updateApprovalRecord",
    tag = "Access Request", summary = "Approve or reject an approval record", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = UpdateApprovalRecordRequest,
    responses((status = 200, body = ApprovalRecord)))]
async fn decide_record(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateApprovalRecordRequest>,
) -> Result<ApiJson<ApprovalRecord>, ApiError> {
    let mut problems = Vec::new();
    let approve = match RecordStatus::parse(&body.status) {
        Some(RecordStatus::Approved) => true,
        Some(RecordStatus::Denied) => false,
        _ => {
            problems.push("status must be one of the following values: APPROVED, DENIED".to_owned());
            false
        }
    };
    let reason = body.reason.as_deref().map(str::trim).unwrap_or_default().to_owned();
    if reason.is_empty() {
        problems.push("reason should not be empty".into());
    }
    let duration = match (body.duration, body.duration_unit) {
        (None, None) => None,
        (Some(Whole(0)), _) => {
            problems.push("duration must not be less than 1".into());
            None
        }
        (Some(Whole(amount)), Some(unit)) if approve => Some((amount, unit)),
        (Some(_), Some(_)) => {
            problems.push("duration applies only to an approval".into());
            None
        }
        _ => {
            problems.push("duration and durationUnit must be given together".into());
            None
        }
    };
    crate::extract::reject_if_any(problems)?;
    let person = caller.person(&state).await?;
    let record = state
        .store
        .approval_record(caller.tenant_id, &id)
        .await?
        .ok_or_else(record_not_found)?;
    let (request, _) = visible(&state, &caller, &person, &record.request_id)
        .await
        .map_err(|error| match error {
            ApiError::NotFound(_) => record_not_found(),
            other => other,
        })?;
    if caller.user.id == request.requesting_user_id || caller.user.id == request.user_id {
        return Err(ApiError::Forbidden(
            "Nobody may decide a request they made or that is for them.".into(),
        ));
    }
    let met = criteria_met(&person, &record.approvers, &request.domains);
    if met.is_empty() {
        return Err(ApiError::Forbidden(
            "You are not an approver of this approval record.".into(),
        ));
    }
    let determination = Determination {
        approve,
        reason,
        actor_id: caller.user.id,
        criteria_met: met,
        duration,
    };
    let decided = state
        .store
        .decide_record(caller.tenant_id, &id, determination, state.clock.now())
        .await?
        .ok_or_else(record_not_found)?;
    let users = Users::load(&state, &caller, &[caller.user.id]).await?;
    Ok(ApiJson(record_dto(&users, decided)))
}
