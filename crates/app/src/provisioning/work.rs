//! The platform part of a cycle: masked views, observe, plan, write every change ahead, apply role by role,
//! verify.

use super::cycle::{LEASE_SECONDS, LOST_LEASE};
use crate::App;
use marketplace_domain::Timestamp;
use marketplace_domain::directory::Connection;
use marketplace_domain::ids::{RequestId, TenantId};
use marketplace_domain::provisioning::{
    Action, Change, GrantKey, GrantState, MaskedView, Observed, Plan, Privilege, Reason, Scope, Wanted, plan,
};
use marketplace_provision::Platform;
use marketplace_store::ChangeRecord;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// How often a long cycle extends its lease.
const LEASE_RENEWAL: Duration = Duration::from_secs(5);

/// What the platform part of a cycle found and did.
#[derive(Default)]
pub(super) struct Work {
    /// What is held after the changes; `None` if the platform could not be read.
    pub(super) held: Option<BTreeSet<Privilege>>,
    pub(super) plan: Plan,
    pub(super) records: Vec<ChangeRecord>,
    pub(super) failed: BTreeMap<Privilege, String>,
    pub(super) error: Option<String>,
}

impl App {
    /// The platform part: masked views, observe, plan, write ahead, apply role by role, verify.
    pub(super) async fn work<P: Platform>(
        &self,
        platform: &mut P,
        connection: &Connection,
        inputs: &Inputs<'_>,
    ) -> Work {
        let mut work = Work::default();
        if !inputs.dry_run {
            match platform.prepare(&inputs.views).await {
                Ok(failures) => {
                    for (view, error) in failures {
                        let on_view = |privilege: &&Privilege| {
                            privilege.target.table() == Some((view.view_schema.clone(), view.table.clone()))
                        };
                        for privilege in inputs.wanted.keys().filter(on_view) {
                            work.failed.insert(privilege.clone(), error.to_string());
                        }
                    }
                }
                Err(error) => return unreachable_work(&error.to_string()),
            }
        }
        let observed = match platform.observe(&inputs.scope).await {
            Ok(observed) => observed,
            Err(error) => return unreachable_work(&error.to_string()),
        };
        work.plan = plan(inputs.wanted, &observed, inputs.granted, connection.on_drift);
        for (privilege, why) in &work.plan.blocked {
            work.failed.insert(privilege.clone(), why.clone());
        }
        work.records = self.records(platform, inputs, &work.plan, &observed);
        if inputs.dry_run {
            work.held = Some(observed.held);
            return work;
        }
        let pending: Vec<ChangeRecord> = work.records.iter().filter(|r| r.state == "PENDING").cloned().collect();
        if let Err(error) = self
            .store
            .save_provisioning_changes(inputs.tenant_id, &connection.name, &pending)
            .await
        {
            work.error = Some(format!("cannot record the changes before applying them: {error}"));
            work.records.clear();
            work.held = Some(observed.held);
            return work;
        }
        self.apply_by_role(platform, inputs, &mut work).await;
        match platform.observe(&inputs.scope).await {
            Ok(after) => verify(&mut work, &after),
            Err(error) => work.error = Some(error.to_string()),
        }
        work
    }

    /// This cycle's change records: the plan's changes (reusing a record left open by an earlier cycle for the
    /// same change), open records settled by what is observed, and newly reported drift.
    fn records<P: Platform>(
        &self,
        platform: &P,
        inputs: &Inputs<'_>,
        plan: &Plan,
        observed: &Observed,
    ) -> Vec<ChangeRecord> {
        let now = inputs.now;
        let mut open: BTreeMap<(Action, Privilege), ChangeRecord> = (inputs.open.iter())
            .map(|record| ((record.change.action, record.change.privilege.clone()), record.clone()))
            .collect();
        let mut records = Vec::new();
        let explained = inputs.explained();
        for change in &plan.changes {
            let requests = match change.reason {
                Reason::Approved | Reason::Repair => inputs.wanted.get(&change.privilege).cloned().unwrap_or_default(),
                Reason::NoLongerApproved => explained.get(&change.privilege).cloned().unwrap_or_default(),
                Reason::Drift => BTreeSet::new(),
            };
            let record = match open.remove(&(change.action, change.privilege.clone())) {
                Some(earlier) => ChangeRecord {
                    change: change.clone(),
                    state: "PENDING".into(),
                    updated_at: now,
                    ..earlier
                },
                None => new_record(change.clone(), "PENDING", now),
            };
            records.push(ChangeRecord {
                statement: platform.statement(change),
                request_ids: requests.into_iter().collect(),
                ..record
            });
        }
        for (_, mut earlier) in open {
            let held = observed.held.contains(&earlier.change.privilege);
            let done = (earlier.change.action == Action::Grant) == held;
            earlier.state = if done { "APPLIED" } else { "DROPPED" }.into();
            earlier.updated_at = now;
            records.push(earlier);
        }
        for privilege in &plan.reported {
            if !inputs.reported.contains(privilege) {
                let change = Change {
                    action: Action::Revoke,
                    privilege: privilege.clone(),
                    reason: Reason::Drift,
                };
                let statement = platform.statement(&change);
                records.push(ChangeRecord {
                    statement,
                    ..new_record(change, "REPORTED", now)
                });
            }
        }
        records
    }

    /// Applies the pending records, one transaction per role, renewing the lease as it goes; stops if the lease
    /// was lost (another instance took the connection over).
    async fn apply_by_role<P: Platform>(&self, platform: &mut P, inputs: &Inputs<'_>, work: &mut Work) {
        let mut by_role: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (index, record) in work.records.iter().enumerate() {
            if record.state == "PENDING" {
                by_role
                    .entry(record.change.privilege.role.clone())
                    .or_default()
                    .push(index);
            }
        }
        let mut renewed = std::time::Instant::now();
        for indices in by_role.values() {
            if renewed.elapsed() >= LEASE_RENEWAL {
                if !self.renew_lease(inputs).await {
                    work.error = Some(LOST_LEASE.into());
                    return;
                }
                renewed = std::time::Instant::now();
            }
            let changes: Vec<_> = indices
                .iter()
                .map(|index| work.records[*index].change.clone())
                .collect();
            let outcome = platform.apply(&changes).await;
            let now = self.now();
            for index in indices {
                let record = &mut work.records[*index];
                record.attempts += 1;
                record.updated_at = now;
                match &outcome {
                    Ok(()) => record.state = "APPLIED".into(),
                    Err(error) => {
                        record.state = "FAILED".into();
                        record.error = Some(error.to_string());
                        work.failed.insert(record.change.privilege.clone(), error.to_string());
                    }
                }
            }
        }
    }

    /// Extends this cycle's lease; false if it is no longer this cycle's.
    pub(super) async fn renew_lease(&self, inputs: &Inputs<'_>) -> bool {
        let until = self.now().plus_seconds(LEASE_SECONDS);
        let renewed = (self.store)
            .renew_provisioning_lease(inputs.tenant_id, inputs.connection, inputs.owner, until)
            .await;
        renewed.unwrap_or_else(|error| {
            tracing::warn!(%error, "could not renew a provisioning lease");
            false
        })
    }
}

/// What a cycle reads before it touches the platform.
pub(super) struct Inputs<'a> {
    pub(super) tenant_id: TenantId,
    pub(super) connection: &'a str,
    /// This cycle's lease owner.
    pub(super) owner: &'a str,
    pub(super) scope: Scope,
    pub(super) views: Vec<MaskedView>,
    pub(super) wanted: &'a Wanted,
    pub(super) granted: &'a BTreeSet<Privilege>,
    /// Drift reported by earlier cycles, not reported again.
    pub(super) reported: &'a BTreeSet<Privilege>,
    pub(super) previous: &'a BTreeMap<GrantKey, GrantState>,
    pub(super) open: Vec<ChangeRecord>,
    pub(super) dry_run: bool,
    pub(super) now: Timestamp,
}

impl Inputs<'_> {
    /// The requests that explained each privilege before.
    fn explained(&self) -> BTreeMap<&Privilege, BTreeSet<RequestId>> {
        let mut explained: BTreeMap<&Privilege, BTreeSet<RequestId>> = BTreeMap::new();
        for (request, privilege) in self.previous.keys() {
            explained.entry(privilege).or_default().insert(request.clone());
        }
        explained
    }
}

fn new_record(change: Change, state: &str, now: Timestamp) -> ChangeRecord {
    ChangeRecord {
        id: uuid::Uuid::now_v7().to_string(),
        change,
        statement: String::new(),
        request_ids: Vec::new(),
        state: state.into(),
        error: None,
        attempts: 0,
        created_at: now,
        updated_at: now,
    }
}

pub(super) fn unreachable_work(error: &str) -> Work {
    Work {
        error: Some(error.to_owned()),
        ..Work::default()
    }
}

/// Checks each applied change against the catalog read again: one not in effect failed.
fn verify(work: &mut Work, after: &Observed) {
    for record in work
        .records
        .iter_mut()
        .filter(|record| record.state == "APPLIED" && record.attempts > 0)
    {
        let held = after.held.contains(&record.change.privilege);
        if (record.change.action == Action::Grant) != held {
            let error = "not in effect after it was applied".to_owned();
            record.state = "FAILED".into();
            record.error = Some(error.clone());
            work.failed.insert(record.change.privilege.clone(), error);
        }
    }
    work.held = Some(after.held.clone());
}
