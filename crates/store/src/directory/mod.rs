//! Syncing a tenant's governance directory from its file: load what is stored, compare, apply the difference,
//! all in one transaction.

mod apply;
mod load;

use crate::schema::Tenants;
use crate::{Store, StoreError, tenants};
use marketplace_domain::Timestamp;
use marketplace_domain::directory::{Change, Directory, diff};
use marketplace_domain::ids::TenantId;
use marketplace_domain::problem::Problem;
use sea_query::{Expr, ExprTrait, LockType, Query};
use uuid::Uuid;

/// How far an import has got, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStep {
    /// Reading the stored directory, to compare the file with.
    Loading,
    /// Comparing the two.
    Comparing,
    /// Writing the changes: rows written or deleted so far, of all the import writes.
    Writing { rows: usize, of: usize },
    /// Bringing the data objects (databases, schemas, tables) in line with the data sources.
    DataObjects,
    /// Committing the transaction.
    Committing,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub tenant_id: TenantId,
    pub changes: Vec<Change>,
}

impl Store {
    /// The stored directory of a tenant, if the tenant exists.
    pub async fn directory(&self, short_key: &str) -> Result<Option<Directory>, StoreError> {
        let mut conn = self.backend.read().await?;
        match tenants::by_short_key(&mut conn, short_key).await? {
            Some(tenant) => Ok(Some(load::directory(&mut conn, &tenant).await?)),
            None => Ok(None),
        }
    }

    /// Makes the stored directory of `desired.tenant` equal to `desired`: creates, updates and removes exactly
    /// the records that differ. With `dry_run` nothing is written. A failure writes nothing either.
    /// `progress` is told how far it has got.
    pub async fn import_directory(
        &self,
        desired: &Directory,
        dry_run: bool,
        now: Timestamp,
        progress: &mut dyn FnMut(ImportStep),
    ) -> Result<ImportReport, StoreError> {
        let mut tx = self.backend.begin().await?;
        // Two imports of one tenant at once must not interleave (SQLite's single writer already serialises them).
        let lock = Query::select()
            .column(Tenants::Id)
            .from(Tenants::Table)
            .and_where(Expr::col(Tenants::ShortKey).eq(desired.tenant.short_key.as_str()))
            .lock(LockType::Update)
            .take();
        tx.query(&lock).await?;
        let existing = tenants::by_short_key(&mut tx, &desired.tenant.short_key).await?;
        let current = match &existing {
            Some(tenant) => {
                if let Some(wanted) = desired.tenant.id.filter(|wanted| *wanted != tenant.id) {
                    return Err(StoreError::Invalid(vec![Problem::new(
                        "tenant.id",
                        format!(
                            "the file gives tenant `{}` the id {wanted}, but it has the id {}",
                            tenant.short_key, tenant.id
                        ),
                    )]));
                }
                progress(ImportStep::Loading);
                Some(load::directory(&mut tx, tenant).await?)
            }
            None => None,
        };
        let tenant_id = existing
            .as_ref()
            .map(|tenant| tenant.id)
            .or(desired.tenant.id)
            .unwrap_or_else(|| TenantId(Uuid::now_v7()));
        progress(ImportStep::Comparing);
        let changes = diff(current.as_ref(), desired);
        if !dry_run && !changes.is_empty() {
            apply::changes(&mut tx, tenant_id, desired, &changes, now, progress).await?;
            progress(ImportStep::Committing);
            tx.commit().await?;
        }
        Ok(ImportReport { tenant_id, changes })
    }
}
