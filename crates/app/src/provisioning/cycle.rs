//! One reconcile cycle of one connection, and which connections are due for one.

use super::events;
use crate::{App, AppError};
use marketplace_domain::Timestamp;
use marketplace_domain::directory::{Connection, Directory, Platform as PlatformName};
use marketplace_domain::ids::{RequestId, TenantId};
use marketplace_domain::provisioning::{
    Action, GrantKey, GrantState, MaskedView, Observed, Plan, Privilege, Reason, Scope, Wanted, desired_privileges,
    grant_states, ledger_after, masked_view, outcomes, plan,
};
use marketplace_provision::postgres::Postgres;
use marketplace_provision::{Platform, PlatformError};
use marketplace_store::{ChangeRecord, ConnectionStatus, CycleRecord};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// How long a cycle holds its connection: a crashed instance's cycle is taken over after this.
const LEASE_SECONDS: i64 = 60;
/// How long a cycle asked for waits for one running elsewhere.
const LEASE_WAIT: Duration = Duration::from_secs(50);
/// A cycle's work on the platform must end well within its lease.
const PLATFORM_BUDGET: Duration = Duration::from_secs(45);

/// What a cycle did (or, in a dry run, would do) on one connection.
#[derive(Debug, Clone, Default)]
pub struct CycleReport {
    pub tenant: String,
    pub connection: String,
    /// False when another instance was running this connection's cycle.
    pub ran: bool,
    pub reachable: bool,
    /// Why the cycle could not do all its work.
    pub error: Option<String>,
    /// The statements applied (or to apply, in a dry run), in order.
    pub statements: Vec<String>,
    /// Drift only reported: the statements that would revoke it.
    pub reported: Vec<String>,
    /// Privileges that could not be granted or revoked, and why.
    pub failed: Vec<(String, String)>,
    /// Privileges that should exist: applied, pending, failed.
    pub counts: [i64; 3],
}

/// A tenant's inputs to its connections' cycles, read once.
struct Tenant {
    id: TenantId,
    short_key: String,
    directory: Directory,
    wanted: BTreeMap<String, Wanted>,
}

/// What the platform part of a cycle found and did.
#[derive(Default)]
struct Work {
    /// What is held after the changes; `None` if the platform could not be read.
    held: Option<BTreeSet<Privilege>>,
    plan: Plan,
    records: Vec<ChangeRecord>,
    failed: BTreeMap<Privilege, String>,
    error: Option<String>,
}

impl App {
    /// Runs the cycles that are due, on every tenant with connections: those an access change asked for, those
    /// whose interval has passed (sooner after a failure, backing off), and those that never ran.
    pub async fn reconcile_due(&self) -> Result<Vec<CycleReport>, AppError> {
        let mut reports = Vec::new();
        for (tenant_id, _) in self.store.provisioned_tenants().await? {
            let statuses = self.tenant_provisioning_status(tenant_id).await?;
            let due: Vec<String> = statuses
                .iter()
                .filter(|status| self.is_due(tenant_id, status))
                .map(|status| status.connection_name.clone())
                .collect();
            if !due.is_empty() {
                reports.extend(self.reconcile(tenant_id, Some(&due), false).await?);
            }
        }
        Ok(reports)
    }

    /// Runs a cycle of each connection of every tenant now (the command line's `provisioning reconcile`).
    pub async fn reconcile_everything(&self, dry_run: bool) -> Result<Vec<CycleReport>, AppError> {
        let mut reports = Vec::new();
        for (tenant_id, _) in self.store.provisioned_tenants().await? {
            reports.extend(self.reconcile(tenant_id, None, dry_run).await?);
        }
        Ok(reports)
    }

    pub(crate) async fn reconcile_tenant(
        &self,
        tenant_id: TenantId,
        dry_run: bool,
    ) -> Result<Vec<CycleReport>, AppError> {
        self.reconcile(tenant_id, None, dry_run).await
    }

    fn is_due(&self, tenant_id: TenantId, status: &ConnectionStatus) -> bool {
        let now = self.now();
        let Some(last) = status.last_cycle_at else {
            return true;
        };
        if status.due_at.is_some_and(|due| due <= now) {
            return true;
        }
        let interval = self.provisioning.settings.interval;
        let failures = self.failures(tenant_id, &status.connection_name);
        let wait = match failures {
            0 => interval,
            failures => interval.min(Duration::from_secs(1 << failures.min(10))),
        };
        last.plus_seconds(i64::try_from(wait.as_secs()).unwrap_or(i64::MAX)) <= now
    }

    fn failures(&self, tenant_id: TenantId, connection: &str) -> u32 {
        let failures = self
            .provisioning
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        failures.get(&(tenant_id, connection.to_owned())).copied().unwrap_or(0)
    }

    fn count_failure(&self, tenant_id: TenantId, connection: &str, failed: bool) {
        let mut failures = self
            .provisioning
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = (tenant_id, connection.to_owned());
        match failed {
            true => *failures.entry(key).or_default() += 1,
            false => drop(failures.remove(&key)),
        }
    }

    /// Cycles of the tenant's connections (`only` these, if given).
    async fn reconcile(
        &self,
        tenant_id: TenantId,
        only: Option<&[String]>,
        dry_run: bool,
    ) -> Result<Vec<CycleReport>, AppError> {
        let Some(short_key) = self.store.tenant(tenant_id).await?.map(|tenant| tenant.short_key) else {
            return Ok(Vec::new());
        };
        let Some(directory) = self.store.directory(&short_key).await? else {
            return Ok(Vec::new());
        };
        let access = self.store.approved_access(tenant_id, None).await?;
        let wanted = desired_privileges(&directory, &access);
        let tenant = Tenant {
            id: tenant_id,
            short_key,
            directory,
            wanted,
        };
        let mut reports = Vec::new();
        for connection in tenant.directory.connections.values() {
            if only.is_some_and(|only| !only.contains(&connection.name)) {
                continue;
            }
            reports.push(self.cycle(&tenant, connection, dry_run, only.is_none()).await?);
        }
        Ok(reports)
    }

    /// A cycle of one connection, under its lease. A cycle asked for (`wait`) waits for one running elsewhere to
    /// end; a due one leaves the connection to whoever runs it.
    async fn cycle(
        &self,
        tenant: &Tenant,
        connection: &Connection,
        dry_run: bool,
        wait: bool,
    ) -> Result<CycleReport, AppError> {
        // Each cycle is its own lease owner: two cycles of one instance exclude each other too.
        let owner = format!("{}/{}", self.provisioning.owner, uuid::Uuid::now_v7());
        let mut report = CycleReport {
            tenant: tenant.short_key.clone(),
            connection: connection.name.clone(),
            ..CycleReport::default()
        };
        let waiting_until = std::time::Instant::now() + LEASE_WAIT;
        let started_at = loop {
            let now = self.now();
            if dry_run {
                break now;
            }
            let until = now.plus_seconds(LEASE_SECONDS);
            let leased = (self.store)
                .take_provisioning_lease(tenant.id, &connection.name, &owner, now, until)
                .await?;
            match leased {
                true => break now,
                false if wait && std::time::Instant::now() < waiting_until => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                false => return Ok(report),
            }
        };
        report.ran = true;
        let result = self
            .leased_cycle(tenant, connection, &owner, dry_run, started_at, &mut report)
            .await;
        if result.is_err() && !dry_run {
            self.store
                .release_provisioning_lease(tenant.id, &connection.name, &owner)
                .await?;
        }
        result.map(|()| report)
    }

    async fn leased_cycle(
        &self,
        tenant: &Tenant,
        connection: &Connection,
        owner: &str,
        dry_run: bool,
        started_at: Timestamp,
        report: &mut CycleReport,
    ) -> Result<(), AppError> {
        let name = connection.name.as_str();
        let wanted = tenant.wanted.get(name).cloned().unwrap_or_default();
        let (granted, reported_before) = self.store.provisioning_ledger(tenant.id, name).await?;
        let previous = self.store.provisioning_grants(tenant.id, name).await?;
        let open = self.store.open_provisioning_changes(tenant.id, name).await?;
        let inputs = Inputs {
            tenant_id: tenant.id,
            scope: Scope::new(&tenant.directory, name, &granted),
            views: (tenant.directory.data_sources.values())
                .filter(|source| source.connection.as_deref() == Some(name))
                .filter_map(masked_view)
                .collect(),
            wanted: &wanted,
            granted: &granted,
            reported: &reported_before,
            previous: &previous,
            open,
            dry_run,
            now: started_at,
        };
        let url = self.connection_url(&connection.url);
        let budget = tokio::time::timeout(PLATFORM_BUDGET, async {
            let url = url.map_err(PlatformError::Config)?;
            match connection.platform {
                PlatformName::PostgreSql => {
                    let mut session = Postgres::connect(&url, self.provisioning.settings.timeouts).await?;
                    Ok::<_, PlatformError>(self.work(&mut session, connection, &inputs).await)
                }
            }
        });
        let mut work = match budget.await {
            Ok(Ok(work)) => work,
            Ok(Err(error)) => unreachable_work(&error.to_string()),
            Err(_) => unreachable_work(&format!("the platform did not answer within {PLATFORM_BUDGET:?}")),
        };
        report.reachable = work.held.is_some();
        // The plan's changes come first among the records, in order; then settled and reported ones.
        let planned = work.records.iter().take(work.plan.changes.len());
        report.statements = planned.map(|record| record.statement.clone()).collect();
        report.reported = work
            .records
            .iter()
            .filter(|r| r.state == "REPORTED")
            .map(|r| r.statement.clone())
            .collect();
        if dry_run {
            report.error = work.error;
            report.failed = describe_failures(&work.failed);
            return Ok(());
        }
        self.count_failure(tenant.id, name, !report.reachable);
        // Unreachable: what was held is taken to be held still, and everything else waits with the error.
        let held = work.held.clone().unwrap_or_else(|| granted.clone());
        if work.held.is_none() {
            let error = work.error.clone().unwrap_or_default();
            for privilege in wanted.keys().chain(&granted) {
                work.failed.entry(privilege.clone()).or_insert_with(|| error.clone());
            }
        }
        let grants = grant_states(&wanted, &previous, &held, &work.failed);
        let applied = wanted.keys().filter(|privilege| held.contains(*privilege)).count();
        let failed = (wanted.keys())
            .filter(|privilege| !held.contains(*privilege) && work.failed.contains_key(*privilege))
            .count();
        let counts = [applied, wanted.len() - applied - failed, failed].map(|count| count as i64);
        let error = work.error.clone().or_else(|| summary(&work.failed));
        let finished_at = self.now();
        let moved = outcomes(&previous, &grants);
        let mut events = events::request_events(&tenant.short_key, name, finished_at, &moved, &grants);
        events.extend(events::drift_events(
            &tenant.short_key,
            name,
            finished_at,
            &work.records,
        ));
        let record = CycleRecord {
            tenant_id: tenant.id,
            connection_name: name.to_owned(),
            owner: owner.to_owned(),
            started_at,
            finished_at,
            granted: match work.held {
                Some(ref held) => ledger_after(&wanted, held, &granted),
                None => granted.clone(),
            },
            reported: match work.held {
                Some(_) => work.plan.reported.iter().cloned().collect(),
                None => reported_before.clone(),
            },
            changes: work.records,
            grants,
            reachable: report.reachable,
            error: error.clone(),
            counts,
            events,
        };
        self.store.finish_provisioning_cycle(&record).await?;
        report.error = error;
        report.failed = describe_failures(&work.failed);
        report.counts = counts;
        if let Some(error) = &report.error {
            tracing::warn!(tenant = %tenant.short_key, connection = name, %error, "provisioning cycle incomplete");
        }
        Ok(())
    }

    /// The platform part: masked views, observe, plan, write ahead, apply role by role, verify.
    async fn work<P: Platform>(&self, platform: &mut P, connection: &Connection, inputs: &Inputs<'_>) -> Work {
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
        self.apply_by_role(platform, &mut work).await;
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
        for change in &plan.changes {
            let requests = match change.reason {
                Reason::Approved | Reason::Repair => inputs.wanted.get(&change.privilege).cloned().unwrap_or_default(),
                Reason::NoLongerApproved => inputs.explained(&change.privilege),
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
                let change = marketplace_domain::provisioning::Change {
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

    async fn apply_by_role<P: Platform>(&self, platform: &mut P, work: &mut Work) {
        let mut roles: Vec<String> = work
            .plan
            .changes
            .iter()
            .map(|change| change.privilege.role.clone())
            .collect();
        roles.dedup();
        roles.sort();
        roles.dedup();
        for role in roles {
            let of_role = |record: &ChangeRecord| record.state == "PENDING" && record.change.privilege.role == role;
            let changes: Vec<_> = work
                .records
                .iter()
                .filter(|r| of_role(r))
                .map(|r| r.change.clone())
                .collect();
            let outcome = platform.apply(&changes).await;
            let now = self.now();
            for record in work.records.iter_mut().filter(|r| of_role(r)) {
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
}

/// What a cycle reads before it touches the platform.
struct Inputs<'a> {
    tenant_id: TenantId,
    scope: Scope,
    views: Vec<MaskedView>,
    wanted: &'a Wanted,
    granted: &'a BTreeSet<Privilege>,
    /// Drift reported by earlier cycles, not reported again.
    reported: &'a BTreeSet<Privilege>,
    previous: &'a BTreeMap<GrantKey, GrantState>,
    open: Vec<ChangeRecord>,
    dry_run: bool,
    now: Timestamp,
}

impl Inputs<'_> {
    /// The requests that explained `privilege` before.
    fn explained(&self, privilege: &Privilege) -> BTreeSet<RequestId> {
        (self.previous.keys())
            .filter(|(_, held)| held == privilege)
            .map(|(request, _)| request.clone())
            .collect()
    }
}

fn new_record(change: marketplace_domain::provisioning::Change, state: &str, now: Timestamp) -> ChangeRecord {
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

fn unreachable_work(error: &str) -> Work {
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

fn describe_failures(failed: &BTreeMap<Privilege, String>) -> Vec<(String, String)> {
    failed
        .iter()
        .map(|(privilege, why)| (privilege.to_string(), why.clone()))
        .collect()
}

/// The errors of a cycle in one line: each distinct reason, with how many privileges it stopped.
fn summary(failed: &BTreeMap<Privilege, String>) -> Option<String> {
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for why in failed.values() {
        *reasons.entry(why).or_default() += 1;
    }
    let parts: Vec<String> = reasons
        .iter()
        .map(|(why, count)| format!("{why} ({count} privileges)"))
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}
