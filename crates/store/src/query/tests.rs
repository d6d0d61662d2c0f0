use super::*;
use crate::Store;
use crate::db::Backend;
use crate::schema::{AccessRequests, WebhookDeliveries};
use sea_query::SqliteQueryBuilder;
use sea_query_rusqlite::{RusqliteBinder, RusqliteValues};

/// How SQLite would run `query`, on a reader of a migrated database.
async fn plan(store: &Store, query: &SelectStatement) -> String {
    let Backend::Sqlite(sqlite) = &store.backend else {
        unreachable!("the store is SQLite")
    };
    let reader = sqlite.reader().await.unwrap();
    let (sql, values): (String, RusqliteValues) = query.build_rusqlite(SqliteQueryBuilder);
    let mut statement = reader.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let details = statement
        .query_map(&*values.as_params(), |row| row.get::<_, String>(3))
        .unwrap();
    details.map(Result::unwrap).collect::<Vec<_>>().join("; ")
}

/// The conditions written for a partial index let it serve, although the planner never looks at bound values:
/// each fixed value is in the statement's text.
#[tokio::test]
async fn each_partial_index_serves_the_condition_written_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::migrated_sqlite_store(&dir).await;
    let tenant_id = TenantId(uuid::Uuid::nil());
    let expiring = Query::select()
        .column(AccessRequests::Id)
        .from(AccessRequests::Table)
        .cond_where(approved_with_end())
        .and_where(Expr::col(AccessRequests::Expiration).lte(0))
        .take();
    let approved = Query::select()
        .column(AccessRequests::Id)
        .from(AccessRequests::Table)
        .and_where(tenant_is(AccessRequests::TenantId, tenant_id))
        .and_where(Expr::col(AccessRequests::UserId).eq(1))
        .and_where(Expr::col(AccessRequests::DataProductId).eq("p"))
        .cond_where(approved_data_access(AccessRequests::Table))
        .take();
    let due = Query::select()
        .column(WebhookDeliveries::Id)
        .from(WebhookDeliveries::Table)
        .and_where(delivery_pending())
        .and_where(Expr::col(WebhookDeliveries::NextAttemptAt).lte(0))
        .take();
    for (query, index) in [
        (expiring, "access_requests_expiring"),
        (approved, "access_requests_approved_access"),
        (due, "webhook_deliveries_due"),
    ] {
        let plan = plan(&store, &query).await;
        assert!(plan.contains(index), "{index} unused: {plan}");
    }
}
