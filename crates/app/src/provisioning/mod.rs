//! Provisioning: approved access made real in the data platforms. A cycle per connection compares what should
//! exist (derived from the approved requests alone) with what the platform says exists, applies the difference
//! one role per transaction, verifies it, and records every change. Cycles run within a second of an access change
//! and every interval otherwise, one instance at a time per connection (a lease in the database).

mod cycle;
mod events;
mod urls;

pub(crate) use urls::read_secret;
mod work;

pub use cycle::CycleReport;

use crate::{Actor, App, AppError};
use marketplace_domain::ids::{RequestId, TenantId};
use marketplace_domain::permissions::GlobalPermission;
use marketplace_provision::Timeouts;
use marketplace_store::{AccessRequestRecord, ConnectionStatus, GrantRecord};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Notify;

/// How provisioning runs.
#[derive(Debug, Clone)]
pub struct ProvisioningSettings {
    /// A cycle of every connection at least this often, to repair drift.
    pub interval: Duration,
    pub timeouts: Timeouts,
    /// URLs given on the command line for `urlEnv` names, ahead of the process's environment (the quickstart's
    /// `--warehouse`).
    pub urls: BTreeMap<String, String>,
}

impl Default for ProvisioningSettings {
    fn default() -> Self {
        ProvisioningSettings {
            interval: Duration::from_secs(30),
            timeouts: Timeouts::default(),
            urls: BTreeMap::new(),
        }
    }
}

/// An instance's provisioning state: its settings, its name as a lease owner, the wake-up for access changes made
/// here, and the failures in a row per connection (for backoff).
pub(crate) struct Provisioner {
    pub(crate) settings: ProvisioningSettings,
    pub(crate) owner: String,
    pub(crate) changed: Notify,
    pub(crate) failures: Mutex<HashMap<(TenantId, String), u32>>,
}

impl Provisioner {
    pub(crate) fn new(settings: ProvisioningSettings) -> Self {
        Provisioner {
            settings,
            owner: uuid::Uuid::now_v7().to_string(),
            changed: Notify::new(),
            failures: Mutex::new(HashMap::new()),
        }
    }
}

/// A request's provisioning: its grants on each connection, and the state they add up to.
#[derive(Debug, Clone)]
pub struct RequestProvisioning {
    pub request_id: RequestId,
    /// `NOT_PROVISIONED` (none of its data sources is provisioned), `PENDING`, `APPLIED`, `FAILED`, `REVOKED`.
    pub state: &'static str,
    pub grants: Vec<GrantRecord>,
}

impl App {
    /// Replaces the provisioning settings (before the app is shared).
    pub fn with_provisioning(mut self, settings: ProvisioningSettings) -> Self {
        self.provisioning = std::sync::Arc::new(Provisioner::new(settings));
        self
    }

    /// Says that access in `tenant_id` may have changed: a cycle runs within a second, here or on another
    /// instance. The change itself is committed already; a failure to ask is only logged, since the periodic cycle
    /// catches up anyway.
    pub(crate) async fn access_changed(&self, tenant_id: TenantId) {
        if let Err(error) = self.store.mark_provisioning_due(tenant_id, self.now()).await {
            tracing::warn!(%error, tenant.id = %tenant_id, "could not ask for a provisioning cycle");
        }
        self.provisioning.changed.notify_one();
    }

    /// Waits until an access change is made through this instance.
    pub async fn access_change(&self) {
        self.provisioning.changed.notified().await
    }

    async fn require_provisioning_reader(&self, actor: &Actor) -> Result<(), AppError> {
        let person = self.person(actor).await?;
        match person.has(GlobalPermission::Governance) || person.has(GlobalPermission::ApplicationAdmin) {
            true => Ok(()),
            false => Err(AppError::Forbidden(
                "Provisioning status takes GOVERNANCE or APPLICATION_ADMIN.".into(),
            )),
        }
    }

    /// Each connection of the actor's tenant: reachable or not, its last cycle, its counts, drift repaired in
    /// the last day. Connections that have not had a cycle yet are listed too.
    pub async fn provisioning_status(&self, actor: &Actor) -> Result<Vec<ConnectionStatus>, AppError> {
        self.require_provisioning_reader(actor).await?;
        self.tenant_provisioning_status(actor.tenant_id).await
    }

    /// Every tenant's connections and their status, by tenant short key: for operators (the command line).
    pub async fn provisioning_overview(&self) -> Result<Vec<(String, Vec<ConnectionStatus>)>, AppError> {
        let mut overview = Vec::new();
        for (tenant_id, short_key) in self.store.provisioned_tenants().await? {
            overview.push((short_key, self.tenant_provisioning_status(tenant_id).await?));
        }
        Ok(overview)
    }

    /// The latest changes recorded on a tenant's connection, newest first: for operators.
    pub async fn provisioning_changes_of(
        &self,
        short_key: &str,
        connection: &str,
    ) -> Result<Vec<marketplace_store::ChangeRecord>, AppError> {
        let tenant = (self.store.tenant_by_short_key(short_key).await?)
            .ok_or_else(|| AppError::NotFound(format!("There is no tenant `{short_key}`.")))?;
        Ok(self.store.provisioning_changes(tenant.id, connection, 1000).await?)
    }

    pub(crate) async fn tenant_provisioning_status(
        &self,
        tenant_id: TenantId,
    ) -> Result<Vec<ConnectionStatus>, AppError> {
        let names = self.store.connection_names(tenant_id).await?;
        let mut statuses = self.store.provisioning_status(tenant_id, self.now()).await?;
        // A connection removed from the directory is no longer provisioned: its last status is history.
        statuses.retain(|status| names.contains(&status.connection_name));
        for name in names {
            if !statuses.iter().any(|status| status.connection_name == name) {
                statuses.push(ConnectionStatus {
                    connection_name: name,
                    ..ConnectionStatus::default()
                });
            }
        }
        statuses.sort_by(|a, b| a.connection_name.cmp(&b.connection_name));
        Ok(statuses)
    }

    /// Runs a cycle of each of the actor's tenant's connections now; what each did.
    pub async fn reconcile_now(&self, actor: &Actor) -> Result<Vec<CycleReport>, AppError> {
        self.require_provisioning_reader(actor).await?;
        self.reconcile_tenant(actor.tenant_id, false).await
    }

    /// A request's grants and their states, for those who can see the request.
    pub async fn request_provisioning(&self, actor: &Actor, id: &RequestId) -> Result<RequestProvisioning, AppError> {
        let person = self.person(actor).await?;
        let (request, _) = self.visible_request(actor, &person, id).await?;
        self.provisioning_of(actor, &request).await
    }

    /// The grants of a request the actor has been found to see, and the state they add up to.
    pub(crate) async fn provisioning_of(
        &self,
        actor: &Actor,
        request: &AccessRequestRecord,
    ) -> Result<RequestProvisioning, AppError> {
        let id = &request.id;
        let grants = self.store.request_provisioning(actor.tenant_id, id).await?;
        let approved = request.status == marketplace_domain::access_request::RequestStatus::Approved;
        let state = match grants.iter().map(|grant| grant.state.as_str()).collect::<Vec<_>>() {
            states if states.is_empty() => match approved && self.reaches_a_connection(actor.tenant_id, id).await? {
                true => "PENDING",
                false => "NOT_PROVISIONED",
            },
            states if states.contains(&"FAILED") => "FAILED",
            states if states.contains(&"PENDING") => "PENDING",
            states if approved && states.contains(&"APPLIED") => "APPLIED",
            states if states.iter().all(|state| *state == "REVOKED") => "REVOKED",
            _ => "APPLIED",
        };
        Ok(RequestProvisioning {
            request_id: id.clone(),
            state,
            grants,
        })
    }

    /// Whether a request gives access through any connection (before its first cycle has recorded it).
    async fn reaches_a_connection(&self, tenant_id: TenantId, id: &RequestId) -> Result<bool, AppError> {
        let access = self.store.approved_access(tenant_id, Some(id)).await?;
        if access.is_empty() {
            return Ok(false);
        }
        let sources = self.store.provisioned_sources(tenant_id).await?;
        Ok(access.iter().any(|access| sources.contains(&access.data_source_id)))
    }
}

/// Runs `script` in the PostgreSQL database at `url` unless the relation `probe` exists there; says whether it
/// ran. For the quickstart's demo warehouse.
pub async fn load_postgres_unless_present(url: &str, probe: &str, script: &str) -> Result<bool, String> {
    let warehouse = marketplace_provision::postgres::Postgres::connect(url, Timeouts::default())
        .await
        .map_err(|error| error.to_string())?;
    warehouse
        .load_unless_present(probe, script)
        .await
        .map_err(|error| error.to_string())
}
