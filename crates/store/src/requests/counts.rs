//! How many requests there are per status and type — in the tenant, and for each target — changed in the
//! transaction of every change to a request, so that the total of a search with no other filter is a lookup
//! whatever the size of the table.

use super::RequestTarget;
use crate::StoreError;
use crate::db::Conn;
use crate::query::{one_of, tenant_is};
use crate::schema::AccessRequestCounts;
use marketplace_domain::access_request::{RequestStatus, RequestType};
use sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use uuid::Uuid;

/// The tenant as a whole.
pub(crate) const TENANT: &str = "";

impl RequestTarget {
    /// The counts kept for this target.
    pub(crate) fn count_scope(&self) -> String {
        match self {
            RequestTarget::Product(id) => format!("product:{id}"),
            RequestTarget::Asset(id) => format!("asset:{id}"),
        }
    }
}

/// Adds `delta` to the count of requests in `scope` with this status and type.
async fn adjust(
    conn: &mut Conn,
    tenant_id: Uuid,
    scope: &str,
    status: RequestStatus,
    request_type: RequestType,
    delta: i64,
) -> Result<(), StoreError> {
    let upsert = Query::insert()
        .into_table(AccessRequestCounts::Table)
        .columns([
            AccessRequestCounts::TenantId,
            AccessRequestCounts::Scope,
            AccessRequestCounts::Status,
            AccessRequestCounts::RequestType,
            AccessRequestCounts::Count,
        ])
        .values_panic([
            tenant_id.to_string().into(),
            scope.into(),
            status.as_str().into(),
            request_type.as_str().into(),
            delta.into(),
        ])
        .on_conflict(
            OnConflict::columns([
                AccessRequestCounts::TenantId,
                AccessRequestCounts::Scope,
                AccessRequestCounts::Status,
                AccessRequestCounts::RequestType,
            ])
            .value(
                AccessRequestCounts::Count,
                Expr::col((AccessRequestCounts::Table, AccessRequestCounts::Count))
                    .add(Expr::col((Alias::new("excluded"), AccessRequestCounts::Count))),
            )
            .to_owned(),
        )
        .to_owned();
    conn.execute(&upsert).await.map(drop)
}

/// Counts a new request, in the tenant and for its target.
pub(crate) async fn created(
    conn: &mut Conn,
    tenant_id: Uuid,
    target: &RequestTarget,
    request_type: RequestType,
    status: RequestStatus,
) -> Result<(), StoreError> {
    for scope in [TENANT.to_owned(), target.count_scope()] {
        adjust(conn, tenant_id, &scope, status, request_type, 1).await?;
    }
    Ok(())
}

/// Moves one request from one status to another. The counter rows are changed in (scope, status) order, so that
/// transactions moving requests in opposite directions take their row locks alike.
pub(crate) async fn moved(
    conn: &mut Conn,
    tenant_id: Uuid,
    target: Option<&RequestTarget>,
    request_type: RequestType,
    from: RequestStatus,
    to: RequestStatus,
) -> Result<(), StoreError> {
    if from == to {
        return Ok(());
    }
    let scopes = std::iter::once(TENANT.to_owned()).chain(target.map(RequestTarget::count_scope));
    let mut changes: Vec<(String, RequestStatus, i64)> = scopes
        .flat_map(|scope| [(scope.clone(), from, -1), (scope, to, 1)])
        .collect();
    changes.sort_by(|a, b| (a.0.as_str(), a.1.as_str()).cmp(&(b.0.as_str(), b.1.as_str())));
    for (scope, status, delta) in changes {
        adjust(conn, tenant_id, &scope, status, request_type, delta).await?;
    }
    Ok(())
}

/// How many requests in `scope` have one of the statuses and one of the types; empty lists mean any.
pub(crate) async fn total(
    conn: &mut Conn,
    tenant_id: Uuid,
    scope: &str,
    statuses: &[String],
    types: &[RequestType],
) -> Result<u64, StoreError> {
    let mut query = Query::select()
        // PostgreSQL sums BIGINTs as NUMERIC: cast back.
        .expr(Expr::cust("CAST(COALESCE(SUM(count), 0) AS BIGINT)"))
        .from(AccessRequestCounts::Table)
        .and_where(tenant_is(AccessRequestCounts::TenantId, tenant_id))
        .and_where(Expr::col(AccessRequestCounts::Scope).eq(scope))
        .to_owned();
    if !statuses.is_empty() {
        query.and_where(one_of(AccessRequestCounts::Status, statuses.iter().cloned()));
    }
    if !types.is_empty() {
        query.and_where(one_of(
            AccessRequestCounts::RequestType,
            types.iter().map(|t| t.as_str()),
        ));
    }
    let sum: i64 = match conn.query_opt(&query).await? {
        Some(row) => row.get(0)?,
        None => 0,
    };
    Ok(u64::try_from(sum).unwrap_or(0))
}

/// How many requests each product has per status, of any type.
pub(crate) async fn per_product_status(
    conn: &mut Conn,
    tenant_id: Uuid,
    product_ids: &[String],
) -> Result<Vec<(String, String, u64)>, StoreError> {
    let scopes = product_ids
        .iter()
        .map(|id| RequestTarget::Product(id.clone()).count_scope());
    let query = Query::select()
        .columns([AccessRequestCounts::Scope, AccessRequestCounts::Status])
        .expr(Expr::cust("CAST(SUM(count) AS BIGINT)"))
        .from(AccessRequestCounts::Table)
        .and_where(tenant_is(AccessRequestCounts::TenantId, tenant_id))
        .and_where(one_of(AccessRequestCounts::Scope, scopes))
        .group_by_columns([AccessRequestCounts::Scope, AccessRequestCounts::Status])
        .to_owned();
    let mut counts = Vec::new();
    for row in conn.query(&query).await? {
        let (scope, status, count): (String, String, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
        if let Some(product) = scope.strip_prefix("product:") {
            counts.push((product.to_owned(), status, u64::try_from(count).unwrap_or(0)));
        }
    }
    Ok(counts)
}
