//! What cycles did: the ledger of the provisioner's own grants, each request's grants, and every change, written
//! ahead of the platform (PENDING) and settled after it, all of a cycle's outcome in one transaction.

use crate::db::{Conn, Row};
use crate::notifications::enqueue_webhook_event;
use crate::query::tenant_is;
use crate::schema::{ProvisioningChanges, ProvisioningGrants, ProvisioningLedger, ProvisioningStatus};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::{RequestId, TenantId};
use marketplace_domain::provisioning::{Action, Change, GrantKey, GrantState, Privilege, Reason, Target};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query, SimpleExpr};
use std::collections::{BTreeMap, BTreeSet};

/// One change, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRecord {
    pub id: String,
    pub change: Change,
    pub statement: String,
    /// The requests that explain it (for a grant) or explained it (for a revocation of ours).
    pub request_ids: Vec<RequestId>,
    /// PENDING, APPLIED, FAILED (retried under this record), REPORTED (drift only recorded), DROPPED (no longer
    /// needed before it could be applied).
    pub state: String,
    pub error: Option<String>,
    pub attempts: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

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

const PRIVILEGE_COLUMNS: usize = 5;

fn privilege_values(privilege: &Privilege) -> [Expr; PRIVILEGE_COLUMNS] {
    let (kind, schema, table, column) = match &privilege.target {
        Target::Schema { schema } => ("SCHEMA", schema.as_str(), "", ""),
        Target::Table { schema, table } => ("TABLE", schema.as_str(), table.as_str(), ""),
        Target::Column { schema, table, column } => ("COLUMN", schema.as_str(), table.as_str(), column.as_str()),
    };
    [privilege.role.as_str(), kind, schema, table, column].map(Expr::val)
}

/// The privilege in `row` from column `at` on (role, kind, schema, table, column).
fn privilege_at(row: &Row, at: usize) -> Result<Privilege, StoreError> {
    let kind: String = row.get(at + 1)?;
    let (schema, table, column): (String, String, String) = (row.get(at + 2)?, row.get(at + 3)?, row.get(at + 4)?);
    let target = match kind.as_str() {
        "SCHEMA" => Target::Schema { schema },
        "TABLE" => Target::Table { schema, table },
        _ => Target::Column { schema, table, column },
    };
    Ok(Privilege {
        role: row.get(at)?,
        target,
    })
}

/// `column = privilege's value` for each of a table's five privilege columns.
fn privilege_is<C: sea_query::IntoColumnRef + Copy>(
    columns: [C; PRIVILEGE_COLUMNS],
    privilege: &Privilege,
) -> SimpleExpr {
    let values = privilege_values(privilege);
    let mut matches = columns
        .iter()
        .zip(values)
        .map(|(column, value)| Expr::col(*column).eq(value));
    let first = matches.next().expect("five columns");
    matches.fold(first, |all, one| all.and(one))
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
const CHANGE_PRIVILEGE: [ProvisioningChanges; PRIVILEGE_COLUMNS] = [
    ProvisioningChanges::RoleName,
    ProvisioningChanges::Kind,
    ProvisioningChanges::SchemaName,
    ProvisioningChanges::TableName,
    ProvisioningChanges::ColumnName,
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
        .to_owned();
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
        .to_owned();
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
            .to_owned();
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

    /// The changes of a connection not settled yet: written before a cycle that did not finish, or failed.
    pub async fn open_provisioning_changes(
        &self,
        tenant_id: TenantId,
        connection: &str,
    ) -> Result<Vec<ChangeRecord>, StoreError> {
        let query = changes_select(tenant_id, connection)
            .and_where(Expr::col(ProvisioningChanges::State).is_in(["PENDING", "FAILED"]))
            .to_owned();
        let rows = self.backend.read().await?.query(&query).await?;
        rows.iter().map(decode_change).collect()
    }

    /// The latest changes of a connection, newest first.
    pub async fn provisioning_changes(
        &self,
        tenant_id: TenantId,
        connection: &str,
        limit: u64,
    ) -> Result<Vec<ChangeRecord>, StoreError> {
        let query = changes_select(tenant_id, connection)
            .order_by(ProvisioningChanges::CreatedAt, Order::Desc)
            .order_by(ProvisioningChanges::Id, Order::Desc)
            .limit(limit)
            .to_owned();
        let rows = self.backend.read().await?.query(&query).await?;
        rows.iter().map(decode_change).collect()
    }

    /// Writes changes as they stand (before the platform is touched: PENDING).
    pub async fn save_provisioning_changes(
        &self,
        tenant_id: TenantId,
        connection: &str,
        changes: &[ChangeRecord],
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.begin().await?;
        for change in changes {
            upsert_change(&mut tx, tenant_id, connection, change).await?;
        }
        tx.commit().await
    }

    /// Records a finished cycle: its changes, the ledger, each request's grants (only those that moved), the
    /// webhook events, and the connection's status; gives the lease back. One transaction.
    pub async fn finish_provisioning_cycle(&self, cycle: &CycleRecord) -> Result<(), StoreError> {
        let (tenant_id, connection) = (cycle.tenant_id, cycle.connection_name.as_str());
        let mut tx = self.backend.begin().await?;
        for change in &cycle.changes {
            upsert_change(&mut tx, tenant_id, connection, change).await?;
        }
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
                    .to_owned();
                tx.execute(&delete).await?;
            }
            for new in after.difference(before) {
                let [role, kind, schema, table, column] = privilege_values(new);
                let insert = Query::insert()
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
                    .values_panic([
                        tenant_id.to_string().into(),
                        connection.into(),
                        entry.into(),
                        role,
                        kind,
                        schema,
                        table,
                        column,
                    ])
                    .to_owned();
                tx.execute(&insert).await?;
            }
        }
        let before = grants(&mut tx, tenant_id, connection).await?;
        for ((request_id, privilege), state) in &cycle.grants {
            if before.get(&(request_id.clone(), privilege.clone())) == Some(state) {
                continue;
            }
            let (state, error) = encode_state(state);
            let [role, kind, schema, table, column] = privilege_values(privilege);
            let upsert = Query::insert()
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
                .values_panic([
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
                ])
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
                .to_owned();
            tx.execute(&upsert).await?;
        }
        for (event_id, body) in &cycle.events {
            enqueue_webhook_event(&mut tx, tenant_id, event_id, body, cycle.finished_at).await?;
        }
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
            .to_owned();
        tx.execute(&status).await?;
        // An access change during the cycle asks for another; one before it was seen by this one.
        let seen = Query::update()
            .table(ProvisioningStatus::Table)
            .value(ProvisioningStatus::DueAt, Option::<i64>::None)
            .and_where(tenant_is(ProvisioningStatus::TenantId, tenant_id))
            .and_where(Expr::col(ProvisioningStatus::ConnectionName).eq(connection))
            .and_where(Expr::col(ProvisioningStatus::DueAt).lt(cycle.started_at.millis()))
            .to_owned();
        tx.execute(&seen).await?;
        tx.commit().await
    }
}

fn changes_select(tenant_id: TenantId, connection: &str) -> sea_query::SelectStatement {
    Query::select()
        .columns([
            ProvisioningChanges::Id,
            ProvisioningChanges::Action,
            ProvisioningChanges::Reason,
            ProvisioningChanges::Statement,
            ProvisioningChanges::RequestIds,
            ProvisioningChanges::State,
            ProvisioningChanges::Error,
            ProvisioningChanges::Attempts,
            ProvisioningChanges::CreatedAt,
            ProvisioningChanges::UpdatedAt,
        ])
        .columns(CHANGE_PRIVILEGE)
        .from(ProvisioningChanges::Table)
        .and_where(tenant_is(ProvisioningChanges::TenantId, tenant_id))
        .and_where(Expr::col(ProvisioningChanges::ConnectionName).eq(connection))
        .to_owned()
}

fn decode_change(row: &Row) -> Result<ChangeRecord, StoreError> {
    let (action, reason, request_ids): (String, String, String) = (row.get(1)?, row.get(2)?, row.get(4)?);
    let reason = [
        Reason::Approved,
        Reason::NoLongerApproved,
        Reason::Drift,
        Reason::Repair,
    ]
    .into_iter()
    .find(|known| known.as_str() == reason)
    .unwrap_or(Reason::Drift);
    Ok(ChangeRecord {
        id: row.get(0)?,
        change: Change {
            action: match action.as_str() {
                "GRANT" => Action::Grant,
                _ => Action::Revoke,
            },
            privilege: privilege_at(row, 10)?,
            reason,
        },
        statement: row.get(3)?,
        request_ids: serde_json::from_str(&request_ids).map_err(|error| StoreError::Decode {
            index: 4,
            detail: error.to_string(),
        })?,
        state: row.get(5)?,
        error: row.get(6)?,
        attempts: row.get(7)?,
        created_at: Timestamp::from_millis(row.get(8)?),
        updated_at: Timestamp::from_millis(row.get(9)?),
    })
}

async fn upsert_change(
    conn: &mut Conn,
    tenant_id: TenantId,
    connection: &str,
    record: &ChangeRecord,
) -> Result<(), StoreError> {
    let [role, kind, schema, table, column] = privilege_values(&record.change.privilege);
    let action = match record.change.action {
        Action::Grant => "GRANT",
        Action::Revoke => "REVOKE",
    };
    let request_ids = serde_json::to_string(&record.request_ids).unwrap_or_else(|_| "[]".to_owned());
    let upsert = Query::insert()
        .into_table(ProvisioningChanges::Table)
        .columns(
            [
                ProvisioningChanges::TenantId,
                ProvisioningChanges::Id,
                ProvisioningChanges::ConnectionName,
            ]
            .into_iter()
            .chain(CHANGE_PRIVILEGE)
            .chain([
                ProvisioningChanges::Action,
                ProvisioningChanges::Reason,
                ProvisioningChanges::Statement,
                ProvisioningChanges::RequestIds,
                ProvisioningChanges::State,
                ProvisioningChanges::Error,
                ProvisioningChanges::Attempts,
                ProvisioningChanges::CreatedAt,
                ProvisioningChanges::UpdatedAt,
            ]),
        )
        .values_panic([
            tenant_id.to_string().into(),
            record.id.as_str().into(),
            connection.into(),
            role,
            kind,
            schema,
            table,
            column,
            action.into(),
            record.change.reason.as_str().into(),
            record.statement.as_str().into(),
            request_ids.into(),
            record.state.as_str().into(),
            record.error.clone().into(),
            record.attempts.into(),
            record.created_at.millis().into(),
            record.updated_at.millis().into(),
        ])
        .on_conflict(
            OnConflict::columns([ProvisioningChanges::TenantId, ProvisioningChanges::Id])
                .update_columns([
                    ProvisioningChanges::Statement,
                    ProvisioningChanges::RequestIds,
                    ProvisioningChanges::State,
                    ProvisioningChanges::Error,
                    ProvisioningChanges::Attempts,
                    ProvisioningChanges::UpdatedAt,
                ])
                .to_owned(),
        )
        .to_owned();
    conn.execute(&upsert).await?;
    Ok(())
}
