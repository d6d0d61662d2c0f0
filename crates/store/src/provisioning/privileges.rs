//! A privilege as five columns (role, kind, schema, table, column; '' where a name does not apply), the way the
//! ledger, the grants and the changes store it.

use crate::StoreError;
use crate::db::Row;
use marketplace_domain::provisioning::{Privilege, Target};
use sea_query::{Expr, ExprTrait, SimpleExpr};

pub(super) const PRIVILEGE_COLUMNS: usize = 5;

pub(super) fn privilege_values(privilege: &Privilege) -> [Expr; PRIVILEGE_COLUMNS] {
    let (kind, schema, table, column) = match &privilege.target {
        Target::Schema { schema } => ("SCHEMA", schema.as_str(), "", ""),
        Target::Table { schema, table } => ("TABLE", schema.as_str(), table.as_str(), ""),
        Target::Column { schema, table, column } => ("COLUMN", schema.as_str(), table.as_str(), column.as_str()),
    };
    [privilege.role.as_str(), kind, schema, table, column].map(Expr::val)
}

/// The privilege in `row` from column `at` on (role, kind, schema, table, column).
pub(super) fn privilege_at(row: &Row, at: usize) -> Result<Privilege, StoreError> {
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
pub(super) fn privilege_is<C: sea_query::IntoColumnRef + Copy>(
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
