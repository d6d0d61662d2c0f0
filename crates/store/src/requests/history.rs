//! A request's history: each transition appended, with the notification it causes.

use crate::StoreError;
use crate::db::Conn;
use crate::notifications::About;
use crate::schema::AccessRequestEvents;
use marketplace_domain::Timestamp;
use marketplace_domain::access_request::{RequestEvent, RequestStatus};
use marketplace_domain::ids::{RecordId, RequestId, TenantId, UserId};
use marketplace_domain::notifications::NotificationType;
use sea_query::{Alias, Expr, ExprTrait, InsertStatement, Query};

/// Appends to a request's history and records the notification the transition causes. The request row is locked
/// (or being written), so positions never clash.
#[allow(clippy::too_many_arguments)]
pub(super) async fn record_event(
    conn: &mut Conn,
    tenant_id: TenantId,
    request_id: &RequestId,
    event: RequestEvent,
    actor_id: Option<UserId>,
    record_id: Option<&RecordId>,
    reason: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let inserts = event_inserts(tenant_id, request_id, event, actor_id, record_id, reason, now)?;
    conn.execute_all(&inserts).await
}

/// What [`record_event`] writes: the history entry, and the notification if the transition causes one.
#[allow(clippy::too_many_arguments)]
pub(super) fn event_inserts(
    tenant_id: TenantId,
    request_id: &RequestId,
    event: RequestEvent,
    actor_id: Option<UserId>,
    record_id: Option<&RecordId>,
    reason: Option<&str>,
    now: Timestamp,
) -> Result<Vec<InsertStatement>, StoreError> {
    let mut inserts = vec![history_insert(
        tenant_id, request_id, event, actor_id, record_id, reason, now,
    )?];
    if let Some(kind) = NotificationType::for_request_event(event) {
        let about = About::Request {
            id: request_id,
            outcome: NotificationType::outcome_of(event).map(RequestStatus::as_str),
        };
        inserts.push(crate::notifications::event_insert(
            tenant_id, None, kind, about, actor_id, now,
        ));
    }
    Ok(inserts)
}

/// Keeps a transition in the request's history, notifying nobody (the caller notifies as it sees fit).
#[allow(clippy::too_many_arguments)]
pub(super) async fn record_history(
    conn: &mut Conn,
    tenant_id: TenantId,
    request_id: &RequestId,
    event: RequestEvent,
    actor_id: Option<UserId>,
    record_id: Option<&RecordId>,
    reason: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let insert = history_insert(tenant_id, request_id, event, actor_id, record_id, reason, now)?;
    conn.execute(&insert).await.map(drop)
}

/// The insert of a history entry.
fn history_insert(
    tenant_id: TenantId,
    request_id: &RequestId,
    event: RequestEvent,
    actor_id: Option<UserId>,
    record_id: Option<&RecordId>,
    reason: Option<&str>,
    now: Timestamp,
) -> Result<InsertStatement, StoreError> {
    // The next position, read in the insert itself: one statement (a round trip on PostgreSQL).
    let text = |value: Option<String>| Expr::val(value).cast_as(Alias::new("TEXT"));
    let number = |value: Option<i64>| Expr::val(value).cast_as(Alias::new("BIGINT"));
    let next = Query::select()
        .expr(text(Some(tenant_id.to_string())))
        .expr(text(Some(request_id.0.clone())))
        .expr(Expr::cust("COALESCE(MAX(position), 0) + 1"))
        .expr(text(Some(event.as_str().to_owned())))
        .expr(number(actor_id.map(|id| id.0)))
        .expr(text(record_id.map(|id| id.0.clone())))
        .expr(text(reason.map(str::to_owned)))
        .expr(number(Some(now.millis())))
        .from(AccessRequestEvents::Table)
        .and_where(Expr::col(AccessRequestEvents::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(AccessRequestEvents::RequestId).eq(request_id.as_str()))
        .take();
    let insert = Query::insert()
        .into_table(AccessRequestEvents::Table)
        .columns([
            AccessRequestEvents::TenantId,
            AccessRequestEvents::RequestId,
            AccessRequestEvents::Position,
            AccessRequestEvents::Event,
            AccessRequestEvents::ActorId,
            AccessRequestEvents::RecordId,
            AccessRequestEvents::Reason,
            AccessRequestEvents::At,
        ])
        .select_from(next)
        .map_err(|error| StoreError::Missing(format!("an event insert: {error}")))?
        .take();
    Ok(insert)
}
