//! Notifications: events written with the change that causes them (the outbox), and the job that turns each into
//! inbox messages and webhook deliveries for the people and systems it concerns, once.

mod deliveries;
mod inbox;
mod preferences;
mod recipients;
mod send;
mod slack;
mod webhooks;

pub(crate) use webhooks::enqueue_event as enqueue_webhook_event;

pub use deliveries::{AttemptOutcome, Delivery, WebhookAttempt};
pub use inbox::{InboxFilter, InboxMessage};
pub use preferences::Preferences;
pub use slack::SlackConfiguration;
pub use webhooks::{WebhookChange, WebhookRecord};

use crate::query::{approved_with_end, one_of};
use crate::schema::{AccessRequests, NotificationEvents};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::{ProductId, RequestId, TenantId, UserId};
use marketplace_domain::notifications::NotificationType;
use sea_query::{Expr, ExprTrait, InsertStatement, LockBehavior, LockType, OnConflict, Order, Query};
use serde_json::Value as Json;
use uuid::Uuid;

/// What an event is about.
pub(crate) enum About<'a> {
    /// A request, and what a determination decided.
    Request {
        id: &'a RequestId,
        outcome: Option<&'a str>,
    },
    /// A product: its name and domains (and the users whose requests a deletion ended) travel with the event.
    Product { id: &'a ProductId, detail: Json },
}

/// The insert that records an event, in the caller's transaction. An event with a given `id` is recorded once.
pub(crate) fn event_insert(
    tenant_id: TenantId,
    id: Option<String>,
    kind: NotificationType,
    about: About<'_>,
    actor_id: Option<UserId>,
    now: Timestamp,
) -> InsertStatement {
    let (request_id, product_id, detail, outcome) = match about {
        About::Request { id, outcome } => (Some(id.0.clone()), None, None, outcome.map(str::to_owned)),
        About::Product { id, detail } => (None, Some(id.0.clone()), Some(detail.to_string()), None),
    };
    Query::insert()
        .into_table(NotificationEvents::Table)
        .columns([
            NotificationEvents::TenantId,
            NotificationEvents::Id,
            NotificationEvents::NotificationType,
            NotificationEvents::RequestId,
            NotificationEvents::ProductId,
            NotificationEvents::Detail,
            NotificationEvents::Outcome,
            NotificationEvents::ActorId,
            NotificationEvents::CreatedAt,
        ])
        .values_panic([
            tenant_id.to_string().into(),
            id.unwrap_or_else(|| Uuid::now_v7().to_string()).into(),
            kind.as_str().into(),
            request_id.into(),
            product_id.into(),
            detail.into(),
            outcome.into(),
            actor_id.map(|id| id.0).into(),
            now.millis().into(),
        ])
        .on_conflict(
            OnConflict::columns([NotificationEvents::TenantId, NotificationEvents::Id])
                .do_nothing()
                .to_owned(),
        )
        .take()
}

/// An event the job has claimed.
pub(crate) struct Claimed {
    tenant_id: TenantId,
    id: String,
    /// `None` for a type this version does not know: it notifies nobody, and is marked sent.
    kind: Option<NotificationType>,
    request_id: Option<RequestId>,
    product_id: Option<ProductId>,
    detail: Option<String>,
    outcome: Option<String>,
    actor_id: Option<UserId>,
    created_at: Timestamp,
}

impl Store {
    /// Sends up to `limit` unsent events, oldest first, across tenants, and returns how many. Each is claimed
    /// under a row lock that other instances skip, and its messages and deliveries are written in the transaction
    /// that marks it sent: every event is sent once, and a crash sends it again whole.
    pub async fn send_notifications(&self, now: Timestamp, limit: u64) -> Result<usize, StoreError> {
        let mut unsent = Query::select()
            .columns([
                NotificationEvents::TenantId,
                NotificationEvents::Id,
                NotificationEvents::NotificationType,
                NotificationEvents::RequestId,
                NotificationEvents::ProductId,
                NotificationEvents::Detail,
                NotificationEvents::Outcome,
                NotificationEvents::ActorId,
                NotificationEvents::CreatedAt,
            ])
            .from(NotificationEvents::Table)
            .and_where(Expr::col(NotificationEvents::SentAt).is_null())
            .order_by(NotificationEvents::CreatedAt, Order::Asc)
            .limit(limit)
            .take();
        // Most runs find nothing: look first with a reader, so an idle job never takes SQLite's single writer.
        if self.backend.read().await?.query_opt(&unsent).await?.is_none() {
            return Ok(0);
        }
        let mut tx = self.backend.begin().await?;
        unsent.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        let mut claimed = Vec::new();
        for row in tx.query(&unsent).await? {
            claimed.push(Claimed {
                tenant_id: row.get(0)?,
                id: row.get(1)?,
                kind: NotificationType::parse(&row.get::<String>(2)?),
                request_id: row.get(3)?,
                product_id: row.get(4)?,
                detail: row.get(5)?,
                outcome: row.get(6)?,
                actor_id: row.get(7)?,
                created_at: Timestamp::from_millis(row.get(8)?),
            });
        }
        for event in &claimed {
            send::send(&mut tx, event).await?;
            let sent = Query::update()
                .table(NotificationEvents::Table)
                .value(NotificationEvents::SentAt, now.millis())
                .and_where(Expr::col(NotificationEvents::TenantId).eq(event.tenant_id.to_string()))
                .and_where(Expr::col(NotificationEvents::Id).eq(event.id.as_str()))
                .take();
            tx.execute(&sent).await?;
        }
        tx.commit().await?;
        Ok(claimed.len())
    }

    /// Records the warnings due for approved access ending within a week: one a week before, one a day before.
    /// Each warning's id names the request, the kind and the end, so it is recorded once however often (and in
    /// however many instances) this runs; only warnings not yet recorded are written. Returns how many.
    pub async fn warn_of_expiry(&self, now: Timestamp) -> Result<usize, StoreError> {
        let ending = Query::select()
            .columns([AccessRequests::TenantId, AccessRequests::Id, AccessRequests::Expiration])
            .from(AccessRequests::Table)
            .cond_where(approved_with_end())
            .and_where(Expr::col(AccessRequests::Expiration).gt(now.millis()))
            .and_where(Expr::col(AccessRequests::Expiration).lte(now.plus_seconds(7 * 24 * 3600).millis()))
            .take();
        let mut conn = self.backend.read().await?;
        let mut due = Vec::new();
        for row in conn.query(&ending).await? {
            let (tenant_id, id, expiration): (TenantId, RequestId, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
            if let Some(kind) = NotificationType::expiry_warning(Timestamp::from_millis(expiration), now) {
                due.push((tenant_id, format!("{}:{id}:{expiration}", kind.as_str()), kind, id));
            }
        }
        let mut recorded: Vec<(TenantId, String)> = Vec::new();
        // In chunks, so a busy week stays under the databases' limits on bound parameters.
        for chunk in due.chunks(500) {
            let query = Query::select()
                .columns([NotificationEvents::TenantId, NotificationEvents::Id])
                .from(NotificationEvents::Table)
                .and_where(one_of(
                    NotificationEvents::Id,
                    chunk.iter().map(|(_, key, ..)| key.clone()),
                ))
                .take();
            for row in conn.query(&query).await? {
                recorded.push((row.get(0)?, row.get(1)?));
            }
        }
        drop(conn);
        due.retain(|(tenant_id, key, ..)| !recorded.iter().any(|(t, k)| t == tenant_id && k == key));
        if due.is_empty() {
            return Ok(0);
        }
        let mut tx = self.backend.begin().await?;
        for (tenant_id, key, kind, id) in &due {
            let about = About::Request { id, outcome: None };
            tx.execute(&event_insert(*tenant_id, Some(key.clone()), *kind, about, None, now))
                .await?;
        }
        tx.commit().await?;
        Ok(due.len())
    }
}
