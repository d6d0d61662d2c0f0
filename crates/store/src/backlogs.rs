//! How far the background jobs are behind: the oldest item each has yet to handle, across tenants, for metrics.
//! Each is read from the job's own worklist index.

use crate::db::Row;
use crate::query::{approved_with_end, delivery_pending};
use crate::schema::{AccessRequests, NotificationEvents, ProvisioningStatus, WebhookDeliveries};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use sea_query::{Expr, ExprTrait, Query, SelectStatement};

/// When the oldest item each job has yet to handle became due; `None` where nothing waits.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Backlogs {
    /// Approved access past its end, not yet expired.
    pub expiry: Option<Timestamp>,
    /// Notifications not yet sent.
    pub notification: Option<Timestamp>,
    /// Provisioning cycles asked for and not yet run.
    pub provisioning: Option<Timestamp>,
    /// Webhook deliveries not yet made, and how many there are.
    pub webhook_delivery: Option<Timestamp>,
    pub webhook_deliveries: u64,
}

impl Store {
    pub async fn backlogs(&self, now: Timestamp) -> Result<Backlogs, StoreError> {
        let expiry = Query::select()
            .expr(Expr::col(AccessRequests::Expiration).min())
            .from(AccessRequests::Table)
            .cond_where(approved_with_end())
            .and_where(Expr::col(AccessRequests::Expiration).lte(now.millis()))
            .take();
        let notification = Query::select()
            .expr(Expr::col(NotificationEvents::CreatedAt).min())
            .from(NotificationEvents::Table)
            .and_where(Expr::col(NotificationEvents::SentAt).is_null())
            .take();
        let provisioning = Query::select()
            .expr(Expr::col(ProvisioningStatus::DueAt).min())
            .from(ProvisioningStatus::Table)
            .take();
        let webhook = Query::select()
            .expr(Expr::col(WebhookDeliveries::CreatedAt).min())
            .expr(Expr::col(WebhookDeliveries::Id).count())
            .from(WebhookDeliveries::Table)
            .and_where(delivery_pending())
            .take();
        let mut conn = self.backend.read().await?;
        let mut first_row = async |query: SelectStatement| conn.query_opt(&query).await;
        let oldest = |row: Option<Row>| -> Result<Option<Timestamp>, StoreError> {
            Ok(row
                .map(|row| row.get::<Option<i64>>(0))
                .transpose()?
                .flatten()
                .map(Timestamp::from_millis))
        };
        let webhooks = first_row(webhook).await?;
        let webhook_deliveries = match &webhooks {
            Some(row) => row.get::<i64>(1)?.try_into().unwrap_or(0),
            None => 0,
        };
        Ok(Backlogs {
            expiry: oldest(first_row(expiry).await?)?,
            notification: oldest(first_row(notification).await?)?,
            provisioning: oldest(first_row(provisioning).await?)?,
            webhook_delivery: oldest(webhooks)?,
            webhook_deliveries,
        })
    }
}
