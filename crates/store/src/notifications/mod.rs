//! Notifications: events written with the change that causes them, and the job that turns each into messages
//! for the people it concerns, once.

mod deliveries;
mod inbox;
mod preferences;
mod recipients;
mod webhooks;

pub use deliveries::{AttemptOutcome, Delivery, WebhookAttempt};
pub use inbox::{InboxFilter, InboxMessage};
pub use preferences::Preferences;
pub use webhooks::{WebhookChange, WebhookRecord};

use crate::db::Conn;
use crate::requests::find_request;
use crate::schema::{ApprovalRecordKeys, InboxMessages, NotificationEvents, Tenants, Users};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::notifications::{NotificationType, RequestEvent, RequestFacts, request_message};
use sea_query::{Expr, ExprTrait, LockBehavior, LockType, OnConflict, Order, Query};
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Records that a request's change notifies people, in the caller's transaction.
pub(crate) async fn enqueue_request_event(
    conn: &mut Conn,
    tenant_id: Uuid,
    request_id: &str,
    kind: NotificationType,
    outcome: Option<&str>,
    actor_id: Option<i64>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let insert = Query::insert()
        .into_table(NotificationEvents::Table)
        .columns([
            NotificationEvents::TenantId,
            NotificationEvents::Id,
            NotificationEvents::NotificationType,
            NotificationEvents::RequestId,
            NotificationEvents::Outcome,
            NotificationEvents::ActorId,
            NotificationEvents::CreatedAt,
        ])
        .values_panic([
            tenant_id.to_string().into(),
            Uuid::now_v7().to_string().into(),
            kind.as_str().into(),
            request_id.into(),
            outcome.map(str::to_owned).into(),
            actor_id.into(),
            now.millis().into(),
        ])
        .to_owned();
    conn.execute(&insert).await.map(drop)
}

/// An event the job has claimed.
struct Claimed {
    tenant_id: Uuid,
    id: String,
    /// `None` for a type this version does not know: it notifies nobody, and is marked sent.
    kind: Option<NotificationType>,
    request_id: Option<String>,
    outcome: Option<String>,
    actor_id: Option<i64>,
    created_at: Timestamp,
}

impl Store {
    /// Sends up to `limit` unsent events, oldest first, across tenants, and returns how many. Each is claimed
    /// under a row lock that other instances skip, and its messages are written in the transaction that marks it
    /// sent: every event is sent once, and a crash sends it again whole.
    pub async fn send_notifications(&self, now: Timestamp, limit: u64) -> Result<usize, StoreError> {
        let mut tx = self.backend.begin().await?;
        let unsent = Query::select()
            .columns([
                NotificationEvents::TenantId,
                NotificationEvents::Id,
                NotificationEvents::NotificationType,
                NotificationEvents::RequestId,
                NotificationEvents::Outcome,
                NotificationEvents::ActorId,
                NotificationEvents::CreatedAt,
            ])
            .from(NotificationEvents::Table)
            .and_where(Expr::col(NotificationEvents::SentAt).is_null())
            .order_by(NotificationEvents::CreatedAt, Order::Asc)
            .limit(limit)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .to_owned();
        let mut claimed = Vec::new();
        for row in tx.query(&unsent).await? {
            claimed.push(Claimed {
                tenant_id: row.get(0)?,
                id: row.get(1)?,
                kind: NotificationType::parse(&row.get::<String>(2)?),
                request_id: row.get(3)?,
                outcome: row.get(4)?,
                actor_id: row.get(5)?,
                created_at: Timestamp::from_millis(row.get(6)?),
            });
        }
        for event in &claimed {
            if let (Some(kind), Some(request_id)) = (event.kind, &event.request_id) {
                send_request_event(&mut tx, event, kind, request_id).await?;
            }
            let sent = Query::update()
                .table(NotificationEvents::Table)
                .value(NotificationEvents::SentAt, now.millis())
                .and_where(Expr::col(NotificationEvents::TenantId).eq(event.tenant_id.to_string()))
                .and_where(Expr::col(NotificationEvents::Id).eq(event.id.as_str()))
                .to_owned();
            tx.execute(&sent).await?;
        }
        tx.commit().await?;
        Ok(claimed.len())
    }
}

async fn send_request_event(
    conn: &mut Conn,
    event: &Claimed,
    kind: NotificationType,
    request_id: &str,
) -> Result<(), StoreError> {
    let Some(request) = find_request(conn, event.tenant_id, request_id, false).await? else {
        return Ok(());
    };
    let receivers = kind.receivers();
    let mut recipients = std::collections::BTreeSet::new();
    if receivers.stewards {
        let keys = Query::select()
            .distinct()
            .column(ApprovalRecordKeys::ApproverKey)
            .from(ApprovalRecordKeys::Table)
            .and_where(Expr::col(ApprovalRecordKeys::TenantId).eq(event.tenant_id.to_string()))
            .and_where(Expr::col(ApprovalRecordKeys::RequestId).eq(request_id))
            .to_owned();
        let keys: Vec<String> = conn
            .query(&keys)
            .await?
            .iter()
            .map(|row| row.get(0))
            .collect::<Result<_, _>>()?;
        recipients.extend(recipients::holders(conn, event.tenant_id, &keys).await?);
        // Nobody reviews their own request.
        recipients.remove(&request.requesting_user_id);
        recipients.remove(&request.user_id);
    }
    if receivers.requester {
        recipients.extend([request.requesting_user_id, request.user_id]);
    }
    if receivers.user {
        recipients.insert(request.user_id);
    }
    // Whoever made the change knows of it.
    if let Some(actor) = event.actor_id {
        recipients.remove(&actor);
    }
    for declined in preferences::inbox_declined(conn, event.tenant_id, &recipients, kind).await? {
        recipients.remove(&declined);
    }
    let people = people(conn, event.tenant_id, &[request.requesting_user_id, request.user_id]).await?;
    let name = |id: i64| people.get(&id).map_or("A removed user", |person| person.name.as_str());
    let facts = RequestFacts {
        requester: name(request.requesting_user_id),
        user: name(request.user_id),
        target: &request.target_name,
        status: event.outcome.as_deref().unwrap_or(request.status.as_str()),
    };
    let (subject, message) = request_message(kind, &facts);
    let link = format!("/marketplace/requests/{request_id}");
    for user_id in recipients {
        let insert = Query::insert()
            .into_table(InboxMessages::Table)
            .columns([
                InboxMessages::TenantId,
                InboxMessages::Id,
                InboxMessages::NotificationId,
                InboxMessages::UserId,
                InboxMessages::NotificationType,
                InboxMessages::Subject,
                InboxMessages::Message,
                InboxMessages::ActionLink,
                InboxMessages::CreatedAt,
            ])
            .values_panic([
                event.tenant_id.to_string().into(),
                Uuid::now_v7().to_string().into(),
                event.id.as_str().into(),
                user_id.into(),
                kind.as_str().into(),
                subject.as_str().into(),
                message.as_str().into(),
                link.as_str().into(),
                event.created_at.millis().into(),
            ])
            .on_conflict(
                OnConflict::columns([
                    InboxMessages::TenantId,
                    InboxMessages::NotificationId,
                    InboxMessages::UserId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .to_owned();
        conn.execute(&insert).await?;
    }
    let person = |id: i64| {
        people
            .get(&id)
            .map(|someone| json!({"globalUserId": someone.global_user_id, "username": someone.username}))
    };
    let data = json!({
        "id": request.id,
        "type": request.request_type.as_str(),
        "status": request.status.as_str(),
        "dataProductId": request.data_product_id,
        "assetId": request.asset_id,
        "targetName": request.target_name,
        "requestingUser": person(request.requesting_user_id),
        "user": person(request.user_id),
        "expiration": request.expiration,
    });
    let short_key = Query::select()
        .column(Tenants::ShortKey)
        .from(Tenants::Table)
        .and_where(Expr::col(Tenants::Id).eq(event.tenant_id.to_string()))
        .to_owned();
    let tenant: String = match conn.query_opt(&short_key).await? {
        Some(row) => row.get(0)?,
        None => event.tenant_id.to_string(),
    };
    let document = RequestEvent {
        id: &event.id,
        tenant: &tenant,
        kind,
        outcome: event.outcome.as_deref(),
        request_id,
        time: event.created_at,
        data,
    }
    .cloud_event();
    webhooks::enqueue(
        conn,
        event.tenant_id,
        &event.id,
        &document.to_string(),
        event.created_at,
    )
    .await
}

/// Who a request is by and for, as events name them.
struct Someone {
    global_user_id: String,
    username: String,
    name: String,
}

async fn people(conn: &mut Conn, tenant_id: Uuid, ids: &[i64]) -> Result<BTreeMap<i64, Someone>, StoreError> {
    let query = Query::select()
        .columns([Users::Id, Users::GlobalUserId, Users::Username, Users::Name])
        .from(Users::Table)
        .and_where(Expr::col(Users::TenantId).eq(tenant_id.to_string()))
        .and_where(crate::query::one_of(Users::Id, ids.iter().copied()))
        .to_owned();
    conn.query(&query)
        .await?
        .iter()
        .map(|row| {
            let someone = Someone {
                global_user_id: row.get(1)?,
                username: row.get(2)?,
                name: row.get(3)?,
            };
            Ok((row.get(0)?, someone))
        })
        .collect()
}
