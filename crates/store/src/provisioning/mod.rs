//! Provisioning's records: each connection's cycle status and lease, the approved access cycles derive what should
//! exist from, and what each cycle did (`record`).

mod access;
mod changes;
mod privileges;
mod record;

pub use changes::ChangeRecord;
pub use record::{CycleRecord, GrantRecord};

use crate::query::tenant_is;
use crate::schema::{Connections, DataSources, ProvisioningChanges, ProvisioningStatus, Tenants};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::TenantId;
use sea_query::{Cond, Expr, ExprTrait, OnConflict, Order, Query};
use std::collections::BTreeSet;

/// Where a connection's provisioning stands, as its last cycle left it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionStatus {
    pub connection_name: String,
    /// `None` until a cycle has run.
    pub last_cycle_at: Option<Timestamp>,
    pub reachable: Option<bool>,
    /// Why the last cycle could not do its work, if it could not.
    pub last_error: Option<String>,
    pub due_at: Option<Timestamp>,
    pub applied: i64,
    pub pending: i64,
    pub failed: i64,
    /// Drift revoked and grants put back in the day before the status was read.
    pub drift_repaired: i64,
}

impl Store {
    /// The tenants that have connections: those provisioning cycles run for.
    pub async fn provisioned_tenants(&self) -> Result<Vec<(TenantId, String)>, StoreError> {
        let query = Query::select()
            .distinct()
            .columns([(Tenants::Table, Tenants::Id), (Tenants::Table, Tenants::ShortKey)])
            .from(Connections::Table)
            .inner_join(
                Tenants::Table,
                Expr::col((Tenants::Table, Tenants::Id)).equals((Connections::Table, Connections::TenantId)),
            )
            .order_by((Tenants::Table, Tenants::ShortKey), Order::Asc)
            .take();
        let rows = self.backend.read().await?.query(&query).await?;
        rows.iter().map(|row| Ok((row.get(0)?, row.get(1)?))).collect()
    }

    /// The status of each of the tenant's connections that has had a cycle or asked for one.
    pub async fn provisioning_status(
        &self,
        tenant_id: TenantId,
        now: Timestamp,
    ) -> Result<Vec<ConnectionStatus>, StoreError> {
        let query = Query::select()
            .columns([
                ProvisioningStatus::ConnectionName,
                ProvisioningStatus::LastCycleAt,
                ProvisioningStatus::Reachable,
                ProvisioningStatus::LastError,
                ProvisioningStatus::DueAt,
                ProvisioningStatus::Applied,
                ProvisioningStatus::Pending,
                ProvisioningStatus::Failed,
            ])
            .from(ProvisioningStatus::Table)
            .and_where(tenant_is(ProvisioningStatus::TenantId, tenant_id))
            .order_by(ProvisioningStatus::ConnectionName, Order::Asc)
            .take();
        let mut conn = self.backend.read().await?;
        let mut statuses = Vec::new();
        for row in conn.query(&query).await? {
            let connection_name: String = row.get(0)?;
            let repaired = Query::select()
                .expr(Expr::col(ProvisioningChanges::Id).count())
                .from(ProvisioningChanges::Table)
                .and_where(tenant_is(ProvisioningChanges::TenantId, tenant_id))
                .and_where(Expr::col(ProvisioningChanges::ConnectionName).eq(connection_name.as_str()))
                .and_where(Expr::col(ProvisioningChanges::CreatedAt).gte(now.plus_seconds(-24 * 3600).millis()))
                .and_where(Expr::col(ProvisioningChanges::State).eq("APPLIED"))
                .and_where(Expr::col(ProvisioningChanges::Reason).is_in(["DRIFT", "REPAIR"]))
                .take();
            let drift_repaired = match conn.query_opt(&repaired).await? {
                Some(count) => count.get(0)?,
                None => 0,
            };
            statuses.push(ConnectionStatus {
                connection_name,
                last_cycle_at: row.get::<Option<i64>>(1)?.map(Timestamp::from_millis),
                reachable: row.get(2)?,
                last_error: row.get(3)?,
                due_at: row.get::<Option<i64>>(4)?.map(Timestamp::from_millis),
                applied: row.get(5)?,
                pending: row.get(6)?,
                failed: row.get(7)?,
                drift_repaired,
            });
        }
        Ok(statuses)
    }

    /// Asks for a cycle of each of the tenant's connections: an access change happened at `now`. A cycle that
    /// started before `now` does not count (it clears only what was asked before it started).
    pub async fn mark_provisioning_due(&self, tenant_id: TenantId, now: Timestamp) -> Result<(), StoreError> {
        let waiting = Query::select()
            .column(ProvisioningStatus::ConnectionName)
            .from(ProvisioningStatus::Table)
            .and_where(tenant_is(ProvisioningStatus::TenantId, tenant_id))
            .limit(1)
            .take();
        // Most tenants provision nothing: look first with a reader, so they never take SQLite's single writer.
        if self.backend.read().await?.query_opt(&waiting).await?.is_none() {
            return Ok(());
        }
        let mark = Query::update()
            .table(ProvisioningStatus::Table)
            .value(ProvisioningStatus::DueAt, now.millis())
            .and_where(tenant_is(ProvisioningStatus::TenantId, tenant_id))
            .take();
        let mut tx = self.backend.begin().await?;
        tx.execute(&mark).await?;
        tx.commit().await
    }

    /// Takes the connection's lease for `owner` until `until`, unless someone holds one that has not run out;
    /// says whether it did. One cycle at a time runs on a connection.
    pub async fn take_provisioning_lease(
        &self,
        tenant_id: TenantId,
        connection: &str,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.backend.begin().await?;
        let create = Query::insert()
            .into_table(ProvisioningStatus::Table)
            .columns([
                ProvisioningStatus::TenantId,
                ProvisioningStatus::ConnectionName,
                ProvisioningStatus::Applied,
                ProvisioningStatus::Pending,
                ProvisioningStatus::Failed,
            ])
            .values_panic([
                tenant_id.to_string().into(),
                connection.into(),
                0i64.into(),
                0i64.into(),
                0i64.into(),
            ])
            .on_conflict(
                OnConflict::columns([ProvisioningStatus::TenantId, ProvisioningStatus::ConnectionName])
                    .do_nothing()
                    .to_owned(),
            )
            .take();
        tx.execute(&create).await?;
        let take = Query::update()
            .table(ProvisioningStatus::Table)
            .value(ProvisioningStatus::LeaseOwner, owner)
            .value(ProvisioningStatus::LeaseUntil, until.millis())
            .and_where(tenant_is(ProvisioningStatus::TenantId, tenant_id))
            .and_where(Expr::col(ProvisioningStatus::ConnectionName).eq(connection))
            .cond_where(
                Cond::any()
                    .add(Expr::col(ProvisioningStatus::LeaseUntil).is_null())
                    .add(Expr::col(ProvisioningStatus::LeaseUntil).lt(now.millis())),
            )
            .take();
        let taken = tx.execute(&take).await? == 1;
        tx.commit().await?;
        Ok(taken)
    }

    /// Extends `owner`'s lease to `until`; false if the lease is someone else's now.
    pub async fn renew_provisioning_lease(
        &self,
        tenant_id: TenantId,
        connection: &str,
        owner: &str,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let renew = Query::update()
            .table(ProvisioningStatus::Table)
            .value(ProvisioningStatus::LeaseUntil, until.millis())
            .and_where(tenant_is(ProvisioningStatus::TenantId, tenant_id))
            .and_where(Expr::col(ProvisioningStatus::ConnectionName).eq(connection))
            .and_where(Expr::col(ProvisioningStatus::LeaseOwner).eq(owner))
            .take();
        let mut tx = self.backend.begin().await?;
        let renewed = tx.execute(&renew).await? == 1;
        tx.commit().await?;
        Ok(renewed)
    }

    /// Gives the lease back without recording a cycle (a dry run, or a cycle that could not start).
    pub async fn release_provisioning_lease(
        &self,
        tenant_id: TenantId,
        connection: &str,
        owner: &str,
    ) -> Result<(), StoreError> {
        let release = Query::update()
            .table(ProvisioningStatus::Table)
            .value(ProvisioningStatus::LeaseOwner, Option::<String>::None)
            .value(ProvisioningStatus::LeaseUntil, Option::<i64>::None)
            .and_where(tenant_is(ProvisioningStatus::TenantId, tenant_id))
            .and_where(Expr::col(ProvisioningStatus::ConnectionName).eq(connection))
            .and_where(Expr::col(ProvisioningStatus::LeaseOwner).eq(owner))
            .take();
        let mut tx = self.backend.begin().await?;
        tx.execute(&release).await?;
        tx.commit().await
    }
}

impl Store {
    /// The names of the tenant's connections.
    pub async fn connection_names(&self, tenant_id: TenantId) -> Result<Vec<String>, StoreError> {
        let query = Query::select()
            .column(Connections::Name)
            .from(Connections::Table)
            .and_where(tenant_is(Connections::TenantId, tenant_id))
            .order_by(Connections::Name, Order::Asc)
            .take();
        let rows = self.backend.read().await?.query(&query).await?;
        rows.iter().map(|row| row.get(0)).collect()
    }

    /// The data sources of the tenant that are provisioned through a connection.
    pub async fn provisioned_sources(&self, tenant_id: TenantId) -> Result<BTreeSet<i64>, StoreError> {
        let query = Query::select()
            .column(DataSources::Id)
            .from(DataSources::Table)
            .and_where(tenant_is(DataSources::TenantId, tenant_id))
            .and_where(Expr::col(DataSources::ConnectionName).is_not_null())
            .take();
        let rows = self.backend.read().await?.query(&query).await?;
        rows.iter().map(|row| row.get(0)).collect()
    }
}
