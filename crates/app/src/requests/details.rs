//! Everything a request's pages show, read after one check of who may see the request.

use super::risk::is_reviewer;
use super::{RecentDetermination, RiskAnswer, Users};
use crate::provisioning::RequestProvisioning;
use crate::{Actor, App, AppError};
use marketplace_domain::access_request::risk::Assessment;
use marketplace_domain::ids::{RequestId, UserId};
use marketplace_domain::request_form::FormSnapshot;
use marketplace_store::{AccessRequestRecord, ApprovalRecordRow, ProductSource, RequestedColumn};

/// The most data sources a request's page lists: enough for any product people request one by one.
const SOURCES_SHOWN: u64 = 100;

/// A request with what its page shows beside it.
pub struct RequestDetails {
    pub request: AccessRequestRecord,
    /// Its approval records, stage by stage.
    pub records: Vec<ApprovalRecordRow>,
    /// Its requester, the user it is for, and those who decided its records.
    pub users: Users,
    /// The form version it was made on, which labels its answers; `None` if that version is gone.
    pub form_version: Option<FormSnapshot>,
    /// The columns a masking exception asks to see unmasked.
    pub columns: Vec<RequestedColumn>,
    /// For a data access request for a product: the product's data sources as they are now (a product can
    /// change), at most [`SOURCES_SHOWN`].
    pub sources: Vec<ProductSource>,
    pub provisioning: RequestProvisioning,
}

/// A request with what a reviewer deciding it is shown beside it.
pub struct DeterminationDetails {
    pub request: AccessRequestRecord,
    /// Its requester and the user it is for.
    pub users: Users,
    /// The form version it was made on, which labels its answers; `None` if that version is gone.
    pub form_version: Option<FormSnapshot>,
    /// For the request's reviewers, when past determinations say enough to assess it by.
    pub risk: Option<Assessment>,
    /// The records people decided on the product's recently ended requests of the same type, with their users:
    /// for the product's managers and stewards.
    pub history: Option<(Vec<RecentDetermination>, Users)>,
}

impl App {
    /// One request with its records, their deciders, its answers' form, the columns or data sources it asks for,
    /// and the provisioning of its access; for those who may see it, 404 otherwise.
    pub async fn request_details(&self, actor: &Actor, id: &RequestId) -> Result<RequestDetails, AppError> {
        let person = self.person(actor).await?;
        let (request, records) = self.visible_request(actor, &person, id).await?;
        let people: Vec<UserId> = [request.requesting_user_id, request.user_id]
            .into_iter()
            .chain(records.iter().filter_map(|record| record.action_by))
            .collect();
        let users = self.users(actor, &people).await?;
        let form_version = self.store.form_version(actor.tenant_id, &request.form_version).await?;
        let columns = self.store.request_columns(actor.tenant_id, id).await?;
        // A masking exception names its columns; a data access request is for all its product's sources.
        let sources = match (&request.data_product_id, columns.is_empty()) {
            (Some(product), true) => {
                self.store
                    .product_sources(actor.tenant_id, product, None, None, SOURCES_SHOWN)
                    .await?
            }
            _ => Vec::new(),
        };
        let provisioning = self.provisioning_of(actor, &request).await?;
        Ok(RequestDetails {
            request,
            records,
            users,
            form_version,
            columns,
            sources,
            provisioning,
        })
    }

    /// One request with its answers' form, the risk of approving it and the product's recent determinations, as
    /// far as the actor may see each; for those who may see the request, 404 otherwise.
    pub async fn determination_details(&self, actor: &Actor, id: &RequestId) -> Result<DeterminationDetails, AppError> {
        let person = self.person(actor).await?;
        let (request, records) = self.visible_request(actor, &person, id).await?;
        let users = self
            .users(actor, &[request.requesting_user_id, request.user_id])
            .await?;
        let form_version = self.store.form_version(actor.tenant_id, &request.form_version).await?;
        let risk = match is_reviewer(&person, &request, &records) {
            true => match self.assess_risk(actor, &request).await? {
                RiskAnswer::Assessed(assessment) => Some(assessment),
                RiskAnswer::Indeterminate => None,
            },
            false => None,
        };
        let history = match &request.data_product_id {
            Some(product) => match self
                .recent_product_determinations(actor, product, request.request_type)
                .await
            {
                Ok(history) => Some(history),
                // The history is for the product's managers and stewards, and a deleted product has none.
                Err(AppError::Forbidden(_) | AppError::NotFound(_)) => None,
                Err(other) => return Err(other),
            },
            None => None,
        };
        Ok(DeterminationDetails {
            request,
            users,
            form_version,
            risk,
            history,
        })
    }
}
