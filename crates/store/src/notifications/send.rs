//! Sending one event: who it concerns, the inbox message each of them gets, and the CloudEvent every webhook of
//! the tenant gets.

use super::{Claimed, preferences, recipients, webhooks};
use crate::StoreError;
use crate::db::Conn;
use crate::requests::find_request;
use crate::schema::{ApprovalRecordKeys, InboxMessages, Users};
use marketplace_domain::DomainPermission;
use marketplace_domain::access_request::domain_key;
use marketplace_domain::ids::{ProductId, RequestId, TenantId, UserId};
use marketplace_domain::notifications::{CloudEvent, NotificationType, RequestFacts, product_message, request_message};
use sea_query::{Expr, ExprTrait, OnConflict, Query};
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// What a sent event says, to whom.
struct Message {
    recipients: BTreeSet<UserId>,
    subject: String,
    message: String,
    link: String,
    /// The CloudEvent's subject and data.
    about: String,
    data: Json,
}

pub(super) async fn send(conn: &mut Conn, event: &Claimed) -> Result<(), StoreError> {
    let Some(kind) = event.kind else {
        return Ok(());
    };
    let message = match (&event.request_id, &event.product_id) {
        (Some(request_id), _) => request_event(conn, event, kind, request_id).await?,
        (None, Some(product_id)) => Some(product_event(conn, event, kind, product_id).await?),
        (None, None) => None,
    };
    let Some(mut message) = message else {
        return Ok(());
    };
    // Whoever made the change knows of it.
    if let Some(actor) = event.actor_id {
        message.recipients.remove(&actor);
    }
    for declined in preferences::inbox_declined(conn, event.tenant_id, &message.recipients, kind).await? {
        message.recipients.remove(&declined);
    }
    for user_id in &message.recipients {
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
                user_id.0.into(),
                kind.as_str().into(),
                message.subject.as_str().into(),
                message.message.as_str().into(),
                message.link.as_str().into(),
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
            .take();
        conn.execute(&insert).await?;
    }
    if !kind.for_webhooks() {
        return Ok(());
    }
    let hooks = webhooks::active(conn, event.tenant_id).await?;
    if hooks.is_empty() {
        return Ok(());
    }
    let tenant = crate::tenants::by_id(conn, event.tenant_id).await?;
    let source = tenant.map_or_else(|| event.tenant_id.to_string(), |tenant| tenant.short_key);
    let document = CloudEvent {
        id: &event.id,
        tenant: &source,
        kind,
        outcome: event.outcome.as_deref(),
        subject: &message.about,
        time: event.created_at,
        data: message.data,
    }
    .cloud_event();
    let body = document.to_string();
    webhooks::enqueue(conn, event.tenant_id, &hooks, &event.id, &body, event.created_at).await
}

async fn request_event(
    conn: &mut Conn,
    event: &Claimed,
    kind: NotificationType,
    request_id: &RequestId,
) -> Result<Option<Message>, StoreError> {
    let Some(request) = find_request(conn, event.tenant_id, request_id, false).await? else {
        return Ok(None);
    };
    let receivers = kind.receivers();
    let mut recipients = BTreeSet::new();
    if receivers.stewards {
        let keys = Query::select()
            .distinct()
            .column(ApprovalRecordKeys::ApproverKey)
            .from(ApprovalRecordKeys::Table)
            .and_where(Expr::col(ApprovalRecordKeys::TenantId).eq(event.tenant_id.to_string()))
            .and_where(Expr::col(ApprovalRecordKeys::RequestId).eq(request_id.as_str()))
            .take();
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
    let people = people(conn, event.tenant_id, &[request.requesting_user_id, request.user_id]).await?;
    let name = |id: UserId| people.get(&id).map_or("A removed user", |person| person.name.as_str());
    let facts = RequestFacts {
        requester: name(request.requesting_user_id),
        user: name(request.user_id),
        target: &request.target_name,
        status: event.outcome.as_deref().unwrap_or(request.status.as_str()),
        expiration: request.expiration,
    };
    let (subject, message) = request_message(kind, &facts);
    let person = |id: UserId| {
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
    Ok(Some(Message {
        recipients,
        subject,
        message,
        link: format!("/marketplace/requests/{request_id}"),
        about: format!("access-requests/{request_id}"),
        data,
    }))
}

async fn product_event(
    conn: &mut Conn,
    event: &Claimed,
    kind: NotificationType,
    product_id: &ProductId,
) -> Result<Message, StoreError> {
    let detail: Json = event
        .detail
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let name = detail["name"].as_str().unwrap_or(product_id.as_str());
    let strings = |field: &str| -> Vec<Json> { detail[field].as_array().cloned().unwrap_or_default() };
    let receivers = kind.receivers();
    let mut recipients = BTreeSet::new();
    if receivers.domain_managers {
        let keys: Vec<String> = strings("domains")
            .iter()
            .filter_map(Json::as_str)
            .map(|domain| domain_key(domain, DomainPermission::ManageDataProducts))
            .collect();
        recipients.extend(recipients::holders(conn, event.tenant_id, &keys).await?);
    }
    if receivers.impacted {
        recipients.extend(strings("impacted").iter().filter_map(Json::as_i64).map(UserId));
    }
    let (subject, message) = product_message(kind, name);
    Ok(Message {
        recipients,
        subject,
        message,
        link: format!("/marketplace/data-products/{product_id}"),
        about: format!("data-products/{product_id}"),
        data: json!({"id": product_id, "name": name, "domains": detail["domains"]}),
    })
}

/// Who a request is by and for, as events name them.
struct Someone {
    global_user_id: String,
    username: String,
    name: String,
}

async fn people(conn: &mut Conn, tenant_id: TenantId, ids: &[UserId]) -> Result<BTreeMap<UserId, Someone>, StoreError> {
    let query = Query::select()
        .columns([Users::Id, Users::GlobalUserId, Users::Username, Users::Name])
        .from(Users::Table)
        .and_where(Expr::col(Users::TenantId).eq(tenant_id.to_string()))
        .and_where(crate::query::one_of(Users::Id, ids.iter().map(|id| id.0)))
        .take();
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
