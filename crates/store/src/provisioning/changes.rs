//! Every change a cycle makes or reports, recorded once: written PENDING before the platform is touched, settled
//! after it (or by the next cycle, after a crash).

use super::privileges::{PRIVILEGE_COLUMNS, privilege_at, privilege_values};
use crate::db::{Conn, Row};
use crate::query::tenant_is;
use crate::schema::ProvisioningChanges;
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::{RequestId, TenantId};
use marketplace_domain::provisioning::{Action, Change, Reason};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};

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

const CHANGE_PRIVILEGE: [ProvisioningChanges; PRIVILEGE_COLUMNS] = [
    ProvisioningChanges::RoleName,
    ProvisioningChanges::Kind,
    ProvisioningChanges::SchemaName,
    ProvisioningChanges::TableName,
    ProvisioningChanges::ColumnName,
];

impl Store {
    /// The changes of a connection not settled yet: written before a cycle that did not finish, or failed.
    pub async fn open_provisioning_changes(
        &self,
        tenant_id: TenantId,
        connection: &str,
    ) -> Result<Vec<ChangeRecord>, StoreError> {
        let query = changes_select(tenant_id, connection)
            .and_where(Expr::col(ProvisioningChanges::State).is_in(["PENDING", "FAILED"]))
            .take();
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
            .take();
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
        upsert_changes(&mut tx, tenant_id, connection, changes).await?;
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
        .take()
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

/// Change records written by one statement (17 values each, within SQLite's 32,766 bound parameters).
const CHANGES_PER_STATEMENT: usize = 500;

/// Writes `records` as they stand, many to a statement: a first cycle may make a hundred thousand changes.
pub(super) async fn upsert_changes(
    conn: &mut Conn,
    tenant_id: TenantId,
    connection: &str,
    records: &[ChangeRecord],
) -> Result<(), StoreError> {
    for batch in records.chunks(CHANGES_PER_STATEMENT) {
        let mut upsert = Query::insert()
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
            .take();
        for record in batch {
            let [role, kind, schema, table, column] = privilege_values(&record.change.privilege);
            let action = match record.change.action {
                Action::Grant => "GRANT",
                Action::Revoke => "REVOKE",
            };
            let request_ids = serde_json::to_string(&record.request_ids).unwrap_or_else(|_| "[]".to_owned());
            upsert.values_panic([
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
            ]);
        }
        conn.execute(&upsert).await?;
    }
    Ok(())
}
