//! Webhooks a tenant's `APPLICATION_ADMIN`s configure: where events are posted, and the deliveries each event
//! becomes.

use crate::db::{Conn, Row};
use crate::query::tenant_is;
use crate::schema::{WebhookDeliveries, Webhooks};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::{TenantId, WebhookId};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct WebhookRecord {
    pub id: WebhookId,
    pub url: String,
    pub verify_tls: bool,
    /// Never shown: the API says only whether there is one.
    pub signing_key: Option<String>,
    pub suppressed: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A webhook as saved: all of it on create, what is given on update (`signing_key: Some(None)` removes the key).
#[derive(Debug, Clone, Default)]
pub struct WebhookChange {
    pub url: Option<String>,
    pub verify_tls: Option<bool>,
    pub signing_key: Option<Option<String>>,
}

fn select(tenant_id: TenantId) -> SelectStatement {
    Query::select()
        .columns([
            Webhooks::Id,
            Webhooks::Url,
            Webhooks::VerifyTls,
            Webhooks::SigningKey,
            Webhooks::Suppressed,
            Webhooks::CreatedAt,
            Webhooks::UpdatedAt,
        ])
        .from(Webhooks::Table)
        .and_where(tenant_is(Webhooks::TenantId, tenant_id))
        .take()
}

fn decode(row: &Row) -> Result<WebhookRecord, StoreError> {
    Ok(WebhookRecord {
        id: row.get(0)?,
        url: row.get(1)?,
        verify_tls: row.get(2)?,
        signing_key: row.get(3)?,
        suppressed: row.get(4)?,
        created_at: Timestamp::from_millis(row.get(5)?),
        updated_at: Timestamp::from_millis(row.get(6)?),
    })
}

pub(crate) async fn find(
    conn: &mut Conn,
    tenant_id: TenantId,
    id: WebhookId,
) -> Result<Option<WebhookRecord>, StoreError> {
    let query = select(tenant_id)
        .and_where(Expr::col(Webhooks::Id).eq(id.to_string()))
        .take();
    conn.query_opt(&query).await?.as_ref().map(decode).transpose()
}

impl Store {
    pub async fn create_webhook(
        &self,
        tenant_id: TenantId,
        url: &str,
        verify_tls: bool,
        signing_key: Option<&str>,
        now: Timestamp,
    ) -> Result<WebhookRecord, StoreError> {
        let id = WebhookId(Uuid::now_v7());
        let insert = Query::insert()
            .into_table(Webhooks::Table)
            .columns([
                Webhooks::TenantId,
                Webhooks::Id,
                Webhooks::Url,
                Webhooks::VerifyTls,
                Webhooks::SigningKey,
                Webhooks::Suppressed,
                Webhooks::CreatedAt,
                Webhooks::UpdatedAt,
            ])
            .values_panic([
                tenant_id.to_string().into(),
                id.to_string().into(),
                url.into(),
                verify_tls.into(),
                signing_key.map(str::to_owned).into(),
                false.into(),
                now.millis().into(),
                now.millis().into(),
            ])
            .take();
        let mut tx = self.backend.begin().await?;
        tx.execute(&insert).await?;
        let created = find(&mut tx, tenant_id, id).await?;
        tx.commit().await?;
        created.ok_or_else(|| StoreError::Missing("the webhook just written is missing".into()))
    }

    pub async fn webhooks(&self, tenant_id: TenantId) -> Result<Vec<WebhookRecord>, StoreError> {
        let query = select(tenant_id).order_by(Webhooks::CreatedAt, Order::Asc).take();
        let rows = self.backend.read().await?.query(&query).await?;
        rows.iter().map(decode).collect()
    }

    pub async fn webhook(&self, tenant_id: TenantId, id: WebhookId) -> Result<Option<WebhookRecord>, StoreError> {
        find(&mut self.backend.read().await?, tenant_id, id).await
    }

    /// Saves what the change gives; saving a webhook lifts its suppression. `Ok(None)` if there is none.
    pub async fn update_webhook(
        &self,
        tenant_id: TenantId,
        id: WebhookId,
        change: &WebhookChange,
        now: Timestamp,
    ) -> Result<Option<WebhookRecord>, StoreError> {
        let mut update = Query::update()
            .table(Webhooks::Table)
            .values([
                (Webhooks::Suppressed, false.into()),
                (Webhooks::UpdatedAt, now.millis().into()),
            ])
            .and_where(tenant_is(Webhooks::TenantId, tenant_id))
            .and_where(Expr::col(Webhooks::Id).eq(id.to_string()))
            .take();
        if let Some(url) = &change.url {
            update.value(Webhooks::Url, url.as_str());
        }
        if let Some(verify) = change.verify_tls {
            update.value(Webhooks::VerifyTls, verify);
        }
        if let Some(key) = &change.signing_key {
            update.value(Webhooks::SigningKey, key.clone());
        }
        let mut tx = self.backend.begin().await?;
        tx.execute(&update).await?;
        let updated = find(&mut tx, tenant_id, id).await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Deletes a webhook with its deliveries and history.
    pub async fn delete_webhook(&self, tenant_id: TenantId, id: WebhookId) -> Result<bool, StoreError> {
        let delete = Query::delete()
            .from_table(Webhooks::Table)
            .and_where(tenant_is(Webhooks::TenantId, tenant_id))
            .and_where(Expr::col(Webhooks::Id).eq(id.to_string()))
            .take();
        let mut tx = self.backend.begin().await?;
        let deleted = tx.execute(&delete).await? > 0;
        tx.commit().await?;
        Ok(deleted)
    }
}

/// The tenant's webhooks that are not suppressed: those new events are delivered to.
pub(crate) async fn active(conn: &mut Conn, tenant_id: TenantId) -> Result<Vec<WebhookRecord>, StoreError> {
    let active = select(tenant_id)
        .and_where(Expr::col(Webhooks::Suppressed).eq(false))
        .take();
    conn.query(&active).await?.iter().map(decode).collect()
}

/// Queues `body` for each of `hooks`, once per event.
pub(crate) async fn enqueue(
    conn: &mut Conn,
    tenant_id: TenantId,
    hooks: &[WebhookRecord],
    event_id: &str,
    body: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    for hook in hooks {
        let insert = Query::insert()
            .into_table(WebhookDeliveries::Table)
            .columns([
                WebhookDeliveries::TenantId,
                WebhookDeliveries::Id,
                WebhookDeliveries::WebhookId,
                WebhookDeliveries::EventId,
                WebhookDeliveries::Body,
                WebhookDeliveries::Status,
                WebhookDeliveries::Attempts,
                WebhookDeliveries::NextAttemptAt,
                WebhookDeliveries::CreatedAt,
            ])
            .values_panic([
                tenant_id.to_string().into(),
                Uuid::now_v7().to_string().into(),
                hook.id.to_string().into(),
                event_id.into(),
                body.into(),
                "PENDING".into(),
                0i64.into(),
                now.millis().into(),
                now.millis().into(),
            ])
            .on_conflict(
                OnConflict::columns([
                    WebhookDeliveries::TenantId,
                    WebhookDeliveries::WebhookId,
                    WebhookDeliveries::EventId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .take();
        conn.execute(&insert).await?;
    }
    Ok(())
}

/// Queues a document for every active webhook of the tenant, for events that are not notifications (provisioning).
pub(crate) async fn enqueue_event(
    conn: &mut Conn,
    tenant_id: TenantId,
    event_id: &str,
    body: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let hooks = active(conn, tenant_id).await?;
    enqueue(conn, tenant_id, &hooks, event_id, body, now).await
}
