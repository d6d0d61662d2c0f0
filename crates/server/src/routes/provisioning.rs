//! Provisioning (our extension of Immuta's API, under its own tag): a request's grants in the data platforms,
//! each connection's status, and a cycle on demand.

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use axum::extract::State;
use marketplace_app::model::{ConnectionStatus, GrantRecord};
use marketplace_app::provisioning::CycleReport;
use marketplace_domain::Timestamp;
use marketplace_domain::ids::RequestId;
use marketplace_domain::provisioning::{GrantState, Target};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_provisioning))
        .routes(routes!(provisioning_status))
        .routes(routes!(reconcile))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestProvisioning {
    request_id: String,
    /// NOT_PROVISIONED when none of the request's data sources is provisioned through a connection
    #[schema(pattern = "^(NOT_PROVISIONED|PENDING|APPLIED|FAILED|REVOKED)$")]
    state: String,
    grants: Vec<Grant>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    connection: String,
    /// The role (the user's account on the connection)
    role: String,
    /// USAGE on a schema, SELECT on a table or on one column
    #[schema(pattern = "^(USAGE|SELECT)$")]
    privilege: String,
    schema: String,
    table: Option<String>,
    column: Option<String>,
    #[schema(pattern = "^(PENDING|APPLIED|FAILED|REVOKED)$")]
    state: String,
    /// The platform's error, when FAILED
    error: Option<String>,
    updated_at: Timestamp,
}

impl From<GrantRecord> for Grant {
    fn from(record: GrantRecord) -> Self {
        let (privilege, schema, table, column) = match record.privilege.target {
            Target::Schema { schema } => ("USAGE", schema, None, None),
            Target::Table { schema, table } => ("SELECT", schema, Some(table), None),
            Target::Column { schema, table, column } => ("SELECT", schema, Some(table), Some(column)),
        };
        let error = match &record.state {
            GrantState::Failed(error) => Some(error.clone()),
            _ => None,
        };
        Grant {
            connection: record.connection_name,
            role: record.privilege.role,
            privilege: privilege.into(),
            schema,
            table,
            column,
            state: record.state.as_str().into(),
            error,
            updated_at: record.updated_at,
        }
    }
}

/// A request's grants in the data platforms
#[utoipa::path(get, path = "/api/access-request/{id}/provisioning", operation_id = "getAccessRequestProvisioning",
    tag = "Provisioning", summary = "A request's grants in the data platforms and their state",
    security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = RequestProvisioning)))]
async fn request_provisioning(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<RequestProvisioning>, ApiError> {
    let found = state.app.request_provisioning(&caller, &RequestId(id)).await?;
    Ok(ApiJson(RequestProvisioning {
        request_id: found.request_id.0,
        state: found.state.into(),
        grants: found.grants.into_iter().map(Grant::from).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionProvisioning {
    connection: String,
    /// Whether the last cycle reached the platform; null before the first cycle
    reachable: Option<bool>,
    last_cycle_at: Option<Timestamp>,
    /// Why the last cycle could not do all its work
    last_error: Option<String>,
    /// Privileges that should exist and do
    applied: i64,
    /// Privileges that should exist and are not applied yet
    pending: i64,
    /// Privileges that should exist and could not be applied
    failed: i64,
    /// Hand-made grants revoked and vanished grants put back in the last 24 hours
    drift_repaired: i64,
}

impl From<ConnectionStatus> for ConnectionProvisioning {
    fn from(status: ConnectionStatus) -> Self {
        ConnectionProvisioning {
            connection: status.connection_name,
            reachable: status.reachable,
            last_cycle_at: status.last_cycle_at,
            last_error: status.last_error,
            applied: status.applied,
            pending: status.pending,
            failed: status.failed,
            drift_repaired: status.drift_repaired,
        }
    }
}

/// Each connection's provisioning status
#[utoipa::path(get, path = "/api/provisioning/status", operation_id = "getProvisioningStatus", tag = "Provisioning",
    summary = "Each connection's provisioning status (GOVERNANCE or APPLICATION_ADMIN)", security(("bearer" = [])),
    responses((status = 200, body = Vec<ConnectionProvisioning>)))]
async fn provisioning_status(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<Vec<ConnectionProvisioning>>, ApiError> {
    let statuses = state.app.provisioning_status(&caller).await?;
    Ok(ApiJson(
        statuses.into_iter().map(ConnectionProvisioning::from).collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Cycle {
    connection: String,
    /// False when another instance was running this connection's cycle
    ran: bool,
    reachable: bool,
    error: Option<String>,
    /// The statements applied, in order
    statements: Vec<String>,
    applied: i64,
    pending: i64,
    failed: i64,
}

impl From<CycleReport> for Cycle {
    fn from(report: CycleReport) -> Self {
        let [applied, pending, failed] = report.counts;
        Cycle {
            connection: report.connection,
            ran: report.ran,
            reachable: report.reachable,
            error: report.error,
            statements: report.statements,
            applied,
            pending,
            failed,
        }
    }
}

/// Run a provisioning cycle now
#[utoipa::path(post, path = "/api/provisioning/reconcile", operation_id = "reconcileProvisioning",
    tag = "Provisioning", summary = "Run a provisioning cycle of each connection now (GOVERNANCE or APPLICATION_ADMIN)",
    security(("bearer" = [])), responses((status = 200, body = Vec<Cycle>)))]
async fn reconcile(State(state): State<AppState>, caller: Caller) -> Result<ApiJson<Vec<Cycle>>, ApiError> {
    let reports = state.app.reconcile_now(&caller).await?;
    Ok(ApiJson(reports.into_iter().map(Cycle::from).collect()))
}
