//! Access requests: submitting them, who sees them, reading and searching them, canceling and revoking them, and
//! the determinations of their approval records.

mod decide;
mod details;
mod masking;
mod risk;
mod search;
mod subject;
mod submit;

pub use decide::{DecisionInput, RecentDetermination};
pub use details::{DeterminationDetails, RequestDetails};
pub use masking::ColumnRef;
pub use risk::RiskAnswer;
pub use search::RequestPage;
pub use submit::Submit;

use crate::{Actor, App, AppError};
use marketplace_domain::GlobalPermission;
use marketplace_domain::access::Person;
use marketplace_domain::access_request::criteria_met;
use marketplace_domain::catalog::oversees_requests;
use marketplace_domain::ids::{RequestId, UserId};
use marketplace_store::{AccessRequestRecord, ApprovalRecordRow, ObjectRecord, Transition, UserRecord};
use std::collections::BTreeMap;
use uuid::Uuid;

pub(crate) use subject::Subject;

/// A user as the API shows them: their record and attributes.
pub type ShownUser = (UserRecord, BTreeMap<String, Vec<String>>);

/// Users by id, for showing requests; a user the directory no longer holds is absent.
#[derive(Debug, Default)]
pub struct Users(pub BTreeMap<UserId, ShownUser>);

/// Requests with what showing them takes: their users, and the data objects they are for.
pub struct ShownRequests {
    pub requests: Vec<AccessRequestRecord>,
    pub users: Users,
    /// Data objects by id, for requests made for one.
    pub objects: BTreeMap<String, ObjectRecord>,
}

/// A request's approval records, with the users who decided them.
pub struct Records {
    pub records: Vec<ApprovalRecordRow>,
    pub users: Users,
}

pub(crate) fn request_not_found() -> AppError {
    AppError::NotFound("Access request not found.".into())
}

/// Those who oversee a request: `GOVERNANCE`, or `Manage Data Products` in one of its domains
/// ([`oversees_requests`] says why one is enough).
pub(crate) fn oversees(person: &Person, request: &AccessRequestRecord) -> bool {
    oversees_requests(person, request.domains.iter().map(String::as_str))
}

/// Who may see a request: its requester and its user, those who oversee it, and anyone who meets an approver
/// criterion of one of its records.
fn may_see(actor: &Actor, person: &Person, request: &AccessRequestRecord, records: &[ApprovalRecordRow]) -> bool {
    actor.user.id == request.requesting_user_id
        || actor.user.id == request.user_id
        || oversees(person, request)
        || records
            .iter()
            .any(|record| !criteria_met(person, &record.approvers, &request.domains).is_empty())
}

/// 404 unless the actor may see the request, so that its existence is not revealed.
fn check_visible(
    actor: &Actor,
    person: &Person,
    request: &AccessRequestRecord,
    records: &[ApprovalRecordRow],
) -> Result<(), AppError> {
    match may_see(actor, person, request, records) {
        true => Ok(()),
        false => Err(request_not_found()),
    }
}

/// Whether the person decides, or may decide, some record of the request.
pub(crate) fn is_approver(person: &Person, request: &AccessRequestRecord, records: &[ApprovalRecordRow]) -> bool {
    records
        .iter()
        .any(|record| !criteria_met(person, &record.approvers, &request.domains).is_empty())
}

impl App {
    /// The request with its records, if the actor may see it; 404 otherwise, so its existence is not revealed.
    pub(crate) async fn visible_request(
        &self,
        actor: &Actor,
        person: &Person,
        id: &RequestId,
    ) -> Result<(AccessRequestRecord, Vec<ApprovalRecordRow>), AppError> {
        let (request, records) = self
            .store
            .request_with_records(actor.tenant_id, id)
            .await?
            .ok_or_else(request_not_found)?;
        check_visible(actor, person, &request, &records)?;
        Ok((request, records))
    }

    /// One request, if the actor may see it.
    pub async fn access_request(&self, actor: &Actor, id: &RequestId) -> Result<ShownRequests, AppError> {
        let person = self.person(actor).await?;
        let (request, records, users) = self
            .store
            .request_shown(actor.tenant_id, id)
            .await?
            .ok_or_else(request_not_found)?;
        check_visible(actor, &person, &request, &records)?;
        let requests = vec![request];
        Ok(ShownRequests {
            objects: self.objects_of(actor, &requests).await?,
            users: Users(users),
            requests,
        })
    }

    /// Its approval records, with who decided them.
    pub async fn approval_records(&self, actor: &Actor, id: &RequestId) -> Result<Records, AppError> {
        let person = self.person(actor).await?;
        let (_, records) = self.visible_request(actor, &person, id).await?;
        let actors: Vec<UserId> = records.iter().filter_map(|record| record.action_by).collect();
        let users = self.users(actor, &actors).await?;
        Ok(Records { records, users })
    }

    /// Cancels a pending request: for its requester or the user it is for.
    pub async fn cancel_request(&self, actor: &Actor, id: &RequestId) -> Result<(), AppError> {
        let person = self.person(actor).await?;
        let (request, _) = self.visible_request(actor, &person, id).await?;
        if actor.user.id != request.requesting_user_id && actor.user.id != request.user_id {
            return Err(AppError::Forbidden(
                "Only the requester or the user it is for may cancel an access request.".into(),
            ));
        }
        self.store
            .change_request(actor.tenant_id, id, Transition::Cancel, actor.user.id, None, self.now())
            .await?
            .ok_or_else(request_not_found)?;
        Ok(())
    }

    /// Users by id, as requests show them.
    pub(crate) async fn users(&self, actor: &Actor, ids: &[UserId]) -> Result<Users, AppError> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        Ok(Users(self.store.users_by_ids(actor.tenant_id, &ids).await?))
    }

    /// Requests with their users and data objects, loaded once for all of them.
    pub(crate) async fn show_requests(
        &self,
        actor: &Actor,
        requests: Vec<AccessRequestRecord>,
    ) -> Result<ShownRequests, AppError> {
        let user_ids: Vec<UserId> = requests
            .iter()
            .flat_map(|request| [request.requesting_user_id, request.user_id])
            .collect();
        Ok(ShownRequests {
            users: self.users(actor, &user_ids).await?,
            objects: self.objects_of(actor, &requests).await?,
            requests,
        })
    }

    /// The data objects some requests are for, by id.
    async fn objects_of(
        &self,
        actor: &Actor,
        requests: &[AccessRequestRecord],
    ) -> Result<BTreeMap<String, ObjectRecord>, AppError> {
        let mut object_ids: Vec<Uuid> = requests
            .iter()
            .filter_map(|request| request.asset_id.as_deref().and_then(|id| Uuid::parse_str(id).ok()))
            .collect();
        object_ids.sort_unstable();
        object_ids.dedup();
        Ok(self
            .store
            .data_objects(actor.tenant_id, &object_ids)
            .await?
            .into_iter()
            .map(|object| (object.id.to_string(), object))
            .collect())
    }

    /// Whether the actor may see another user's approved masking exceptions: their own, or with `GOVERNANCE` or
    /// `AUDIT`.
    pub(crate) async fn may_audit(&self, actor: &Actor, user: Uuid) -> Result<bool, AppError> {
        if user == actor.user.global_user_id.0 {
            return Ok(true);
        }
        let person = self.person(actor).await?;
        Ok(person.has(GlobalPermission::Governance) || person.has(GlobalPermission::Audit))
    }
}
