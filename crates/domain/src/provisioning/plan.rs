//! One reconcile cycle's decisions, before and after the platform is touched: what the provisioner manages on a
//! connection, which changes bring what exists to what should exist, and what each request's grants came to.

use super::{Privilege, Target, Wanted, masked_view};
use crate::directory::{Directory, OnDrift};
use crate::ids::RequestId;
use std::collections::{BTreeMap, BTreeSet};

/// What the provisioner looks at on one connection. Everything else on the platform is never read or touched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// The accounts of the directory's users, and the roles it granted to before.
    pub roles: BTreeSet<String>,
    /// The data sources' tables and their masked views, and the tables it granted on before.
    pub tables: BTreeSet<(String, String)>,
    /// The schemas of those tables.
    pub schemas: BTreeSet<String>,
}

impl Scope {
    /// The scope of `connection`: the directory's users and data sources through it, and whatever `ledger` (the
    /// privileges the provisioner granted and still holds) names, so that access of a user removed from the
    /// directory, or on a source removed from it, is still withdrawn.
    pub fn new(directory: &Directory, connection: &str, ledger: &BTreeSet<Privilege>) -> Scope {
        let mut scope = Scope::default();
        scope
            .roles
            .extend(directory.users.values().map(|user| user.account(connection).to_owned()));
        for source in directory.data_sources.values() {
            if source.connection.as_deref() != Some(connection) {
                continue;
            }
            if let (Some(schema), Some(table)) = (&source.schema, &source.table) {
                scope.tables.insert((schema.clone(), table.clone()));
            }
            if let Some(view) = masked_view(source) {
                scope.tables.insert((view.view_schema, view.table));
            }
        }
        for privilege in ledger {
            scope.roles.insert(privilege.role.clone());
            if let Some(table) = privilege.target.table() {
                scope.tables.insert(table);
            }
        }
        scope.schemas = scope.tables.iter().map(|(schema, _)| schema.clone()).collect();
        scope
            .schemas
            .extend(ledger.iter().map(|privilege| privilege.target.schema().to_owned()));
        scope
    }
}

impl Target {
    pub fn schema(&self) -> &str {
        match self {
            Target::Schema { schema } | Target::Table { schema, .. } | Target::Column { schema, .. } => schema,
        }
    }

    /// The (schema, table) a table or column privilege is on.
    pub fn table(&self) -> Option<(String, String)> {
        match self {
            Target::Schema { .. } => None,
            Target::Table { schema, table } | Target::Column { schema, table, .. } => {
                Some((schema.clone(), table.clone()))
            }
        }
    }
}

/// What the platform's catalog says about a scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    /// The scope's roles that exist.
    pub roles: BTreeSet<String>,
    /// The scope's schemas that exist.
    pub schemas: BTreeSet<String>,
    /// The scope's tables (and views) that exist, with their columns.
    pub tables: BTreeMap<(String, String), BTreeSet<String>>,
    /// The `USAGE` and `SELECT` privileges the scope's roles hold on the scope's schemas and tables.
    pub held: BTreeSet<Privilege>,
}

impl Observed {
    /// Why `privilege` cannot be granted, if it cannot: its role or object does not exist.
    fn missing(&self, privilege: &Privilege) -> Option<String> {
        if !self.roles.contains(&privilege.role) {
            return Some(format!("role \"{}\" does not exist", privilege.role));
        }
        let schema = privilege.target.schema();
        if !self.schemas.contains(schema) {
            return Some(format!("schema \"{schema}\" does not exist"));
        }
        let (_, table) = privilege.target.table()?;
        let Some(columns) = self.tables.get(&(schema.to_owned(), table.clone())) else {
            return Some(format!("relation \"{schema}.{table}\" does not exist"));
        };
        match &privilege.target {
            Target::Column { column, .. } if !columns.contains(column) => Some(format!(
                "column \"{column}\" of relation \"{schema}.{table}\" does not exist"
            )),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Grant,
    Revoke,
}

/// Why a change is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// An approved request needs it.
    Approved,
    /// The requests that needed it ended (revoked, expired, their product or source or user gone).
    NoLongerApproved,
    /// Someone granted it by hand, without an approved request.
    Drift,
    /// A grant of ours disappeared, and is put back.
    Repair,
}

impl Reason {
    /// As the record and the API spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Approved => "APPROVED",
            Reason::NoLongerApproved => "NO_LONGER_APPROVED",
            Reason::Drift => "DRIFT",
            Reason::Repair => "REPAIR",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub action: Action,
    pub privilege: Privilege,
    pub reason: Reason,
}

/// What one cycle does on one connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Revocations first, then grants: the platform applies them in this order.
    pub changes: Vec<Change>,
    /// Privileges held without an approved request, on a connection that only reports drift.
    pub reported: Vec<Privilege>,
    /// Privileges that should exist but cannot be granted, and why.
    pub blocked: Vec<(Privilege, String)>,
}

/// The changes that make `observed` what `wanted` says. `ledger` is what the provisioner granted before: a held
/// privilege nobody wants any more is revoked as no longer approved if it is in the ledger, and is drift if it is
/// not. A schema's `USAGE` that is not in the ledger is never revoked: it may serve tables the marketplace does not
/// manage.
pub fn plan(wanted: &Wanted, observed: &Observed, ledger: &BTreeSet<Privilege>, on_drift: OnDrift) -> Plan {
    let mut plan = Plan::default();
    let mut revokes = Vec::new();
    let mut grants = Vec::new();
    let mut emptied_tables = BTreeSet::new();
    for privilege in &observed.held {
        if wanted.contains_key(privilege) {
            continue;
        }
        let reason = match (ledger.contains(privilege), &privilege.target, on_drift) {
            (true, _, _) => Reason::NoLongerApproved,
            (false, Target::Schema { .. }, _) => continue,
            (false, _, OnDrift::Report) => {
                plan.reported.push(privilege.clone());
                continue;
            }
            (false, _, OnDrift::Revoke) => Reason::Drift,
        };
        if let Target::Table { schema, table } = &privilege.target {
            emptied_tables.insert((privilege.role.clone(), schema.clone(), table.clone()));
        }
        revokes.push(change(Action::Revoke, privilege, reason));
    }
    for privilege in wanted.keys() {
        let held = observed.held.contains(privilege);
        // A table's REVOKE takes its column privileges with it: those still wanted are granted again after it.
        let revoked_with_table = match &privilege.target {
            Target::Column { schema, table, .. } => {
                emptied_tables.contains(&(privilege.role.clone(), schema.clone(), table.clone()))
            }
            _ => false,
        };
        if held && !revoked_with_table {
            continue;
        }
        if let Some(why) = observed.missing(privilege) {
            plan.blocked.push((privilege.clone(), why));
            continue;
        }
        let reason = match ledger.contains(privilege) && !held {
            true => Reason::Repair,
            false => Reason::Approved,
        };
        grants.push(change(Action::Grant, privilege, reason));
    }
    plan.changes = revokes.into_iter().chain(grants).collect();
    plan
}

fn change(action: Action, privilege: &Privilege, reason: Reason) -> Change {
    Change {
        action,
        privilege: privilege.clone(),
        reason,
    }
}

/// The ledger after a cycle: of what is held now, what the provisioner granted or some request explains.
pub fn ledger_after(wanted: &Wanted, held: &BTreeSet<Privilege>, before: &BTreeSet<Privilege>) -> BTreeSet<Privilege> {
    held.iter()
        .filter(|privilege| before.contains(*privilege) || wanted.contains_key(*privilege))
        .cloned()
        .collect()
}

/// Where one privilege of one request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantState {
    /// Not applied yet.
    Pending,
    Applied,
    /// The platform refused it, or could not be reached: the error.
    Failed(String),
    /// No longer held on the request's behalf.
    Revoked,
}

impl GrantState {
    pub fn as_str(&self) -> &'static str {
        match self {
            GrantState::Pending => "PENDING",
            GrantState::Applied => "APPLIED",
            GrantState::Failed(_) => "FAILED",
            GrantState::Revoked => "REVOKED",
        }
    }
}

/// A request's privilege.
pub type GrantKey = (RequestId, Privilege);

/// Each request's privileges after a cycle: those it explains (applied if held, failed with the error, or
/// pending), and those it explained before (revoked once no longer held or held for another request).
pub fn grant_states(
    wanted: &Wanted,
    previous: &BTreeMap<GrantKey, GrantState>,
    held: &BTreeSet<Privilege>,
    failed: &BTreeMap<Privilege, String>,
) -> BTreeMap<GrantKey, GrantState> {
    let state = |privilege: &Privilege, done: bool| match (done, failed.get(privilege)) {
        (true, _) => None,
        (false, Some(error)) => Some(GrantState::Failed(error.clone())),
        (false, None) => Some(GrantState::Pending),
    };
    let mut states = BTreeMap::new();
    for (privilege, requests) in wanted {
        for request in requests {
            let now = state(privilege, held.contains(privilege)).unwrap_or(GrantState::Applied);
            states.insert((request.clone(), privilege.clone()), now);
        }
    }
    for key in previous.keys() {
        if states.contains_key(key) {
            continue;
        }
        let privilege = &key.1;
        let withdrawn = !held.contains(privilege) || wanted.contains_key(privilege);
        states.insert(key.clone(), state(privilege, withdrawn).unwrap_or(GrantState::Revoked));
    }
    states
}

/// What a cycle came to for one request, as webhooks are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Every privilege it explains is applied (and was not before).
    Provisioned,
    /// Every privilege it explained is withdrawn (and was not before).
    Deprovisioned,
    /// One of its privileges failed that had not failed before.
    Failed,
}

/// The requests whose provisioning moved, and where to.
pub fn outcomes(
    previous: &BTreeMap<GrantKey, GrantState>,
    next: &BTreeMap<GrantKey, GrantState>,
) -> Vec<(RequestId, Outcome)> {
    let by_request = |states: &BTreeMap<GrantKey, GrantState>| {
        let mut grouped: BTreeMap<RequestId, Vec<GrantState>> = BTreeMap::new();
        for ((request, _), state) in states {
            grouped.entry(request.clone()).or_default().push(state.clone());
        }
        grouped
    };
    let before = by_request(previous);
    let all = |states: Option<&Vec<GrantState>>, wanted: &dyn Fn(&GrantState) -> bool| {
        states.is_some_and(|states| states.iter().all(wanted))
    };
    let failures = |states: Option<&Vec<GrantState>>| {
        states.map_or(0, |states| {
            states
                .iter()
                .filter(|state| matches!(state, GrantState::Failed(_)))
                .count()
        })
    };
    let mut moved = Vec::new();
    for (request, states) in by_request(next) {
        let old = before.get(&request);
        let now = Some(&states);
        let live = |state: &GrantState| matches!(state, GrantState::Applied | GrantState::Revoked);
        let applied = |state: &GrantState| *state == GrantState::Applied;
        let revoked = |state: &GrantState| *state == GrantState::Revoked;
        // A request is provisioned when what it explains is applied; rows it explained earlier may be revoked.
        if states.iter().any(applied) && all(now, &live) && !(old.is_some() && all(old, &live)) {
            moved.push((request.clone(), Outcome::Provisioned));
        } else if all(now, &revoked) && !all(old, &revoked) {
            moved.push((request.clone(), Outcome::Deprovisioned));
        } else if failures(now) > failures(old) {
            moved.push((request.clone(), Outcome::Failed));
        }
    }
    moved
}

#[cfg(test)]
mod tests;
