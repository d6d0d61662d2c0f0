//! Webhook deliveries: claimed with a lease so one instance posts each at a time, retried with backoff, and every
//! attempt kept as the webhook's history.

use super::webhooks::{WebhookRecord, find};
use crate::query::{count, delivery_pending, limit_of, tenant_is};
use crate::schema::{WebhookAttempts, WebhookDeliveries, Webhooks};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::{TenantId, WebhookId};
use marketplace_domain::notifications::next_delivery_attempt;
use marketplace_domain::pagination::OffsetPage;
use sea_query::{Cond, Expr, ExprTrait, LockBehavior, LockType, Order, Query};
use uuid::Uuid;

/// A delivery to make now, with where it goes.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub tenant_id: TenantId,
    pub id: String,
    pub webhook: WebhookRecord,
    pub body: String,
    pub attempts: u32,
    pub created_at: Timestamp,
}

/// How an attempt went.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    pub success: bool,
    /// 0 when no answer came.
    pub http_status_code: u16,
    pub message: String,
}

/// One attempt, as the webhook's history shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookAttempt {
    pub webhook_id: String,
    pub delivery_id: String,
    pub status: String,
    pub http_status_code: i64,
    pub message: String,
    pub created_at: Timestamp,
}

impl Store {
    /// Claims up to `limit` due deliveries, across tenants, for `lease_seconds`: another instance skips them until
    /// the lease ends, so a crashed instance's deliveries are retried after it.
    pub async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_seconds: i64,
        limit: u64,
    ) -> Result<Vec<Delivery>, StoreError> {
        let mut due = Query::select()
            .columns([
                WebhookDeliveries::TenantId,
                WebhookDeliveries::Id,
                WebhookDeliveries::WebhookId,
                WebhookDeliveries::Body,
                WebhookDeliveries::Attempts,
                WebhookDeliveries::CreatedAt,
            ])
            .from(WebhookDeliveries::Table)
            .and_where(delivery_pending())
            .and_where(Expr::col(WebhookDeliveries::NextAttemptAt).lte(now.millis()))
            .cond_where(
                Cond::any()
                    .add(Expr::col(WebhookDeliveries::LeaseUntil).is_null())
                    .add(Expr::col(WebhookDeliveries::LeaseUntil).lte(now.millis())),
            )
            .order_by(WebhookDeliveries::NextAttemptAt, Order::Asc)
            .limit(limit)
            .take();
        // Most runs find nothing: look first with a reader, so an idle job never takes SQLite's single writer.
        if self.backend.read().await?.query_opt(&due).await?.is_none() {
            return Ok(Vec::new());
        }
        let mut tx = self.backend.begin().await?;
        due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        let mut claimed = Vec::new();
        for row in tx.query(&due).await? {
            let tenant_id: TenantId = row.get(0)?;
            let id: String = row.get(1)?;
            let webhook_id: WebhookId = row.get(2)?;
            let lease = Query::update()
                .table(WebhookDeliveries::Table)
                .value(WebhookDeliveries::LeaseUntil, now.plus_seconds(lease_seconds).millis())
                .and_where(tenant_is(WebhookDeliveries::TenantId, tenant_id))
                .and_where(Expr::col(WebhookDeliveries::Id).eq(id.as_str()))
                .take();
            tx.execute(&lease).await?;
            let Some(webhook) = find(&mut tx, tenant_id, webhook_id).await? else {
                continue;
            };
            claimed.push(Delivery {
                tenant_id,
                id,
                webhook,
                body: row.get(3)?,
                attempts: u32::try_from(row.get::<i64>(4)?).unwrap_or(u32::MAX),
                created_at: Timestamp::from_millis(row.get(5)?),
            });
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// Records an attempt: a success ends the delivery; a failure schedules the next attempt, or, a day after the
    /// delivery was first due, fails it for good and suppresses its webhook.
    pub async fn record_attempt(
        &self,
        delivery: &Delivery,
        outcome: &AttemptOutcome,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let attempt = i64::from(delivery.attempts) + 1;
        let retry = match outcome.success {
            true => None,
            false => next_delivery_attempt(delivery.attempts + 1, delivery.created_at, now),
        };
        let status = match (outcome.success, retry) {
            (true, _) => "SUCCESS",
            (false, Some(_)) => "PENDING",
            (false, None) => "FAILED",
        };
        let mut tx = self.backend.begin().await?;
        let webhook_id = delivery.webhook.id.to_string();
        let update = Query::update()
            .table(WebhookDeliveries::Table)
            .values([
                (WebhookDeliveries::Status, status.into()),
                (WebhookDeliveries::Attempts, attempt.into()),
                (WebhookDeliveries::NextAttemptAt, retry.unwrap_or(now).millis().into()),
                (WebhookDeliveries::LeaseUntil, Option::<i64>::None.into()),
            ])
            .and_where(tenant_is(WebhookDeliveries::TenantId, delivery.tenant_id))
            .and_where(Expr::col(WebhookDeliveries::Id).eq(delivery.id.as_str()))
            .take();
        if tx.execute(&update).await? == 0 {
            // The webhook was deleted while the post was under way, and its deliveries with it.
            return Ok(());
        }
        insert_attempt(
            &mut tx,
            delivery.tenant_id,
            &webhook_id,
            &delivery.id,
            attempt,
            outcome,
            now,
        )
        .await?;
        if status == "FAILED" {
            let suppress = Query::update()
                .table(Webhooks::Table)
                .value(Webhooks::Suppressed, true)
                .and_where(tenant_is(Webhooks::TenantId, delivery.tenant_id))
                .and_where(Expr::col(Webhooks::Id).eq(webhook_id.as_str()))
                .take();
            tx.execute(&suppress).await?;
        }
        tx.commit().await
    }

    /// Records a test post to a webhook in its history.
    pub async fn record_test_attempt(
        &self,
        tenant_id: TenantId,
        webhook_id: WebhookId,
        outcome: &AttemptOutcome,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.begin().await?;
        let delivery = Uuid::now_v7().to_string();
        insert_attempt(&mut tx, tenant_id, &webhook_id.to_string(), &delivery, 1, outcome, now).await?;
        tx.commit().await
    }

    /// A page of a webhook's attempts, newest first, and how many there are.
    pub async fn webhook_history(
        &self,
        tenant_id: TenantId,
        webhook_id: WebhookId,
        page: OffsetPage,
    ) -> Result<(Vec<WebhookAttempt>, u64), StoreError> {
        let mut query = Query::select()
            .columns([
                WebhookAttempts::WebhookId,
                WebhookAttempts::DeliveryId,
                WebhookAttempts::Status,
                WebhookAttempts::HttpStatusCode,
                WebhookAttempts::Message,
                WebhookAttempts::CreatedAt,
            ])
            .from(WebhookAttempts::Table)
            .and_where(tenant_is(WebhookAttempts::TenantId, tenant_id))
            .and_where(Expr::col(WebhookAttempts::WebhookId).eq(webhook_id.to_string()))
            .take();
        let mut conn = self.backend.read().await?;
        let total = count(&mut conn, query.clone()).await?;
        let paged = query
            .order_by(WebhookAttempts::CreatedAt, Order::Desc)
            .order_by(WebhookAttempts::DeliveryId, Order::Desc)
            .order_by(WebhookAttempts::Attempt, Order::Desc)
            .limit(limit_of(page.limit))
            .offset(page.offset)
            .take();
        let attempts = conn
            .query(&paged)
            .await?
            .iter()
            .map(|row| {
                Ok(WebhookAttempt {
                    webhook_id: row.get(0)?,
                    delivery_id: row.get(1)?,
                    status: row.get(2)?,
                    http_status_code: row.get(3)?,
                    message: row.get(4)?,
                    created_at: Timestamp::from_millis(row.get(5)?),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok((attempts, total))
    }
}

async fn insert_attempt(
    conn: &mut crate::db::Conn,
    tenant_id: TenantId,
    webhook_id: &str,
    delivery_id: &str,
    attempt: i64,
    outcome: &AttemptOutcome,
    now: Timestamp,
) -> Result<(), StoreError> {
    let insert = Query::insert()
        .into_table(WebhookAttempts::Table)
        .columns([
            WebhookAttempts::TenantId,
            WebhookAttempts::WebhookId,
            WebhookAttempts::DeliveryId,
            WebhookAttempts::Attempt,
            WebhookAttempts::Status,
            WebhookAttempts::HttpStatusCode,
            WebhookAttempts::Message,
            WebhookAttempts::CreatedAt,
        ])
        .values_panic([
            tenant_id.to_string().into(),
            webhook_id.into(),
            delivery_id.into(),
            attempt.into(),
            (if outcome.success { "SUCCESS" } else { "FAILED" }).into(),
            i64::from(outcome.http_status_code).into(),
            outcome.message.as_str().into(),
            now.millis().into(),
        ])
        .take();
    conn.execute(&insert).await.map(drop)
}
