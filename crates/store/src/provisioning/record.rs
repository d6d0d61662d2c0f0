//! What cycles leave: the ledger of the provisioner's own grants, each request's grants, and a finished cycle's
//! outcome written in one transaction.

use super::changes::{ChangeRecord, upsert_changes};
use super::privileges::{PRIVILEGE_COLUMNS, privilege_at, privilege_is, privilege_values};
use crate::db::Conn;
use crate::notifications::enqueue_webhook_event;
use crate::query::tenant_is;
use crate::schema::{ProvisioningGrants, ProvisioningLedger, ProvisioningStatus};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::{RequestId, TenantId};
use marketplace_domain::provisioning::{GrantKey, GrantState, Privilege};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use std::collections::{BTreeMap, BTreeSet};

/// Grant and ledger rows written by one statement (at most 11 values each, within SQLite's 32,766 bound
/// parameters).
const GRANTS_PER_STATEMENT: usize = 1000;

/// One privilege of one request, where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    pub connection_name: String,
    pub privilege: Privilege,
    pub state: GrantState,
    pub updated_at: Timestamp,
}

/// Everything a cycle ends with, written in one transaction.
#[derive(Debug, Clone)]
pub struct CycleRecord {
    pub tenant_id: TenantId,
    pub connection_name: String,
    /// The lease owner, who gives the lease back.
    pub owner: String,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    /// This cycle's changes, in their final states.
    pub changes: Vec<ChangeRecord>,
    /// The provisioner's own grants now held, and the drift reported and still there.
    pub granted: BTreeSet<Privilege>,
    pub reported: BTreeSet<Privilege>,
    pub grants: BTreeMap<GrantKey, GrantState>,
    pub reachable: bool,
    pub error: Option<String>,
    pub counts: [i64; 3],
    /// CloudEvents for the tenant's webhooks: (event id, document).
    pub events: Vec<(String, String)>,
}

const LEDGER_PRIVILEGE: [ProvisioningLedger; PRIVILEGE_COLUMNS] = [
    ProvisioningLedger::RoleName,
    ProvisioningLedger::Kind,
    ProvisioningLedger::SchemaName,
    ProvisioningLedger::TableName,
    ProvisioningLedger::ColumnName,
];
const GRANT_PRIVILEGE: [ProvisioningGrants; PRIVILEGE_COLUMNS] = [
    ProvisioningGrants::RoleName,
    ProvisioningGrants::Kind,
    ProvisioningGrants::SchemaName,
    ProvisioningGrants::TableName,
    ProvisioningGrants::ColumnName,
];

fn encode_state(state: &GrantState) -> (&'static str, Option<&str>) {
    match state {
        GrantState::Failed(error) => (state.as_str(), Some(error)),
        other => (other.as_str(), None),
    }
}

fn decode_state(state: &str, error: Option<String>) -> GrantState {
    match state {
        "APPLIED" => GrantState::Applied,
        "FAILED" => GrantState::Failed(error.unwrap_or_default()),
        "REVOKED" => GrantState::Revoked,
        _ => GrantState::Pending,
    }
}

async fn ledger(
    conn: &mut Conn,
    tenant_id: TenantId,
    connection: &str,
) -> Result<[BTreeSet<Privilege>; 2], StoreError> {
    let query = Query::select()
        .column(ProvisioningLedger::Entry)
        .columns(LEDGER_PRIVILEGE)
        .from(ProvisioningLedger::Table)
        .and_where(tenant_is(ProvisioningLedger::TenantId, tenant_id))
        .and_where(Expr::col(ProvisioningLedger::ConnectionName).eq(connection))
        .take();
    let mut entries = [BTreeSet::new(), BTreeSet::new()];
    for row in conn.query(&query).await? {
        let entry: String = row.get(0)?;
        entries[usize::from(entry == "REPORTED")].insert(privilege_at(&row, 1)?);
    }
    Ok(entries)
}

async fn grants(
    conn: &mut Conn,
    tenant_id: TenantId,
    connection: &str,
) -> Result<BTreeMap<GrantKey, GrantState>, StoreError> {
    let query = Query::select()
        .columns([
            ProvisioningGrants::RequestId,
            ProvisioningGrants::State,
            ProvisioningGrants::Error,
        ])
        .columns(GRANT_PRIVILEGE)
        .from(ProvisioningGrants::Table)
        .and_where(tenant_is(ProvisioningGrants::TenantId, tenant_id))
        .and_where(Expr::col(ProvisioningGrants::ConnectionName).eq(connection))
        .take();
    let mut states = BTreeMap::new();
    for row in conn.query(&query).await? {
        let state: String = row.get(1)?;
        states.insert((row.get(0)?, privilege_at(&row, 3)?), decode_state(&state, row.get(2)?));
    }
    Ok(states)
}

impl Store {
    /// The provisioner's own grants on a connection, and the drift it reported there.
    pub async fn provisioning_ledger(
        &self,
        tenant_id: TenantId,
        connection: &str,
    ) -> Result<(BTreeSet<Privilege>, BTreeSet<Privilege>), StoreError> {
        let [granted, reported] = ledger(&mut self.backend.read().await?, tenant_id, connection).await?;
        Ok((granted, reported))
    }

    /// Each request's privileges on a connection, as the last cycle left them.
    pub async fn provisioning_grants(
        &self,
        tenant_id: TenantId,
        connection: &str,
    ) -> Result<BTreeMap<GrantKey, GrantState>, StoreError> {
        grants(&mut self.backend.read().await?, tenant_id, connection).await
    }

    /// A request's privileges on every connection.
    pub async fn request_provisioning(
        &self,
        tenant_id: TenantId,
        request_id: &RequestId,
    ) -> Result<Vec<GrantRecord>, StoreError> {
        let query = Query::select()
            .columns([
                ProvisioningGrants::ConnectionName,
                ProvisioningGrants::State,
                ProvisioningGrants::Error,
                ProvisioningGrants::UpdatedAt,
            ])
            .columns(GRANT_PRIVILEGE)
            .from(ProvisioningGrants::Table)
            .and_where(tenant_is(ProvisioningGrants::TenantId, tenant_id))
            .and_where(Expr::col(ProvisioningGrants::RequestId).eq(request_id.as_str()))
            .order_by(ProvisioningGrants::ConnectionName, Order::Asc)
            .take();
        let rows = self.backend.read().await?.query(&query).await?;
        let mut records: Vec<GrantRecord> = rows
            .iter()
            .map(|row| {
                let state: String = row.get(1)?;
                Ok(GrantRecord {
                    connection_name: row.get(0)?,
                    state: decode_state(&state, row.get(2)?),
                    updated_at: Timestamp::from_millis(row.get(3)?),
                    privilege: privilege_at(row, 4)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        records.sort_by(|a, b| (&a.connection_name, &a.privilege).cmp(&(&b.connection_name, &b.privilege)));
        Ok(records)
    }

    /// Records a finished cycle: the connection's status, its changes, the ledger, each request's grants (only
    /// those that moved) and the webhook events; gives the lease back. One transaction. False, and nothing
    /// recorded, if the lease is no longer the cycle's.
    pub async fn finish_provisioning_cycle(&self, cycle: &CycleRecord) -> Result<bool, StoreError> {
        let (tenant_id, connection) = (cycle.tenant_id, cycle.connection_name.as_str());
        let mut tx = self.backend.begin().await?;
        let [applied, pending, failed] = cycle.counts;
        let status = Query::update()
            .table(ProvisioningStatus::Table)
            .values([
                (ProvisioningStatus::LastCycleAt, cycle.finished_at.millis().into()),
                (ProvisioningStatus::Reachable, cycle.reachable.into()),
                (ProvisioningStatus::LastError, cycle.error.clone().into()),
                (ProvisioningStatus::Applied, applied.into()),
                (ProvisioningStatus::Pending, pending.into()),
                (ProvisioningStatus::Failed, failed.into()),
                (ProvisioningStatus::LeaseOwner, Option::<String>::None.into()),
                (ProvisioningStatus::LeaseUntil, Option::<i64>::None.into()),
            ])
            .and_where(tenant_is(ProvisioningStatus::TenantId, tenant_id))
            .and_where(Expr::col(ProvisioningStatus::ConnectionName).eq(connection))
            .and_where(Expr::col(ProvisioningStatus::LeaseOwner).eq(cycle.owner.as_str()))
            .take();
        // First, and only while the lease is still this cycle's: a cycle that lost it (it ran past the lease and
        // another took the connection over) records nothing, so nothing is recorded twice.
        if tx.execute(&status).await? == 0 {
            return Ok(false);
        }
        upsert_changes(&mut tx, tenant_id, connection, &cycle.changes).await?;
        let [granted, reported] = ledger(&mut tx, tenant_id, connection).await?;
        for (entry, before, after) in [
            ("GRANTED", &granted, &cycle.granted),
            ("REPORTED", &reported, &cycle.reported),
        ] {
            for gone in before.difference(after) {
                let delete = Query::delete()
                    .from_table(ProvisioningLedger::Table)
                    .and_where(tenant_is(ProvisioningLedger::TenantId, tenant_id))
                    .and_where(Expr::col(ProvisioningLedger::ConnectionName).eq(connection))
                    .and_where(Expr::col(ProvisioningLedger::Entry).eq(entry))
                    .and_where(privilege_is(LEDGER_PRIVILEGE, gone))
                    .take();
                tx.execute(&delete).await?;
            }
            let added: Vec<&Privilege> = after.difference(before).collect();
            for batch in added.chunks(GRANTS_PER_STATEMENT) {
                let mut insert = Query::insert()
                    .into_table(ProvisioningLedger::Table)
                    .columns(
                        [
                            ProvisioningLedger::TenantId,
                            ProvisioningLedger::ConnectionName,
                            ProvisioningLedger::Entry,
                        ]
                        .into_iter()
                        .chain(LEDGER_PRIVILEGE),
                    )
                    .take();
                for new in batch {
                    let [role, kind, schema, table, column] = privilege_values(new);
                    let values = [tenant_id.to_string().into(), connection.into(), entry.into()];
                    insert.values_panic(values.into_iter().chain([role, kind, schema, table, column]));
                }
                tx.execute(&insert).await?;
            }
        }
        let before = grants(&mut tx, tenant_id, connection).await?;
        let moved: Vec<_> = (cycle.grants.iter())
            .filter(|((request_id, privilege), state)| {
                before.get(&(request_id.clone(), privilege.clone())) != Some(*state)
            })
            .collect();
        // Many rows to a statement: a first cycle may write a hundred thousand.
        for batch in moved.chunks(GRANTS_PER_STATEMENT) {
            let mut upsert = Query::insert()
                .into_table(ProvisioningGrants::Table)
                .columns(
                    [
                        ProvisioningGrants::TenantId,
                        ProvisioningGrants::ConnectionName,
                        ProvisioningGrants::RequestId,
                    ]
                    .into_iter()
                    .chain(GRANT_PRIVILEGE)
                    .chain([
                        ProvisioningGrants::State,
                        ProvisioningGrants::Error,
                        ProvisioningGrants::UpdatedAt,
                    ]),
                )
                .on_conflict(
                    OnConflict::columns(
                        [
                            ProvisioningGrants::TenantId,
                            ProvisioningGrants::ConnectionName,
                            ProvisioningGrants::RequestId,
                        ]
                        .into_iter()
                        .chain(GRANT_PRIVILEGE),
                    )
                    .update_columns([
                        ProvisioningGrants::State,
                        ProvisioningGrants::Error,
                        ProvisioningGrants::UpdatedAt,
                    ])
                    .to_owned(),
                )
                .take();
            for ((request_id, privilege), state) in batch {
                let (state, error) = encode_state(state);
                let [role, kind, schema, table, column] = privilege_values(privilege);
                upsert.values_panic([
                    tenant_id.to_string().into(),
                    connection.into(),
                    request_id.as_str().into(),
                    role,
                    kind,
                    schema,
                    table,
                    column,
                    state.into(),
                    error.into(),
                    cycle.finished_at.millis().into(),
                ]);
            }
            tx.execute(&upsert).await?;
        }
        for (event_id, body) in &cycle.events {
            enqueue_webhook_event(&mut tx, tenant_id, event_id, body, cycle.finished_at).await?;
        }
        // An access change during the cycle asks for another; one before it was seen by this one.
        let seen = Query::update()
            .table(ProvisioningStatus::Table)
            .value(ProvisioningStatus::DueAt, Option::<i64>::None)
            .and_where(tenant_is(ProvisioningStatus::TenantId, tenant_id))
            .and_where(Expr::col(ProvisioningStatus::ConnectionName).eq(connection))
            .and_where(Expr::col(ProvisioningStatus::DueAt).lt(cycle.started_at.millis()))
            .take();
        tx.execute(&seen).await?;
        tx.commit().await?;
        Ok(true)
    }
}
