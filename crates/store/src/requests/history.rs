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

/// One transition in a request's history: what happened, by whom, to which record, why and when.
pub(super) struct Entry<'a> {
    tenant_id: TenantId,
    request_id: &'a RequestId,
    event: RequestEvent,
    actor_id: Option<UserId>,
    record_id: Option<&'a RecordId>,
    reason: Option<&'a str>,
    at: Timestamp,
}

impl<'a> Entry<'a> {
    /// `event` happened to the request at `at`, by nobody in particular, for no stated reason.
    pub(super) fn new(tenant_id: TenantId, request_id: &'a RequestId, event: RequestEvent, at: Timestamp) -> Self {
        Self {
            tenant_id,
            request_id,
            event,
            actor_id: None,
            record_id: None,
            reason: None,
            at,
        }
    }

    pub(super) fn by(self, actor_id: Option<UserId>) -> Self {
        Self { actor_id, ..self }
    }

    pub(super) fn on_record(self, record_id: &'a RecordId) -> Self {
        Self {
            record_id: Some(record_id),
            ..self
        }
    }

    pub(super) fn because(self, reason: Option<&'a str>) -> Self {
        Self { reason, ..self }
    }

    /// Appends the entry and records the notification the transition causes. The request row is locked (or being
    /// written), so positions never clash.
    pub(super) async fn record(&self, conn: &mut Conn) -> Result<(), StoreError> {
        conn.execute_all(&self.inserts()?).await
    }

    /// Appends the entry, notifying nobody (the caller notifies as it sees fit).
    pub(super) async fn record_quietly(&self, conn: &mut Conn) -> Result<(), StoreError> {
        conn.execute(&self.history_insert()?).await.map(drop)
    }

    /// What [`Entry::record`] writes: the history entry, and the notification if the transition causes one.
    pub(super) fn inserts(&self) -> Result<Vec<InsertStatement>, StoreError> {
        let mut inserts = vec![self.history_insert()?];
        if let Some(kind) = NotificationType::for_request_event(self.event) {
            let about = About::Request {
                id: self.request_id,
                outcome: NotificationType::outcome_of(self.event).map(RequestStatus::as_str),
            };
            inserts.push(crate::notifications::event_insert(
                self.tenant_id,
                None,
                kind,
                about,
                self.actor_id,
                self.at,
            ));
        }
        Ok(inserts)
    }

    /// The insert of a history entry.
    fn history_insert(&self) -> Result<InsertStatement, StoreError> {
        let Self {
            tenant_id,
            request_id,
            event,
            actor_id,
            record_id,
            reason,
            at,
        } = *self;
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
            .expr(number(Some(at.millis())))
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
}
