//! Review assist: how requests like this one went before (DESIGN §2 "Risk assessment").

use super::access_requests::{self, manages};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use axum::extract::State;
use marketplace_domain::access_request::risk::{Literal, PastDetermination, Risk, assess};
use marketplace_domain::access_request::{RecordStatus, RequestStatus, criteria_met};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// How many past determinations an assessment reads: the most recent, which say most about current practice.
const HISTORY: u64 = 200;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(risk_assessment))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum RiskAssessmentResponse {
    Full(FullAssessment),
    Short {
        #[serde(rename = "approvalRisk")]
        approval_risk: &'static str,
    },
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FullAssessment {
    conflict_detected: bool,
    approval_risk: &'static str,
    /// An approval record status, or `NONE`
    recommendation: &'static str,
    n_allowed: u64,
    n_denied: u64,
    risk_value: f64,
    cohort: Cohort,
    median_approval_time_window_in_days: Option<f64>,
    explanation: String,
    approval_reasons: Vec<String>,
    denial_reasons: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Cohort {
    literals: Vec<CohortLiteral>,
}

/// What the user shares with the cohort: `{name, value}` for an attribute, `{name}` for a group. (`label`,
/// `similarRequests` and `negation` describe form-answer topics and negated features, which this model does not
/// use.)
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CohortLiteral {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    similar_requests: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    negation: Option<bool>,
}

/// Returns the risk assessment for a specific access request
#[utoipa::path(get, path = "/api/access-request/{id}/risk-assessment", operation_id = "getRiskAssessment",
    tag = "Access Request", summary = "Get the risk assessment for a specific access request",
    security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = RiskAssessmentResponse)))]
async fn risk_assessment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<RiskAssessmentResponse>, ApiError> {
    let person = caller.person(&state).await?;
    let (request, records) = access_requests::visible(&state, &caller, &person, &id).await?;
    let reviewer = manages(&person, &request)
        || records
            .iter()
            .any(|record| !criteria_met(&person, &record.approvers, &request.domains).is_empty());
    if !reviewer {
        return Err(ApiError::Forbidden(
            "The risk assessment is for the request's reviewers.".into(),
        ));
    }
    let Some(target) = request.target() else {
        return Ok(ApiJson(RiskAssessmentResponse::Short {
            approval_risk: Risk::Indeterminate.as_str(),
        }));
    };
    let past = state
        .store
        .recent_determinations(caller.tenant_id, &target, request.request_type, Some(&id), HISTORY)
        .await?;
    let mut history = Vec::with_capacity(past.len());
    let mut people = BTreeMap::new();
    for (earlier, decided) in past {
        if let std::collections::btree_map::Entry::Vacant(slot) = people.entry(earlier.user_id) {
            slot.insert(state.store.user_access(caller.tenant_id, earlier.user_id).await?);
        }
        let access = &people[&earlier.user_id];
        let last = decided.iter().max_by_key(|record| record.updated_at);
        let denied = decided.iter().find(|record| record.status == RecordStatus::Denied);
        history.push(PastDetermination {
            approved: earlier.status != RequestStatus::Denied,
            groups: access.groups.iter().map(|group| group.name.clone()).collect(),
            attributes: access
                .attributes
                .iter()
                .flat_map(|(key, values)| values.iter().map(move |value| (key.clone(), value.clone())))
                .collect(),
            reason: denied.or(last).and_then(|record| record.reason.clone()),
            days_to_decision: last.map_or(0.0, |record| {
                (record.updated_at.millis() - earlier.created_at.millis()) as f64 / 86_400_000.0
            }),
        });
    }
    let user = state
        .store
        .user_access(caller.tenant_id, request.user_id)
        .await?
        .into_person(uuid::Uuid::nil());
    let assessment = assess(&user, &history);
    if assessment.risk == Risk::Indeterminate {
        return Ok(ApiJson(RiskAssessmentResponse::Short {
            approval_risk: Risk::Indeterminate.as_str(),
        }));
    }
    let literals = assessment
        .literals
        .into_iter()
        .map(|literal| match literal {
            Literal::Group { name } => CohortLiteral {
                name: Some(name),
                ..CohortLiteral::default()
            },
            Literal::Attribute { name, value } => CohortLiteral {
                name: Some(name),
                value: Some(value),
                ..CohortLiteral::default()
            },
        })
        .collect();
    Ok(ApiJson(RiskAssessmentResponse::Full(FullAssessment {
        conflict_detected: assessment.conflict_detected,
        approval_risk: assessment.risk.as_str(),
        recommendation: assessment.recommendation.map_or("NONE", RecordStatus::as_str),
        n_allowed: assessment.n_allowed,
        n_denied: assessment.n_denied,
        risk_value: assessment.risk_value,
        cohort: Cohort { literals },
        median_approval_time_window_in_days: assessment.median_days_to_approval,
        explanation: assessment.explanation,
        approval_reasons: assessment.approval_reasons,
        denial_reasons: assessment.denial_reasons,
    })))
}
