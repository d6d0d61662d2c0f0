//! The risk of approving a request, from what was decided for similar users before: for its reviewers.

use super::{is_approver, oversees};
use crate::{Actor, App, AppError};
use marketplace_domain::access::Person;
use marketplace_domain::access_request::risk::{Assessment, PastDetermination, Risk, assess};
use marketplace_domain::access_request::{RecordStatus, RequestStatus};
use marketplace_domain::ids::{GlobalUserId, RequestId};
use marketplace_store::{AccessRequestRecord, ApprovalRecordRow};
use std::collections::BTreeMap;

/// How many past determinations an assessment reads: the most recent, which say most about current practice.
const HISTORY: u64 = 200;

/// The assessment, or that there is nothing to assess by.
pub enum RiskAnswer {
    Indeterminate,
    Assessed(Assessment),
}

/// Who the risk assessment is for: those who oversee the request, and its approvers.
pub(super) fn is_reviewer(person: &Person, request: &AccessRequestRecord, records: &[ApprovalRecordRow]) -> bool {
    oversees(person, request) || is_approver(person, request, records)
}

impl App {
    /// The risk assessment of a request, for those who oversee it and its approvers.
    pub async fn risk_assessment(&self, actor: &Actor, id: &RequestId) -> Result<RiskAnswer, AppError> {
        let person = self.person(actor).await?;
        let (request, records) = self.visible_request(actor, &person, id).await?;
        if !is_reviewer(&person, &request, &records) {
            return Err(AppError::Forbidden(
                "The risk assessment is for the request's reviewers.".into(),
            ));
        }
        self.assess_risk(actor, &request).await
    }

    /// The risk assessment of a request whose reviewer the actor has been found to be.
    pub(super) async fn assess_risk(
        &self,
        actor: &Actor,
        request: &AccessRequestRecord,
    ) -> Result<RiskAnswer, AppError> {
        let id = &request.id;
        let Some(target) = request.target() else {
            return Ok(RiskAnswer::Indeterminate);
        };
        let past = self
            .store
            .recent_determinations(actor.tenant_id, &target, request.request_type, Some(id), HISTORY)
            .await?;
        let mut history = Vec::with_capacity(past.len());
        let mut people = BTreeMap::new();
        for (earlier, decided) in past {
            if let std::collections::btree_map::Entry::Vacant(slot) = people.entry(earlier.user_id) {
                slot.insert(self.store.user_access(actor.tenant_id, earlier.user_id).await?);
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
        let user = self
            .store
            .user_access(actor.tenant_id, request.user_id)
            .await?
            .into_person(GlobalUserId(uuid::Uuid::nil()));
        let assessment = assess(&user, &history);
        Ok(match assessment.risk {
            Risk::Indeterminate => RiskAnswer::Indeterminate,
            _ => RiskAnswer::Assessed(assessment),
        })
    }
}
