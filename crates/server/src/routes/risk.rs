//! Review assist: how requests like this one went before (DESIGN §2 "Risk assessment").

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use axum::extract::State;
use marketplace_app::requests::RiskAnswer;
use marketplace_domain::access_request::RecordStatus;
use marketplace_domain::access_request::risk::{Literal, Risk};
use marketplace_domain::ids::RequestId;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

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
    let assessment = match state.app.risk_assessment(&caller, &RequestId(id)).await? {
        RiskAnswer::Indeterminate => {
            return Ok(ApiJson(RiskAssessmentResponse::Short {
                approval_risk: Risk::Indeterminate.as_str(),
            }));
        }
        RiskAnswer::Assessed(assessment) => assessment,
    };
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
