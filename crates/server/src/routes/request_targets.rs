//! What access is requested for — a data product or a data object — with the forms and review flows that apply
//! to it; submitting a request for it, and revoking access it granted.

use super::access_requests::{self, manages};
use super::assets::{Asset, inherited};
use super::request_views::{HydratedAccessRequest, render};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::http::StatusCode;
use marketplace_domain::access::Person;
use marketplace_domain::access_request::{
    Decision, Facts, RequestStatus, RequestType, Submission, criteria_met, decide,
};
use marketplace_domain::catalog::can_manage_product;
use marketplace_domain::ids::new_cuid;
use marketplace_domain::permissions::GlobalPermission;
use marketplace_domain::request_form::FormSnapshot;
use marketplace_domain::review_flow::{Approver, ReviewFlow};
use marketplace_store::{NewAccessRequest, ObjectRecord, Product, RequestTarget, RequestedColumn, Transition};
use serde_json::Value;
use uuid::Uuid;

/// A request target and what governs requests for it.
pub(super) struct Subject {
    pub target: RequestTarget,
    pub name: String,
    pub description: Option<String>,
    /// `DATA_PRODUCT`, or the data object's legacy type.
    pub target_type: String,
    pub domains: Vec<String>,
    pub suspended: bool,
    /// Per request type, data access first: the form (`None` is the standard form) and the target's own flow,
    /// which a form's policy may delegate to.
    governance: [(Option<Uuid>, ReviewFlow); 2],
}

impl Subject {
    pub fn product(product: &Product) -> Self {
        Subject {
            target: RequestTarget::Product(product.id.clone()),
            name: product.name.clone(),
            description: product.description.clone(),
            target_type: "DATA_PRODUCT".into(),
            domains: product.domains.clone(),
            suspended: product.suspended,
            governance: [
                (Some(product.data_access_form_id), product.data_access_policy.clone()),
                (
                    Some(product.masking_exception_form_id),
                    product.masking_exception_policy.clone(),
                ),
            ],
        }
    }

    /// A data object governed by the forms and flows set on it or inherited from the objects above it.
    pub async fn object(state: &AppState, caller: &Caller, object: &ObjectRecord) -> Result<Self, ApiError> {
        let lineage = state.store.data_object_lineage(caller.tenant_id, object.id).await?;
        let form = |pick: fn(&marketplace_store::ObjectSettings) -> Option<&Uuid>| {
            inherited(&lineage, pick).map(|(id, _)| *id)
        };
        let flow = |pick: fn(&marketplace_store::ObjectSettings) -> Option<&ReviewFlow>| {
            inherited(&lineage, pick).map_or_else(ReviewFlow::default_for_target, |(flow, _)| flow.clone())
        };
        Ok(Subject {
            target: RequestTarget::Asset(object.id.to_string()),
            name: object.name.clone(),
            description: object.settings.description.clone(),
            target_type: object.legacy_type.to_lowercase(),
            domains: Vec::new(),
            suspended: false,
            governance: [
                (
                    form(|s| s.data_access_form_id.as_ref()),
                    flow(|s| s.data_access_review_flow.as_ref()),
                ),
                (
                    form(|s| s.masking_exception_form_id.as_ref()),
                    flow(|s| s.masking_exception_review_flow.as_ref()),
                ),
            ],
        })
    }

    pub async fn asset(state: &AppState, caller: &Caller, asset: &Asset) -> Result<Self, ApiError> {
        match asset {
            Asset::Product(product) => Ok(Subject::product(product)),
            Asset::Object(object) => Subject::object(state, caller, object).await,
        }
    }

    /// `GOVERNANCE`, or for a product `Manage Data Products` in all its domains. Data objects belong to no
    /// domain, so only `GOVERNANCE` manages them.
    pub fn managed_by(&self, person: &Person) -> bool {
        match self.target {
            RequestTarget::Product(_) => can_manage_product(person, self.domains.iter().map(String::as_str)),
            RequestTarget::Asset(_) => person.has(GlobalPermission::Governance),
        }
    }

    /// The form that applies to requests of this type, as it is now.
    async fn form(
        &self,
        state: &AppState,
        caller: &Caller,
        request_type: RequestType,
    ) -> Result<FormSnapshot, ApiError> {
        match self.governing(request_type).0 {
            Some(id) => Ok(state
                .store
                .form(caller.tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::Internal(format!("the request form {id} is missing")))?
                .snapshot),
            None => Ok(state.store.standard_form(caller.tenant_id).await?),
        }
    }

    fn governing(&self, request_type: RequestType) -> &(Option<Uuid>, ReviewFlow) {
        match request_type {
            RequestType::DataAccess => &self.governance[0],
            RequestType::MaskingException => &self.governance[1],
        }
    }

    /// Whether the person reviews requests for the target: its managers, and the approvers of its own flows or
    /// of its request forms' flows.
    pub async fn reviewed_by(&self, state: &AppState, caller: &Caller, person: &Person) -> Result<bool, ApiError> {
        if self.managed_by(person) {
            return Ok(true);
        }
        let mut flows: Vec<ReviewFlow> = self.governance.iter().map(|(_, flow)| flow.clone()).collect();
        for request_type in [RequestType::DataAccess, RequestType::MaskingException] {
            flows.push(self.form(state, caller, request_type).await?.policy);
        }
        let approvers: Vec<Approver> = flows.iter().flat_map(ReviewFlow::approvers).cloned().collect();
        Ok(!criteria_met(person, &approvers, &self.domains).is_empty())
    }
}

/// Checks and stores a request: data access, or a masking exception when `columns` are named.
pub(super) async fn submit(
    state: &AppState,
    caller: &Caller,
    subject: &Subject,
    user: Uuid,
    form: Option<&Value>,
    columns: Vec<RequestedColumn>,
) -> Result<HydratedAccessRequest, ApiError> {
    let request_type = match columns.is_empty() {
        true => RequestType::DataAccess,
        false => RequestType::MaskingException,
    };
    if subject.suspended {
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
    let version = subject.form(state, caller, request_type).await?;
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
    let target_id = match &subject.target {
        RequestTarget::Product(id) | RequestTarget::Asset(id) => id,
    };
    let facts = Facts {
        requester: &requester,
        user: &target,
        request_type,
        answers: submission.answers_fact(),
        target_id,
        domains: &subject.domains,
    };
    let now = state.clock.now();
    let flow = &subject.governing(request_type).1;
    let mut decision = decide(&version.policy, flow, &facts, submission.duration, now);
    if matches!(&decision, Decision::Review(records) if records.is_empty()) {
        // A review with no approvers could never end: review as the default flow does.
        let default = ReviewFlow::default_for_target();
        decision = decide(&default, &default, &facts, submission.duration, now);
    }
    let new = NewAccessRequest {
        id: new_cuid(),
        request_type,
        target: subject.target.clone(),
        target_name: subject.name.clone(),
        target_description: subject.description.clone(),
        target_type: subject.target_type.clone(),
        domains: subject.domains.clone(),
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

/// Revokes the approved request `request_id` for the target `target_id`, as its manager or steward. A target
/// that is gone (`subject` is `None`) may still have approved requests to end: the records' approvers may.
pub(super) async fn revoke(
    state: &AppState,
    caller: &Caller,
    target_id: &str,
    subject: Option<Subject>,
    request_id: &str,
) -> Result<StatusCode, ApiError> {
    let person = caller.person(state).await?;
    let (request, records) = access_requests::visible(state, caller, &person, request_id).await?;
    let target_id = Some(target_id);
    if request.data_product_id.as_deref() != target_id && request.asset_id.as_deref() != target_id {
        return Err(access_requests::not_found());
    }
    let steward = records
        .iter()
        .any(|record| !criteria_met(&person, &record.approvers, &request.domains).is_empty());
    let steward = steward
        || match &subject {
            Some(subject) => subject.reviewed_by(state, caller, &person).await?,
            None => false,
        };
    if !(manages(&person, &request) || steward) {
        return Err(ApiError::Forbidden(
            "Revoking access takes GOVERNANCE, Manage Data Products in the product's domains, or being a steward of \
             what was requested."
                .into(),
        ));
    }
    if request.status != RequestStatus::Approved {
        return Err(ApiError::Conflict(format!(
            "Only approved access can be revoked; this request is {}.",
            request.status.as_str()
        )));
    }
    let now = state.clock.now();
    state
        .store
        .change_request(
            caller.tenant_id,
            request_id,
            Transition::Revoke,
            caller.user.id,
            None,
            now,
        )
        .await?
        .ok_or_else(access_requests::not_found)?;
    Ok(StatusCode::NO_CONTENT)
}
