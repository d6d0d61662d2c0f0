//! What access is requested for — a data product or a data object — with the forms and review flows that govern
//! requests for it.

use crate::assets::{Asset, inherited};
use crate::{Actor, App, AppError};
use marketplace_domain::GlobalPermission;
use marketplace_domain::access::Person;
use marketplace_domain::access_request::{RequestType, criteria_met};
use marketplace_domain::catalog::can_manage_product;
use marketplace_domain::ids::FormId;
use marketplace_domain::request_form::FormSnapshot;
use marketplace_domain::review_flow::{Approver, ReviewFlow};
use marketplace_store::{ObjectRecord, ObjectSettings, Product, RequestTarget};

/// A request target and what governs requests for it.
pub(crate) struct Subject {
    pub target: RequestTarget,
    pub name: String,
    pub description: Option<String>,
    /// `DATA_PRODUCT`, or the data object's legacy type.
    pub target_type: String,
    pub domains: Vec<String>,
    pub suspended: bool,
    /// Per request type, data access first: the form (`None` is the standard form) and the target's own flow,
    /// which a form's policy may delegate to.
    governance: [(Option<FormId>, ReviewFlow); 2],
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
    fn object(object: &ObjectRecord, lineage: &[ObjectRecord]) -> Self {
        let form = |pick: fn(&ObjectSettings) -> Option<&FormId>| inherited(lineage, pick).map(|(id, _)| *id);
        let flow = |pick: fn(&ObjectSettings) -> Option<&ReviewFlow>| {
            inherited(lineage, pick).map_or_else(ReviewFlow::default_for_target, |(flow, _)| flow.clone())
        };
        Subject {
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
        }
    }

    /// Managers of the target: `GOVERNANCE`, or for a product `Manage Data Products` in all its domains. Data
    /// objects belong to no domain, so only `GOVERNANCE` manages them.
    pub fn managed_by(&self, person: &Person) -> bool {
        match self.target {
            RequestTarget::Product(_) => can_manage_product(person, self.domains.iter().map(String::as_str)),
            RequestTarget::Asset(_) => person.has(GlobalPermission::Governance),
        }
    }

    pub fn governing(&self, request_type: RequestType) -> &(Option<FormId>, ReviewFlow) {
        match request_type {
            RequestType::DataAccess => &self.governance[0],
            RequestType::MaskingException => &self.governance[1],
        }
    }
}

impl App {
    /// What governs requests for an asset.
    pub(crate) async fn subject_of(&self, actor: &Actor, asset: &Asset) -> Result<Subject, AppError> {
        match asset {
            Asset::Product(product) => Ok(Subject::product(product)),
            Asset::Object(object) => {
                let lineage = self.store.data_object_lineage(actor.tenant_id, object.id).await?;
                Ok(Subject::object(object, &lineage))
            }
        }
    }

    /// The form that applies to requests of this type for the subject, as it is now.
    pub(crate) async fn subject_form(
        &self,
        actor: &Actor,
        subject: &Subject,
        request_type: RequestType,
    ) -> Result<FormSnapshot, AppError> {
        match subject.governing(request_type).0 {
            Some(id) => Ok(self
                .store
                .form(actor.tenant_id, id)
                .await?
                .ok_or_else(|| AppError::internal(format!("the request form {id} is missing")))?
                .snapshot),
            None => Ok(self.store.standard_form(actor.tenant_id).await?),
        }
    }

    /// Whether the person reviews requests for the subject: its managers, and the approvers of its own flows or of
    /// its request forms' flows.
    pub(crate) async fn reviews(&self, actor: &Actor, subject: &Subject, person: &Person) -> Result<bool, AppError> {
        if subject.managed_by(person) {
            return Ok(true);
        }
        let mut flows: Vec<ReviewFlow> = subject.governance.iter().map(|(_, flow)| flow.clone()).collect();
        for request_type in [RequestType::DataAccess, RequestType::MaskingException] {
            flows.push(self.subject_form(actor, subject, request_type).await?.policy);
        }
        let approvers: Vec<Approver> = flows.iter().flat_map(ReviewFlow::approvers).cloned().collect();
        Ok(!criteria_met(person, &approvers, &subject.domains).is_empty())
    }
}
