//! Every change of a request after submission: a determination on one of its records (and what it adds up to),
//! cancel, revoke and expiry. Each locks the request row first and checks the state under that lock, so of two
//! concurrent changes exactly one applies and the other sees the state it left.

use super::counts::CountChanges;
use super::history::Entry;
use super::{
    AccessRequestRecord, ApprovalRecordRow, RECORDS_BESIDE_RECORD, REQUEST_OF_RECORD_TO_CHANGE, decode_record,
    decode_request, find_request, records_of, request_of_record,
};
use crate::db::{Conn, Row, Template, Write};
use crate::query::approved_with_end;
use crate::schema::{AccessRequests, ApprovalRecordKeys, ApprovalRecords};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::access_request::{Progress, RecordState, RecordStatus, RequestEvent, RequestStatus, progress};
use marketplace_domain::ids::{RecordId, RequestId, TenantId, UserId};
use marketplace_domain::problem::Problem;
use marketplace_domain::review_flow::{Approver, DurationUnit};
use sea_query::{
    Expr, ExprTrait, LockBehavior, LockType, Order, Query, SelectStatement, SimpleExpr, UpdateStatement, Value,
};

/// A steward's decision on one approval record.
#[derive(Debug, Clone)]
pub struct Determination {
    pub approve: bool,
    pub reason: String,
    pub actor_id: UserId,
    pub criteria_met: Vec<Approver>,
    /// A temporary approval's length.
    pub duration: Option<(u32, DurationUnit)>,
}

/// A lifecycle change the caller asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Pending → canceled, with its open records.
    Cancel,
    /// Approved → revoked.
    Revoke,
}

fn wrong_state(message: &str) -> StoreError {
    StoreError::Conflict(message.into())
}

impl Store {
    /// Decides a pending record and applies what it adds up to. `Ok(None)` if there is no such record.
    pub async fn decide_record(
        &self,
        tenant_id: TenantId,
        record_id: &RecordId,
        determination: Determination,
        now: Timestamp,
    ) -> Result<Option<ApprovalRecordRow>, StoreError> {
        let mut tx = self.backend.begin().await?;
        let mut counts = CountChanges::default();
        let arguments = || [tenant_id.to_string().into(), record_id.as_str().into()];
        let mut answers = tx
            .query_all(&[
                &REQUEST_OF_RECORD_TO_CHANGE.with(arguments()),
                &RECORDS_BESIDE_RECORD.with(arguments()),
                &KEYS_BESIDE_RECORD.with(arguments()),
            ])
            .await?
            .into_iter();
        let mut next = move || answers.next().unwrap_or_default();
        // No request: no such record (a record goes with its request).
        let Some(request) = next().first().map(decode_request).transpose()? else {
            return Ok(None);
        };
        let mut records = next().iter().map(decode_record).collect::<Result<Vec<_>, _>>()?;
        let keys = decode_keys(&next())?;
        let current = records
            .iter_mut()
            .find(|candidate| candidate.id == *record_id)
            .ok_or_else(|| wrong_state("The record no longer belongs to its request."))?;
        if current.status != RecordStatus::Pending || request.status != RequestStatus::Pending {
            return Err(wrong_state("Only a pending approval record can be decided."));
        }
        let status = match determination.approve {
            true => RecordStatus::Approved,
            false => RecordStatus::Denied,
        };
        let ends_at = match (determination.approve, determination.duration) {
            (true, Some((amount, unit))) => Some(
                unit.after(amount, now)
                    .ok_or_else(|| StoreError::Invalid(vec![Problem::new("duration", "duration: too long")]))?,
            ),
            _ => None,
        };
        // Everything the determination changes, in one round trip on PostgreSQL.
        let mut writes: Vec<Write> =
            vec![decision_update(tenant_id, record_id, &determination, status, ends_at, now).into()];
        current.status = status;
        current.ends_at = ends_at;
        let event = if determination.approve {
            RequestEvent::RecordApproved
        } else {
            RequestEvent::RecordDenied
        };
        let reason = Some(determination.reason.as_str());
        let actor = Some(determination.actor_id);
        let entry = |event| Entry::new(tenant_id, &request.id, event, now).by(actor).because(reason);
        writes.extend(
            entry(event)
                .on_record(record_id)
                .inserts()?
                .into_iter()
                .map(Write::from),
        );
        let states: Vec<RecordState> = records
            .iter()
            .map(|record| RecordState {
                id: record.id.clone(),
                status: record.status,
                prerequisites: record.prerequisites.clone(),
                ends: record.ends_at,
            })
            .collect();
        let ended = match progress(&states) {
            Progress::Denied => {
                writes.push(closing_open_records(tenant_id, &request.id, now).into());
                Some((RequestStatus::Denied, None, RequestEvent::Denied))
            }
            Progress::Approved { expiration } => Some((RequestStatus::Approved, expiration, RequestEvent::Approved)),
            Progress::Open { unblocked } => {
                let opened = unblocked
                    .iter()
                    .map(|id| record_status(tenant_id, id, RecordStatus::Pending, now));
                writes.extend(opened.map(Write::from));
                writes.push(touching(tenant_id, &request.id, now).into());
                None
            }
        };
        if let Some((to, expiration, event)) = ended {
            writes.push(status_change(&mut counts, tenant_id, &request, &keys, to, expiration, now).into());
            writes.extend(entry(event).inserts()?.into_iter().map(Write::from));
        }
        writes.extend(counts.upsert().map(Write::from));
        tx.execute_all(&writes).await?;
        let decided = records_of(&mut tx, tenant_id, &request.id)
            .await?
            .into_iter()
            .find(|record| record.id == *record_id);
        tx.commit().await?;
        Ok(decided)
    }

    /// Cancels a pending request or revokes an approved one. `Ok(None)` if there is no such request.
    pub async fn change_request(
        &self,
        tenant_id: TenantId,
        id: &RequestId,
        transition: Transition,
        actor_id: UserId,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<Option<AccessRequestRecord>, StoreError> {
        let mut tx = self.backend.begin().await?;
        let Some(request) = find_request(&mut tx, tenant_id, id, true).await? else {
            return Ok(None);
        };
        let (from, to, event, rule) = match transition {
            Transition::Cancel => (
                RequestStatus::Pending,
                RequestStatus::Canceled,
                RequestEvent::Canceled,
                "Only a pending access request can be canceled",
            ),
            Transition::Revoke => (
                RequestStatus::Approved,
                RequestStatus::Revoked,
                RequestEvent::Revoked,
                "Only an approved access request can be revoked",
            ),
        };
        if request.status != from {
            return Err(StoreError::Conflict(format!(
                "{rule}; this one is {}.",
                request.status.as_str()
            )));
        }
        close_open_records(&mut tx, tenant_id, id, now).await?;
        let mut counts = CountChanges::default();
        set_status(&mut tx, &mut counts, tenant_id, &request, to, request.expiration, now).await?;
        Entry::new(tenant_id, id, event, now)
            .by(Some(actor_id))
            .because(reason)
            .record(&mut tx)
            .await?;
        let changed = find_request(&mut tx, tenant_id, id, false).await?;
        counts.apply(&mut tx).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Expires up to `limit` approved requests whose end has passed, across tenants, and returns them. Rows
    /// another instance is expiring are skipped, and the state is checked under the row lock, so each request
    /// expires once however many instances run this.
    pub async fn expire_due(&self, now: Timestamp, limit: u64) -> Result<Vec<(TenantId, RequestId)>, StoreError> {
        let mut tx = self.backend.begin().await?;
        let due = super::select_requests_of_every_tenant()
            .cond_where(approved_with_end())
            .and_where(Expr::col(AccessRequests::Expiration).lte(now.millis()))
            .order_by(AccessRequests::Expiration, Order::Asc)
            .limit(limit)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .take();
        let mut expired = Vec::new();
        let mut counts = CountChanges::default();
        for row in tx.query(&due).await? {
            let (request, tenant_id): (AccessRequestRecord, TenantId) =
                (decode_request(&row)?, row.get(super::TENANT_COLUMN)?);
            set_status(
                &mut tx,
                &mut counts,
                tenant_id,
                &request,
                RequestStatus::Expired,
                None,
                now,
            )
            .await?;
            Entry::new(tenant_id, &request.id, RequestEvent::Expired, now)
                .record(&mut tx)
                .await?;
            expired.push((tenant_id, request.id));
        }
        counts.apply(&mut tx).await?;
        tx.commit().await?;
        Ok(expired)
    }
}

/// The approver keys a request's records are filed under, decoded by [`decode_keys`].
fn keys_of(tenant: Value, request: impl Into<SimpleExpr>) -> SelectStatement {
    Query::select()
        .distinct()
        .column(ApprovalRecordKeys::ApproverKey)
        .from(ApprovalRecordKeys::Table)
        .and_where(Expr::col(ApprovalRecordKeys::TenantId).eq(tenant))
        .and_where(Expr::col(ApprovalRecordKeys::RequestId).eq(request))
        .take()
}

/// The same for a record's request, read beside it.
static KEYS_BESIDE_RECORD: Template<2> =
    Template::new(|[tenant, record]| keys_of(tenant.clone(), request_of_record(tenant, record)));

fn decode_keys(rows: &[Row]) -> Result<Vec<String>, StoreError> {
    rows.iter().map(|row| row.get(0)).collect()
}

/// Sets a request's status, noting the move in `counts`; `expiration` is kept on revoke so the history shows what
/// the access would have been. `request` is the request as read under its row lock.
pub(super) async fn set_status(
    conn: &mut Conn,
    counts: &mut CountChanges,
    tenant_id: TenantId,
    request: &AccessRequestRecord,
    status: RequestStatus,
    expiration: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let keys = keys_of(tenant_id.to_string().into(), request.id.as_str());
    let keys = decode_keys(&conn.query(&keys).await?)?;
    let update = status_change(counts, tenant_id, request, &keys, status, expiration, now);
    conn.execute(&update).await.map(drop)
}

/// What [`set_status`] runs, given the approver keys the request's records are filed under.
fn status_change(
    counts: &mut CountChanges,
    tenant_id: TenantId,
    request: &AccessRequestRecord,
    keys: &[String],
    status: RequestStatus,
    expiration: Option<Timestamp>,
    now: Timestamp,
) -> UpdateStatement {
    let scopes = super::counts::request_scopes(
        request.target().as_ref(),
        [request.requesting_user_id, request.user_id],
        keys,
        &request.domains,
    );
    counts.moved(tenant_id, &scopes, request.request_type, request.status, status);
    let mut values = vec![
        (AccessRequests::Status, status.as_str().into()),
        (AccessRequests::UpdatedAt, now.millis().into()),
    ];
    if status != RequestStatus::Expired {
        values.push((AccessRequests::Expiration, expiration.map(Timestamp::millis).into()));
    }
    Query::update()
        .table(AccessRequests::Table)
        .values(values)
        .and_where(Expr::col(AccessRequests::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(AccessRequests::Id).eq(request.id.as_str()))
        .take()
}

/// A record's determination as written.
fn decision_update(
    tenant_id: TenantId,
    record_id: &RecordId,
    determination: &Determination,
    status: RecordStatus,
    ends_at: Option<Timestamp>,
    now: Timestamp,
) -> UpdateStatement {
    let unit = determination.duration.and_then(|(_, unit)| {
        serde_json::to_value(unit)
            .expect("units serialise")
            .as_str()
            .map(str::to_owned)
    });
    Query::update()
        .table(ApprovalRecords::Table)
        .values([
            (ApprovalRecords::Status, status.as_str().into()),
            (ApprovalRecords::ActionBy, determination.actor_id.0.into()),
            (ApprovalRecords::Reason, determination.reason.as_str().into()),
            (
                ApprovalRecords::CriteriaMet,
                serde_json::to_string(&determination.criteria_met)
                    .expect("approvers serialise")
                    .into(),
            ),
            (
                ApprovalRecords::Duration,
                determination.duration.map(|(amount, _)| i64::from(amount)).into(),
            ),
            (ApprovalRecords::DurationUnit, unit.into()),
            (ApprovalRecords::EndsAt, ends_at.map(Timestamp::millis).into()),
            (ApprovalRecords::UpdatedAt, now.millis().into()),
        ])
        .and_where(Expr::col(ApprovalRecords::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(ApprovalRecords::Id).eq(record_id.as_str()))
        .take()
}

/// A request marked as changed now.
fn touching(tenant_id: TenantId, id: &RequestId, now: Timestamp) -> UpdateStatement {
    Query::update()
        .table(AccessRequests::Table)
        .values([(AccessRequests::UpdatedAt, now.millis().into())])
        .and_where(Expr::col(AccessRequests::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(AccessRequests::Id).eq(id.as_str()))
        .take()
}

fn record_status(tenant_id: TenantId, id: &RecordId, status: RecordStatus, now: Timestamp) -> UpdateStatement {
    Query::update()
        .table(ApprovalRecords::Table)
        .values([
            (ApprovalRecords::Status, status.as_str().into()),
            (ApprovalRecords::UpdatedAt, now.millis().into()),
        ])
        .and_where(Expr::col(ApprovalRecords::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(ApprovalRecords::Id).eq(id.as_str()))
        .take()
}

/// Pending and blocked records of a request that ends undecided are canceled.
pub(super) async fn close_open_records(
    conn: &mut Conn,
    tenant_id: TenantId,
    request_id: &RequestId,
    now: Timestamp,
) -> Result<(), StoreError> {
    conn.execute(&closing_open_records(tenant_id, request_id, now))
        .await
        .map(drop)
}

fn closing_open_records(tenant_id: TenantId, request_id: &RequestId, now: Timestamp) -> UpdateStatement {
    Query::update()
        .table(ApprovalRecords::Table)
        .values([
            (ApprovalRecords::Status, RecordStatus::Canceled.as_str().into()),
            (ApprovalRecords::UpdatedAt, now.millis().into()),
        ])
        .and_where(Expr::col(ApprovalRecords::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(ApprovalRecords::RequestId).eq(request_id.as_str()))
        .and_where(
            Expr::col(ApprovalRecords::Status).is_in([RecordStatus::Pending.as_str(), RecordStatus::Blocked.as_str()]),
        )
        .take()
}
