//! Statements over many rows at once, each within the number of values a statement may bind.

use super::Writer;
use crate::StoreError;
use sea_query::{Expr, ExprTrait, Iden, InsertStatement, OnConflict, Query, SimpleExpr};

/// The most values one statement binds: SQLite allows 32,766 and PostgreSQL 65,535; fewer keep each
/// statement's text and plan small while still writing thousands of rows at a time.
pub(super) const MAX_PARAMETERS: usize = 16_000;

/// `ON CONFLICT (key) DO UPDATE SET` the given columns to the new values.
pub(super) fn upsert<T: Iden + Copy + 'static>(
    key: impl IntoIterator<Item = T>,
    update: impl IntoIterator<Item = T>,
) -> OnConflict {
    OnConflict::columns(key).update_columns(update).to_owned()
}

/// Inserts `rows` of `N` values each with `insert` (its table, columns and conflict clause, no values), in as
/// few statements as the parameter limit allows.
pub(super) async fn insert_batched<const N: usize>(
    w: &mut Writer<'_>,
    insert: &InsertStatement,
    rows: impl IntoIterator<Item = [SimpleExpr; N]>,
) -> Result<(), StoreError> {
    let per_statement = (MAX_PARAMETERS / N).max(1);
    let mut statement = insert.clone();
    let mut count = 0;
    for row in rows {
        statement.values_panic(row);
        count += 1;
        if count == per_statement {
            w.conn.execute_long(&statement).await?;
            w.advance(count);
            statement = insert.clone();
            count = 0;
        }
    }
    if count > 0 {
        w.conn.execute_long(&statement).await?;
        w.advance(count);
    }
    Ok(())
}

/// `DELETE FROM table WHERE tenant_id = ? AND column IN (…)`, in batches.
pub(super) async fn delete_in<T, K>(
    w: &mut Writer<'_>,
    table: T,
    tenant_column: T,
    column: T,
    keys: &[K],
) -> Result<(), StoreError>
where
    T: Iden + Copy + 'static,
    K: Into<sea_query::Value> + Clone,
{
    for chunk in keys.chunks(MAX_PARAMETERS - 1) {
        let delete = Query::delete()
            .from_table(table)
            .and_where(Expr::col(tenant_column).eq(w.tenant.as_str()))
            .and_where(Expr::col(column).is_in(chunk.iter().cloned().map(Into::<sea_query::Value>::into)))
            .take();
        w.conn.execute_long(&delete).await?;
    }
    Ok(())
}
