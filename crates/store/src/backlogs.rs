//! How far the background jobs are behind: the oldest item each has yet to handle, across tenants, for metrics.
//! Each is the first entry of the job's own worklist index (webhook deliveries: `Store::webhook_backlog`).

use crate::schema::{AccessRequests, NotificationEvents, ProvisioningStatus};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::access_request::RequestStatus;
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
}

impl Store {
    pub async fn backlogs(&self, now: Timestamp) -> Result<Backlogs, StoreError> {
        let expiry = Query::select()
            .expr(Expr::col(AccessRequests::Expiration).min())
            .from(AccessRequests::Table)
            .and_where(Expr::col(AccessRequests::Status).eq(RequestStatus::Approved.as_str()))
            .and_where(Expr::col(AccessRequests::Expiration).is_not_null())
            .and_where(Expr::col(AccessRequests::Expiration).lte(now.millis()))
            .to_owned();
        let notification = Query::select()
            .expr(Expr::col(NotificationEvents::CreatedAt).min())
            .from(NotificationEvents::Table)
            .and_where(Expr::col(NotificationEvents::SentAt).is_null())
            .to_owned();
        let provisioning = Query::select()
            .expr(Expr::col(ProvisioningStatus::DueAt).min())
            .from(ProvisioningStatus::Table)
            .to_owned();
        let mut conn = self.backend.read().await?;
        let mut oldest = async |query: SelectStatement| -> Result<Option<Timestamp>, StoreError> {
            let row = conn.query_opt(&query).await?;
            Ok(row
                .map(|row| row.get::<Option<i64>>(0))
                .transpose()?
                .flatten()
                .map(Timestamp::from_millis))
        };
        Ok(Backlogs {
            expiry: oldest(expiry).await?,
            notification: oldest(notification).await?,
            provisioning: oldest(provisioning).await?,
        })
    }
}
