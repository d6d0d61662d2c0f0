//! Requesting access to a data product, and revoking access it granted.

use super::access_requests::{self, HydratedAccessRequest, Users, manages, render};
use super::metadata::ImmutaUser;
use super::products;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::extract::State;
use axum::http::StatusCode;
use marketplace_domain::Timestamp;
use marketplace_domain::access::Person;
use marketplace_domain::access_request::{
    Decision, Facts, RequestStatus, RequestType, Submission, criteria_met, decide,
};
use marketplace_domain::catalog::can_manage_product;
use marketplace_domain::ids::new_cuid;
use marketplace_domain::review_flow::{Approver, ReviewFlow};
use marketplace_store::{NewAccessRequest, Product, RequestTarget, RequestedColumn, Transition};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_access))
        .routes(routes!(revoke_access))
        .routes(routes!(recent_determinations))
}

/// Whether the person reviews requests for the product: `GOVERNANCE`, `Manage Data Products` in its domains, or
/// an approver of its own flows or of its request forms' flows.
pub(super) async fn reviews_product(
    state: &AppState,
    caller: &Caller,
    person: &Person,
    product: &Product,
) -> Result<bool, ApiError> {
    if can_manage_product(person, product.domains.iter().map(String::as_str)) {
        return Ok(true);
    }
    let mut flows = vec![
        product.data_access_policy.clone(),
        product.masking_exception_policy.clone(),
    ];
    for form_id in [product.data_access_form_id, product.masking_exception_form_id] {
        if let Some(form) = state.store.form(caller.tenant_id, form_id).await? {
            flows.push(form.snapshot.policy);
        }
    }
    let approvers: Vec<Approver> = flows.iter().flat_map(ReviewFlow::approvers).cloned().collect();
    Ok(!criteria_met(person, &approvers, &product.domains).is_empty())
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
    let request = submit(&state, &caller, &product, body.user, body.form.as_ref(), Vec::new()).await?;
    Ok((StatusCode::CREATED, ApiJson(request)))
}

/// Checks and stores a request for a product: data access, or a masking exception when `columns` are named.
pub(super) async fn submit(
    state: &AppState,
    caller: &Caller,
    product: &Product,
    user: Uuid,
    form: Option<&Value>,
    columns: Vec<RequestedColumn>,
) -> Result<HydratedAccessRequest, ApiError> {
    let (request_type, form_id, policy) = match columns.is_empty() {
        true => (
            RequestType::DataAccess,
            product.data_access_form_id,
            &product.data_access_policy,
        ),
        false => (
            RequestType::MaskingException,
            product.masking_exception_form_id,
            &product.masking_exception_policy,
        ),
    };
    if product.suspended {
        return Err(ApiError::BadRequest(
            "The data product is suspended and does not accept access requests.".into(),
        ));
    }
    let user = state
        .store
        .search_users(caller.tenant_id, None, &[user], 1)
        .await?
        .into_iter()
        .next()
        .map(|(user, _)| user)
        .ok_or_else(|| ApiError::invalid(format!("user: no user has the global user id {user}")))?;
    let version = state
        .store
        .form(caller.tenant_id, form_id)
        .await?
        .ok_or_else(|| ApiError::Internal("the product's request form is missing".into()))?
        .snapshot;
    let submission = Submission::check(form, &version).map_err(ApiError::Invalid)?;
    let requester = caller.person(state).await?;
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
        request_type,
        answers: submission.answers_fact(),
        target_id: &product.id,
        domains: &product.domains,
    };
    let now = state.clock.now();
    let mut decision = decide(&version.policy, policy, &facts, submission.duration, now);
    if matches!(&decision, Decision::Review(records) if records.is_empty()) {
        // A review with no approvers could never end: review as the default flow does.
        let default = ReviewFlow::default_for_target();
        decision = decide(&default, &default, &facts, submission.duration, now);
    }
    let new = NewAccessRequest {
        id: new_cuid(),
        request_type,
        target: RequestTarget::Product(product.id.clone()),
        target_name: product.name.clone(),
        target_description: product.description.clone(),
        target_type: "DATA_PRODUCT".into(),
        domains: product.domains.clone(),
        requesting_user_id: caller.user.id,
        user_id: user.id,
        form_version: version.version.clone(),
        form: submission.to_value(),
        columns,
        decision,
    };
    let request = state.store.create_access_request(caller.tenant_id, new, now).await?;
    render(state, caller, request).await
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
    let steward = records
        .iter()
        .any(|record| !criteria_met(&person, &record.approvers, &request.domains).is_empty());
    let steward = steward
        || match state.store.product(caller.tenant_id, &id).await? {
            Some(product) => reviews_product(&state, &caller, &person, &product).await?,
            None => false,
        };
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

/// How many ended requests the determination history shows.
const RECENT_DETERMINATIONS: u64 = 5;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeterminationsQuery {
    #[serde(rename = "type")]
    #[param(rename = "type", value_type = Option<String>, default = "DATA_ACCESS")]
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

/// Returns 5 most recent data access requests with a terminal status as well as the approval records which
/// contributed to that status.
#[utoipa::path(get, path = "/api/data-product/{id}/recent-determinations", operation_id = "recentDeterminations",
    tag = "Data Product", summary = "Returns 5 most recent manual access determinations", security(("bearer" = [])),
    params(("id" = String, Path), DeterminationsQuery), responses((status = 200, body = RecentDeterminations)))]
async fn recent_determinations(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<DeterminationsQuery>,
) -> Result<ApiJson<RecentDeterminations>, ApiError> {
    let request_type = match query.request_type.as_deref() {
        None => RequestType::DataAccess,
        Some(text) => RequestType::parse(text)
            .ok_or_else(|| ApiError::invalid(format!("type `{text}` must be one of DATA_ACCESS, MASKING_EXCEPTION")))?,
    };
    let product = products::find(&state, &caller, &id).await?;
    let person = caller.person(&state).await?;
    if !reviews_product(&state, &caller, &person, &product).await? {
        return Err(ApiError::Forbidden(
            "Determination history is for the product's managers and stewards.".into(),
        ));
    }
    let ended = state
        .store
        .recent_determinations(caller.tenant_id, &product.id, request_type, None, RECENT_DETERMINATIONS)
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
    let users = Users::load(&state, &caller, &ids).await?;
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
    Ok(ApiJson(RecentDeterminations { determinations }))
}
