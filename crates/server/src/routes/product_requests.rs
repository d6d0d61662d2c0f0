//! Requesting access to a data product, and revoking access it granted.

use super::access_requests::{self, HydratedAccessRequest, manages, render};
use super::products;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use axum::extract::State;
use axum::http::StatusCode;
use marketplace_domain::access_request::{
    Decision, Facts, RequestStatus, RequestType, Submission, criteria_met, decide,
};
use marketplace_domain::ids::new_cuid;
use marketplace_domain::review_flow::{Approver, ReviewFlow};
use marketplace_store::{NewAccessRequest, RequestTarget, Transition};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_access))
        .routes(routes!(revoke_access))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccessRequest {
    /// Immuta global user ID of the user for whom access is being requested
    user: Uuid,
    /// The request form submission
    #[serde(default)]
    form: Option<Value>,
}

/// Create a new data access request for the specified data product
#[utoipa::path(post, path = "/api/data-product/{id}/request", operation_id = "requestAccess",
    tag = "Data Product", summary = "Request access to a data product", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = CreateAccessRequest,
    responses((status = 201, body = HydratedAccessRequest)))]
async fn request_access(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<CreateAccessRequest>,
) -> Result<(StatusCode, ApiJson<HydratedAccessRequest>), ApiError> {
    let product = products::find(&state, &caller, &id).await?;
    if product.suspended {
        return Err(ApiError::BadRequest(
            "The data product is suspended and does not accept access requests.".into(),
        ));
    }
    let user = state
        .store
        .search_users(caller.tenant_id, None, &[body.user], 1)
        .await?
        .into_iter()
        .next()
        .map(|(user, _)| user)
        .ok_or_else(|| ApiError::invalid(format!("user: no user has the global user id {}", body.user)))?;
    let form = state
        .store
        .form(caller.tenant_id, product.data_access_form_id)
        .await?
        .ok_or_else(|| ApiError::Internal("the product's request form is missing".into()))?
        .snapshot;
    let submission = Submission::check(body.form.as_ref(), &form).map_err(ApiError::Invalid)?;
    let requester = caller.person(&state).await?;
    let target = match user.id == caller.user.id {
        true => requester.clone(),
        false => state
            .store
            .user_access(caller.tenant_id, user.id)
            .await?
            .into_person(user.global_user_id),
    };
    let facts = Facts {
        requester: &requester,
        user: &target,
        request_type: RequestType::DataAccess,
        answers: submission.answers_fact(),
        target_id: &product.id,
        domains: &product.domains,
    };
    let now = state.clock.now();
    let mut decision = decide(
        &form.policy,
        &product.data_access_policy,
        &facts,
        submission.duration,
        now,
    );
    if matches!(&decision, Decision::Review(records) if records.is_empty()) {
        // A review with no approvers could never end: review as the default flow does.
        let default = ReviewFlow::default_for_target();
        decision = decide(&default, &default, &facts, submission.duration, now);
    }
    let new = NewAccessRequest {
        id: new_cuid(),
        request_type: RequestType::DataAccess,
        target: RequestTarget::Product(product.id.clone()),
        target_name: product.name.clone(),
        target_description: product.description.clone(),
        target_type: "DATA_PRODUCT".into(),
        domains: product.domains.clone(),
        requesting_user_id: caller.user.id,
        user_id: user.id,
        form_version: form.version.clone(),
        form: submission.to_value(),
        columns: Vec::new(),
        decision,
    };
    let request = state.store.create_access_request(caller.tenant_id, new, now).await?;
    Ok((StatusCode::CREATED, ApiJson(render(&state, &caller, request).await?)))
}

/// Updates the specified access request to revoked and revokes access to data sources associated with the data
/// product
#[utoipa::path(delete, path = "/api/data-product/{id}/request/{requestId}", operation_id = "revokeAccess",
    tag = "Data Product", summary = "Revoke access to a data product", security(("bearer" = [])),
    params(("id" = String, Path), ("requestId" = String, Path)),
    responses((status = 204, description = "Revoked")))]
async fn revoke_access(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, request_id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let person = caller.person(&state).await?;
    let (request, records) = access_requests::visible(&state, &caller, &person, &request_id).await?;
    if request.data_product_id.as_deref() != Some(id.as_str()) {
        return Err(access_requests::not_found());
    }
    let product = state.store.product(caller.tenant_id, &id).await?;
    let product_approvers: Vec<Approver> = product
        .iter()
        .flat_map(|product| {
            product
                .data_access_policy
                .approvers()
                .chain(product.masking_exception_policy.approvers())
        })
        .cloned()
        .collect();
    let steward = records
        .iter()
        .map(|record| record.approvers.as_slice())
        .chain([product_approvers.as_slice()])
        .any(|approvers| !criteria_met(&person, approvers, &request.domains).is_empty());
    if !(manages(&person, &request) || steward) {
        return Err(ApiError::Forbidden(
            "Revoking access takes GOVERNANCE, Manage Data Products in the product's domain, or being its steward."
                .into(),
        ));
    }
    if request.status != RequestStatus::Approved {
        return Err(ApiError::Conflict(format!(
            "Only approved access can be revoked; this request is {}.",
            request.status.as_str()
        )));
    }
    state
        .store
        .change_request(
            caller.tenant_id,
            &request_id,
            Transition::Revoke,
            caller.user.id,
            None,
            state.clock.now(),
        )
        .await?
        .ok_or_else(access_requests::not_found)?;
    Ok(StatusCode::NO_CONTENT)
}
