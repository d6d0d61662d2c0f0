//! Submitting a request: checked against the form in force, decided by the review flow, stored with its records.

use super::masking::{ColumnRef, ColumnScope};
use super::{ShownRequests, Subject};
use crate::assets::Asset;
use crate::{Actor, App, AppError};
use marketplace_domain::access_request::{Facts, RequestStatus, RequestType, Submission, decide};
use marketplace_domain::ids::{GlobalUserId, ProductId, RequestId, new_cuid};
use marketplace_store::{NewAccessRequest, RequestTarget, RequestedColumn};
use serde_json::Value;

/// What a requester sends: who the request is for, and the form's answers (`{"answers", "acceptedDataUse…"}`).
pub struct Submit {
    pub user: GlobalUserId,
    pub form: Option<Value>,
}

impl App {
    /// Requests access to a data product.
    pub async fn request_product_access(
        &self,
        actor: &Actor,
        product: &ProductId,
        submit: Submit,
    ) -> Result<ShownRequests, AppError> {
        let product = self.find_product(actor, product).await?;
        self.submit(actor, &Subject::product(&product), submit, Vec::new())
            .await
    }

    /// Requests unmasked values of some masked columns of a data product.
    pub async fn request_masking_exception(
        &self,
        actor: &Actor,
        product: &ProductId,
        submit: Submit,
        columns: &[ColumnRef],
    ) -> Result<ShownRequests, AppError> {
        let product = self.find_product(actor, product).await?;
        let columns = self
            .masked_columns(actor, ColumnScope::Product(&product.id), columns)
            .await?;
        self.submit(actor, &Subject::product(&product), submit, columns).await
    }

    /// Requests access to an asset (a product or a data object), or a masking exception on it when `columns`
    /// is given.
    pub async fn request_asset(
        &self,
        actor: &Actor,
        id: &str,
        submit: Submit,
        columns: Option<&[ColumnRef]>,
    ) -> Result<ShownRequests, AppError> {
        let asset = self.find_asset(actor, id).await?;
        let subject = self.subject_of(actor, &asset).await?;
        let columns = match columns {
            None => Vec::new(),
            Some(columns) => match &asset {
                Asset::Product(product) => {
                    self.masked_columns(actor, ColumnScope::Product(&product.id), columns)
                        .await?
                }
                Asset::Object(object) => {
                    let held = self.store.data_object_source_ids(actor.tenant_id, object).await?;
                    self.masked_columns(actor, ColumnScope::Sources(&held), columns).await?
                }
            },
        };
        self.submit(actor, &subject, submit, columns).await
    }

    /// Checks and stores a request: data access, or a masking exception when `columns` are named.
    async fn submit(
        &self,
        actor: &Actor,
        subject: &Subject,
        submit: Submit,
        columns: Vec<RequestedColumn>,
    ) -> Result<ShownRequests, AppError> {
        let request_type = match columns.is_empty() {
            true => RequestType::DataAccess,
            false => RequestType::MaskingException,
        };
        if subject.suspended {
            return Err(AppError::Refused(
                "The data product is suspended and does not accept access requests.".into(),
            ));
        }
        let user = self
            .store
            .search_users(actor.tenant_id, None, &[submit.user.0], 1)
            .await?
            .into_iter()
            .next()
            .map(|(user, _)| user)
            .ok_or_else(|| {
                AppError::invalid("user", format!("user: no user has the global user id {}", submit.user))
            })?;
        let version = self.subject_form(actor, subject, request_type).await?;
        let submission = Submission::check(submit.form.as_ref(), &version)
            .map_err(|problems| AppError::Invalid(problems.into_iter().map(crate::Problem::from_message).collect()))?;
        let requester = self.person(actor).await?;
        let target = match user.id == actor.user.id {
            true => requester.clone(),
            false => self
                .store
                .user_access(actor.tenant_id, user.id)
                .await?
                .into_person(user.global_user_id),
        };
        let target_id = match &subject.target {
            RequestTarget::Product(id) => id.as_str(),
            RequestTarget::Asset(id) => id.as_str(),
        };
        let facts = Facts {
            requester: &requester,
            user: &target,
            request_type,
            answers: submission.answers_fact(),
            target_id,
            domains: &subject.domains,
        };
        let now = self.now();
        let decision = decide(
            &version.policy,
            &subject.governing(request_type).1,
            &facts,
            submission.duration,
            now,
        );
        let new = NewAccessRequest {
            id: RequestId(new_cuid()),
            request_type,
            target: subject.target.clone(),
            target_name: subject.name.clone(),
            target_description: subject.description.clone(),
            target_type: subject.target_type.clone(),
            domains: subject.domains.clone(),
            requesting_user_id: actor.user.id,
            user_id: user.id,
            form_version: version.version.clone(),
            form: submission.to_value(),
            columns,
            decision,
        };
        let request = self.store.create_access_request(actor.tenant_id, new, now).await?;
        // A request the flow approves at once is access already; one pending or denied changes nobody's.
        if request.status == RequestStatus::Approved {
            self.access_changed(actor.tenant_id).await;
        }
        self.show_requests(actor, vec![request]).await
    }
}
