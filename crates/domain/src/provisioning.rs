//! What access should exist in the data platforms, derived from the workflow's state alone (never a second
//! source of truth): an approved request lets the user's role read the tables of its data sources, without
//! their masked columns, which it reads through a masked view instead; an approved masking exception adds
//! exactly the raw columns it names. Nothing else: no other privilege, nothing outside a registered data
//! source, no role that is not a directory user's account.

mod plan;

pub use plan::{
    Action, Change, GrantKey, GrantState, Observed, Outcome, Plan, Reason, Scope, grant_states, ledger_after, outcomes,
    plan,
};

use crate::directory::{DataSource, Directory};
use crate::ids::RequestId;
use std::collections::{BTreeMap, BTreeSet};

/// The privileges that should exist on one connection, each with the approved requests that explain it.
pub type Wanted = BTreeMap<Privilege, BTreeSet<RequestId>>;

/// One approved reach of one user into one data source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// The approved request that gives it.
    pub request_id: RequestId,
    /// The directory user's id.
    pub user_id: i64,
    pub data_source_id: i64,
    pub reach: Reach,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// An approved data access request: the table, its masked columns through the masked view.
    Data,
    /// An approved masking exception: exactly these masked columns, raw.
    RawColumns(BTreeSet<String>),
}

/// A privilege the provisioner keeps on a connection.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Privilege {
    /// The role (the user's account on the connection).
    pub role: String,
    pub target: Target,
}

impl std::fmt::Display for Privilege {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let role = &self.role;
        match &self.target {
            Target::Schema { schema } => write!(f, "USAGE ON SCHEMA {schema} TO {role}"),
            Target::Table { schema, table } => write!(f, "SELECT ON {schema}.{table} TO {role}"),
            Target::Column { schema, table, column } => write!(f, "SELECT ({column}) ON {schema}.{table} TO {role}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// `USAGE` on a schema.
    Schema { schema: String },
    /// `SELECT` on a whole table or view.
    Table { schema: String, table: String },
    /// `SELECT (column)` on one column of a table.
    Column {
        schema: String,
        table: String,
        column: String,
    },
}

/// How a masked view shows a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Masking {
    /// Hex SHA-256 of the text (the masking type `Hashing`).
    Hash,
    /// NULL (`Nullify`, and every masking type the platform has no other way to show).
    Null,
}

impl Masking {
    pub fn of(masking_type: &str) -> Masking {
        match masking_type {
            "Hashing" => Masking::Hash,
            _ => Masking::Null,
        }
    }
}

/// The view through which a table with masked columns is read: `<schema>_masked.<table>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskedView {
    pub schema: String,
    pub table: String,
    pub view_schema: String,
    /// Every column in the table's order, with its masking if it has one.
    pub columns: Vec<(String, Option<Masking>)>,
}

/// Where a data source's table is on its connection, if it is provisioned at all.
fn placement(source: &DataSource) -> Option<(&str, &str, &str)> {
    let connection = source.connection.as_deref()?;
    Some((connection, source.schema.as_deref()?, source.table.as_deref()?))
}

/// The masked view a provisioned data source with masked columns is read through.
pub fn masked_view(source: &DataSource) -> Option<MaskedView> {
    let (_, schema, table) = placement(source)?;
    if !source.columns.iter().any(|column| column.is_masked()) {
        return None;
    }
    let columns = source
        .columns
        .iter()
        .map(|column| {
            // A policy local to the data source takes precedence over a global one.
            let masking = column.local_masking.as_deref().or(column.global_masking.as_deref());
            (column.name.clone(), masking.map(Masking::of))
        })
        .collect();
    Some(MaskedView {
        schema: schema.to_owned(),
        table: table.to_owned(),
        view_schema: format!("{schema}_masked"),
        columns,
    })
}

/// The privileges that should exist, by connection, each with the requests that explain it. Access to a data
/// source without a connection, a schema or a table, or by a user the directory does not have, gives none: such
/// a source is not provisioned.
pub fn desired_privileges(directory: &Directory, access: &[Access]) -> BTreeMap<String, Wanted> {
    let mut wanted: BTreeMap<String, Wanted> = BTreeMap::new();
    for access in access {
        let (Some(user), Some(source)) = (
            directory.users.get(&access.user_id),
            directory.data_sources.get(&access.data_source_id),
        ) else {
            continue;
        };
        let Some((connection, schema, table)) = placement(source) else {
            continue;
        };
        let role = user.account(connection).to_owned();
        let privileges = wanted.entry(connection.to_owned()).or_default();
        let mut grant = |target| {
            let privilege = Privilege {
                role: role.clone(),
                target,
            };
            privileges
                .entry(privilege)
                .or_default()
                .insert(access.request_id.clone());
        };
        grant(Target::Schema { schema: schema.into() });
        let column = |name: &str| Target::Column {
            schema: schema.into(),
            table: table.into(),
            column: name.into(),
        };
        match (&access.reach, masked_view(source)) {
            (Reach::Data, None) => grant(Target::Table {
                schema: schema.into(),
                table: table.into(),
            }),
            (Reach::Data, Some(view)) => {
                for unmasked in source.columns.iter().filter(|c| !c.is_masked()) {
                    grant(column(&unmasked.name));
                }
                grant(Target::Schema {
                    schema: view.view_schema.clone(),
                });
                grant(Target::Table {
                    schema: view.view_schema,
                    table: view.table,
                });
            }
            (Reach::RawColumns(named), _) => {
                let masked = source.columns.iter().filter(|c| c.is_masked());
                for raw in masked.filter(|c| named.contains(&c.name)) {
                    grant(column(&raw.name));
                }
            }
        }
    }
    wanted
}

#[cfg(test)]
mod tests;
