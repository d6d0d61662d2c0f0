//! One reconcile cycle of one connection, and which connections are due for one.

use super::events;
use super::work::{Inputs, unreachable_work};
use crate::{App, AppError};
use marketplace_domain::Timestamp;
use marketplace_domain::directory::{Connection, Directory, Platform as PlatformName};
use marketplace_domain::ids::TenantId;
use marketplace_domain::provisioning::{
    Privilege, Scope, Wanted, desired_privileges, grant_states, ledger_after, masked_view, outcomes,
};
use marketplace_provision::PlatformError;
use marketplace_provision::postgres::Postgres;
use marketplace_store::{ConnectionStatus, CycleRecord};
use std::collections::BTreeMap;
use std::time::Duration;

/// How long a cycle holds its connection unless it renews the lease (every few seconds while it works): a crashed
/// instance's connection is taken over after this.
pub(super) const LEASE_SECONDS: i64 = 15;
/// Why a cycle stopped that ran past its lease while another instance took the connection over.
pub(super) const LOST_LEASE: &str = "another instance took over this connection's cycle; it records the outcome";

/// How long a cycle asked for waits for one running elsewhere.
const LEASE_WAIT: Duration = Duration::from_secs(60);
/// A bound on a cycle's work on the platform, whatever happens there (each statement has its own timeout).
const PLATFORM_BUDGET: Duration = Duration::from_secs(600);

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

impl App {
    /// Runs the cycles that are due, on every tenant with connections: those an access change asked for, those
    /// whose interval has passed (sooner after a failure, backing off), and those that never ran. A tenant whose
    /// cycles fail is logged and does not hold up the others.
    pub async fn reconcile_due(&self) -> Result<Vec<CycleReport>, AppError> {
        let mut reports = Vec::new();
        for (tenant_id, short_key) in self.store.provisioned_tenants().await? {
            match self.reconcile_due_in(tenant_id).await {
                Ok(done) => reports.extend(done),
                Err(error) => tracing::warn!(error = %error, tenant = %short_key, "provisioning cycles failed"),
            }
        }
        Ok(reports)
    }

    async fn reconcile_due_in(&self, tenant_id: TenantId) -> Result<Vec<CycleReport>, AppError> {
        let statuses = self.tenant_provisioning_status(tenant_id).await?;
        let due: Vec<String> = (statuses.iter())
            .filter(|status| self.is_due(tenant_id, status))
            .map(|status| status.connection_name.clone())
            .collect();
        match due.is_empty() {
            true => Ok(Vec::new()),
            false => self.reconcile(tenant_id, Some(&due), false).await,
        }
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
            connection: name,
            owner,
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
        // What is left runs here and in one store transaction; it starts with a fresh lease.
        if !self.renew_lease(&inputs).await {
            report.error = Some(LOST_LEASE.into());
            return Ok(());
        }
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
        if !self.store.finish_provisioning_cycle(&record).await? {
            report.error = Some(LOST_LEASE.into());
            tracing::warn!(tenant = %tenant.short_key, connection = name, "a provisioning cycle lost its lease");
            return Ok(());
        }
        report.error = error;
        report.failed = describe_failures(&work.failed);
        report.counts = counts;
        if let Some(error) = &report.error {
            tracing::warn!(tenant = %tenant.short_key, connection = name, %error, "provisioning cycle incomplete");
        }
        Ok(())
    }
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
