//! Deciding approval records, revoking approved access, and the recent determinations on a product or object.

use super::{Records, Subject, Users, is_approver, oversees, request_not_found};
use crate::{Actor, App, AppError, Problems};
use marketplace_domain::access::Person;
use marketplace_domain::access_request::{RecordStatus, RequestStatus, RequestType, criteria_met};
use marketplace_domain::ids::{ProductId, RecordId, RequestId, UserId};
use marketplace_domain::number::Whole;
use marketplace_domain::review_flow::DurationUnit;
use marketplace_store::{AccessRequestRecord, ApprovalRecordRow, Determination, Transition};

/// How many ended requests the determination history shows.
const RECENT_DETERMINATIONS: u64 = 5;

/// A determination as an approver sends it: `APPROVED` or `DENIED`, a reason always, and for a temporary
/// approval how long.
#[derive(Debug, Clone)]
pub struct DecisionInput {
    pub status: String,
    pub reason: Option<String>,
    pub duration: Option<Whole>,
    pub duration_unit: Option<DurationUnit>,
}

/// A record decided by a person, with the request it ended.
pub struct RecentDetermination {
    pub request: AccessRequestRecord,
    pub record: ApprovalRecordRow,
}

fn record_not_found() -> AppError {
    AppError::NotFound("Approval record not found.".into())
}

/// The determination an input asks for, or every problem with it.
fn determination(input: DecisionInput, actor_id: UserId) -> Result<Determination, AppError> {
    let mut problems = Problems::default();
    let approve = match RecordStatus::parse(&input.status) {
        Some(RecordStatus::Approved) => true,
        Some(RecordStatus::Denied) => false,
        _ => {
            problems.add("status", "status must be one of the following values: APPROVED, DENIED");
            false
        }
    };
    let reason = input.reason.as_deref().map(str::trim).unwrap_or_default().to_owned();
    if reason.is_empty() {
        problems.add("reason", "reason should not be empty");
    }
    let duration = match (input.duration, input.duration_unit) {
        (None, None) => None,
        (Some(Whole(0)), _) => {
            problems.add("duration", "duration must not be less than 1");
            None
        }
        (Some(Whole(amount)), Some(unit)) if approve => Some((amount, unit)),
        (Some(_), Some(_)) => {
            problems.add("duration", "duration applies only to an approval");
            None
        }
        _ => {
            problems.add("duration", "duration and durationUnit must be given together");
            None
        }
    };
    problems.check()?;
    Ok(Determination {
        approve,
        reason,
        actor_id,
        criteria_met: Vec::new(),
        duration,
    })
}

impl App {
    /// Decides an approval record. Only someone who meets one of its approver criteria — resolved against the
    /// directory now — may, and nobody for a request they made or that is for them.
    pub async fn decide_record(&self, actor: &Actor, id: &RecordId, input: DecisionInput) -> Result<Records, AppError> {
        let determination = determination(input, actor.user.id)?;
        let person = self.person(actor).await?;
        let record = self
            .store
            .approval_record(actor.tenant_id, id)
            .await?
            .ok_or_else(record_not_found)?;
        let (request, _) =
            self.visible_request(actor, &person, &record.request_id)
                .await
                .map_err(|error| match error {
                    AppError::NotFound(_) => record_not_found(),
                    other => other,
                })?;
        self.decide_as_approver(actor, &person, &request, &record, determination)
            .await
    }

    /// Decides the request's current stage as the actor: the first of its pending records (those whose earlier
    /// stages are all approved) that the actor is an approver of. A stage that needs all its approver groups has
    /// one record per group, so a reviewer need not know which record is theirs.
    ///
    /// `input` is what the reviewer sent, or what the caller found wrong with it while reading it: a request that
    /// awaits no determination is refused as such (`Refused`) whatever was sent, since no correction would help.
    /// Then `Invalid` for what was wrong; `Forbidden` if the actor is an approver of none of the pending records;
    /// otherwise the errors of [`App::decide_record`].
    pub async fn decide_request(
        &self,
        actor: &Actor,
        id: &RequestId,
        input: Result<DecisionInput, Problems>,
    ) -> Result<Records, AppError> {
        let person = self.person(actor).await?;
        let (request, records) = self.visible_request(actor, &person, id).await?;
        let pending: Vec<&ApprovalRecordRow> = records
            .iter()
            .filter(|record| record.status == RecordStatus::Pending)
            .collect();
        if pending.is_empty() {
            return Err(AppError::Refused(format!(
                "This request awaits no determination; it is {}.",
                request.status.as_str().to_lowercase()
            )));
        }
        let input = input.map_err(|problems| AppError::Invalid(problems.into_iter().collect()))?;
        let determination = determination(input, actor.user.id)?;
        let mut refusal = String::new();
        for record in pending {
            match self
                .decide_as_approver(actor, &person, &request, record, determination.clone())
                .await
            {
                // A record the actor is no approver of leaves the others to try.
                Err(AppError::Forbidden(why)) => refusal = why,
                decided => return decided,
            }
        }
        Err(AppError::Forbidden(refusal))
    }

    /// Decides a record of a request the actor has been found to see, if the actor is one of its approvers.
    async fn decide_as_approver(
        &self,
        actor: &Actor,
        person: &Person,
        request: &AccessRequestRecord,
        record: &ApprovalRecordRow,
        mut determination: Determination,
    ) -> Result<Records, AppError> {
        if actor.user.id == request.requesting_user_id || actor.user.id == request.user_id {
            return Err(AppError::Forbidden(
                "Nobody may decide a request they made or that is for them.".into(),
            ));
        }
        determination.criteria_met = criteria_met(person, &record.approvers, &request.domains);
        if determination.criteria_met.is_empty() {
            return Err(AppError::Forbidden(
                "You are not an approver of this approval record.".into(),
            ));
        }
        let decided = self
            .store
            .decide_record(actor.tenant_id, &record.id, determination, self.now())
            .await?
            .ok_or_else(record_not_found)?;
        self.access_changed(actor.tenant_id).await;
        let users = self.users(actor, &[actor.user.id]).await?;
        Ok(Records {
            records: vec![decided],
            users,
        })
    }

    /// Revokes access a product's request granted, with the reason recorded in its history if one is given.
    pub async fn revoke_product_access(
        &self,
        actor: &Actor,
        product: &ProductId,
        request: &RequestId,
        reason: Option<&str>,
    ) -> Result<(), AppError> {
        let subject = self
            .store
            .product(actor.tenant_id, product)
            .await?
            .map(|p| Subject::product(&p));
        self.revoke(actor, product.as_str(), subject, request, reason).await
    }

    /// Revokes access an asset's request granted. An asset that is gone may still have approved requests to end.
    pub async fn revoke_asset_access(&self, actor: &Actor, asset: &str, request: &RequestId) -> Result<(), AppError> {
        let subject = match self.find_asset(actor, asset).await {
            Ok(found) => Some(self.subject_of(actor, &found).await?),
            Err(AppError::NotFound(_)) => None,
            Err(other) => return Err(other),
        };
        self.revoke(actor, asset, subject, request, None).await
    }

    /// Revokes the approved request `request_id` for the target `target_id`: for those who oversee the request,
    /// its approvers, and the reviewers of the target. A target that is gone (`subject` is `None`) may still have
    /// approved requests to end: their approvers may.
    async fn revoke(
        &self,
        actor: &Actor,
        target_id: &str,
        subject: Option<Subject>,
        request_id: &RequestId,
        reason: Option<&str>,
    ) -> Result<(), AppError> {
        let person = self.person(actor).await?;
        let (request, records) = self.visible_request(actor, &person, request_id).await?;
        let named = Some(target_id);
        if request.data_product_id.as_ref().map(ProductId::as_str) != named && request.asset_id.as_deref() != named {
            return Err(request_not_found());
        }
        let steward = is_approver(&person, &request, &records)
            || match &subject {
                Some(subject) => self.reviews(actor, subject, &person).await?,
                None => false,
            };
        if !(oversees(&person, &request) || steward) {
            return Err(AppError::Forbidden(
                "Revoking access takes GOVERNANCE, Manage Data Products in the product's domains, or being a steward \
                 of what was requested."
                    .into(),
            ));
        }
        if request.status != RequestStatus::Approved {
            return Err(AppError::Conflict(format!(
                "Only approved access can be revoked; this request is {}.",
                request.status.as_str()
            )));
        }
        self.store
            .change_request(
                actor.tenant_id,
                request_id,
                Transition::Revoke,
                actor.user.id,
                reason.map(str::trim).filter(|reason| !reason.is_empty()),
                self.now(),
            )
            .await?
            .ok_or_else(request_not_found)?;
        self.access_changed(actor.tenant_id).await;
        Ok(())
    }

    /// The records people decided on the five requests of the type most recently ended on a product, with their
    /// users: for the product's managers and stewards.
    pub async fn recent_product_determinations(
        &self,
        actor: &Actor,
        product: &ProductId,
        request_type: RequestType,
    ) -> Result<(Vec<RecentDetermination>, Users), AppError> {
        let product = self.find_product(actor, product).await?;
        self.recent_determinations(actor, &Subject::product(&product), request_type)
            .await
    }

    /// The same for an asset: a product, or a data object.
    pub async fn recent_asset_determinations(
        &self,
        actor: &Actor,
        asset: &str,
        request_type: RequestType,
    ) -> Result<(Vec<RecentDetermination>, Users), AppError> {
        let asset = self.find_asset(actor, asset).await?;
        let subject = self.subject_of(actor, &asset).await?;
        self.recent_determinations(actor, &subject, request_type).await
    }

    async fn recent_determinations(
        &self,
        actor: &Actor,
        subject: &Subject,
        request_type: RequestType,
    ) -> Result<(Vec<RecentDetermination>, Users), AppError> {
        let person = self.person(actor).await?;
        if !self.reviews(actor, subject, &person).await? {
            return Err(AppError::Forbidden(
                "Determination history is for the managers and stewards of what was requested.".into(),
            ));
        }
        let ended = self
            .store
            .recent_determinations(
                actor.tenant_id,
                &subject.target,
                request_type,
                None,
                RECENT_DETERMINATIONS,
            )
            .await?;
        let ids: Vec<UserId> = ended
            .iter()
            .flat_map(|(request, records)| {
                [request.requesting_user_id, request.user_id]
                    .into_iter()
                    .chain(records.iter().filter_map(|record| record.action_by))
            })
            .collect();
        let users = self.users(actor, &ids).await?;
        let determinations = ended
            .into_iter()
            .flat_map(|(request, records)| {
                records.into_iter().map(move |record| RecentDetermination {
                    request: request.clone(),
                    record,
                })
            })
            .collect();
        Ok((determinations, users))
    }
}
