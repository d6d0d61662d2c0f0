//! Pieces of SQL that many queries share, written once for both databases.

use crate::StoreError;
use crate::db::Conn;
use crate::schema::{AccessRequests, WebhookDeliveries};
use marketplace_domain::access_request::{RequestStatus, RequestType};
use marketplace_domain::ids::TenantId;
use sea_query::{
    Alias, Cond, Expr, ExprTrait, Func, IntoColumnRef, IntoIden, LikeExpr, Query, SelectStatement, SimpleExpr,
};

/// `LOWER(column) LIKE '%needle%'`, with the needle's own wildcards escaped.
pub(crate) fn contains(column: impl IntoColumnRef, needle: &str) -> SimpleExpr {
    like(column, &format!("%{}%", escape_like(&needle.to_lowercase())))
}

pub(crate) fn starts_with(column: impl IntoColumnRef, prefix: &str) -> SimpleExpr {
    like(column, &format!("{}%", escape_like(&prefix.to_lowercase())))
}

fn like(column: impl IntoColumnRef, pattern: &str) -> SimpleExpr {
    SimpleExpr::from(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern).escape('\\'))
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// `column IN (values)`; an empty list matches nothing. (sea-query writes an empty `IN` as `? = ?` with
/// integer parameters, which PostgreSQL cannot type.)
pub(crate) fn one_of<V: Into<sea_query::Value>>(
    column: impl IntoColumnRef,
    values: impl IntoIterator<Item = V>,
) -> SimpleExpr {
    let values: Vec<sea_query::Value> = values.into_iter().map(Into::into).collect();
    if values.is_empty() {
        Expr::cust("1 = 0")
    } else {
        Expr::col(column).is_in(values)
    }
}

/// A value the code fixes (a status, a type), written into the statement rather than bound. A partial index
/// serves only a statement whose own text implies the index's condition: SQLite's connections never plan
/// with bound values (`db::sqlite`), and PostgreSQL's generic plans do not either.
pub(crate) fn fixed(value: &'static str) -> SimpleExpr {
    Expr::Constant(value.into())
}

/// Approved requests with an end: the condition of the expiry job's index, `access_requests_expiring`.
pub(crate) fn approved_with_end() -> Cond {
    Cond::all()
        .add(Expr::col(AccessRequests::Status).eq(fixed(RequestStatus::Approved.as_str())))
        .add(Expr::col(AccessRequests::Expiration).is_not_null())
}

/// Approved access to data products, of `table` (`access_requests` or an alias of it): the condition of the
/// index `access_requests_approved_access`.
pub(crate) fn approved_data_access(table: impl IntoIden + Clone) -> Cond {
    Cond::all()
        .add(Expr::col((table.clone(), AccessRequests::Status)).eq(fixed(RequestStatus::Approved.as_str())))
        .add(Expr::col((table, AccessRequests::RequestType)).eq(fixed(RequestType::DataAccess.as_str())))
}

/// Webhook deliveries not yet made: the condition of the delivery job's index, `webhook_deliveries_due`.
pub(crate) fn delivery_pending() -> SimpleExpr {
    Expr::col(WebhookDeliveries::Status).eq(fixed("PENDING"))
}

pub(crate) fn tenant_is<C: IntoColumnRef>(column: C, tenant_id: TenantId) -> SimpleExpr {
    Expr::col(column).eq(tenant_id.to_string())
}

/// SQL needs a signed count.
pub(crate) fn limit_of(limit: u64) -> u64 {
    Ord::min(limit, i64::MAX as u64)
}

pub(crate) async fn count(conn: &mut Conn, mut query: SelectStatement) -> Result<u64, StoreError> {
    query.clear_order_by();
    let wrapped = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from_subquery(query, Alias::new("matches"))
        .take();
    let rows = conn.query_long(&wrapped).await?;
    rows.first().map_or(Ok(0), |row| row.get(0))
}

#[cfg(test)]
mod tests;
