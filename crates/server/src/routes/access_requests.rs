//! Access requests: read one, cancel it, read its approval records, and decide a record.

use super::allowed;
use super::metadata::ImmutaUser;
use super::request_views::{HydratedAccessRequest, render, user};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use axum::extract::State;
use axum::http::StatusCode;
use marketplace_app::model::ApprovalRecordRow;
use marketplace_app::requests::{DecisionInput, Records, Users};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::{RecordId, RequestId};
use marketplace_domain::number::Whole;
use marketplace_domain::review_flow::{Approver, DurationUnit};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_request, cancel_request))
        .routes(routes!(request_records))
        .routes(routes!(decide_record))
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

/// Returns specific details for a specific access request
#[utoipa::path(get, path = "/api/access-request/{id}", operation_id = "getAccessRequestById",
    tag = "Access Request", summary = "Get individual access request", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = HydratedAccessRequest)))]
async fn get_request(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<HydratedAccessRequest>, ApiError> {
    Ok(ApiJson(render(
        state.app.access_request(&caller, &RequestId(id)).await?,
    )?))
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
    state.app.cancel_request(&caller, &RequestId(id)).await?;
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
    let Records { records, users } = state.app.approval_records(&caller, &RequestId(id)).await?;
    Ok(ApiJson(ApprovalRecords {
        approval_records: records.into_iter().map(|record| record_dto(&users, record)).collect(),
    }))
}

fn record_dto(users: &Users, record: ApprovalRecordRow) -> ApprovalRecord {
    ApprovalRecord {
        id: record.id.0,
        data_access_request_id: record.request_id.0,
        approvers: record.approvers,
        prerequisites: record.prerequisites.into_iter().map(|id| id.0).collect(),
        action_by: record.action_by.map(|id| user(users, id)),
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
    let input = DecisionInput {
        status: body.status,
        reason: body.reason,
        duration: body.duration,
        duration_unit: body.duration_unit,
    };
    let Records { mut records, users } = state.app.decide_record(&caller, &RecordId(id), input).await?;
    let decided = records
        .pop()
        .ok_or_else(|| ApiError::Internal("a decided record was expected".into()))?;
    Ok(ApiJson(record_dto(&users, decided)))
}
