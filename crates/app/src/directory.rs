//! The governance directory as operators load it: syncing a tenant's directory from its file, and the
//! quickstart's tokens for the users of a demo directory.

use crate::{App, AppError};
use marketplace_domain::GlobalPermission;
use marketplace_domain::directory::Directory;
use marketplace_store::{ImportReport, ImportStep, Tenant};

/// How the tokens the quickstart hands out are described.
pub const QUICKSTART_TOKEN_DESCRIPTION: &str = "quickstart";

/// A token for one user of a freshly imported directory.
#[derive(Debug, Clone)]
pub struct DemoToken {
    pub username: String,
    pub name: String,
    /// The user's global permissions, as the directory file gives them.
    pub permissions: Vec<GlobalPermission>,
    /// The token itself, shown this once.
    pub token: String,
}

/// The tenant of an imported directory and a token for each of its users, in the directory's order.
#[derive(Debug, Clone)]
pub struct DemoTokens {
    pub tenant: Tenant,
    pub tokens: Vec<DemoToken>,
}

impl App {
    /// The stored directory of the tenant with this short key, as an import would compare it; `None` if no
    /// tenant has it.
    pub async fn stored_directory(&self, short_key: &str) -> Result<Option<Directory>, AppError> {
        Ok(self.store.directory(short_key).await?)
    }

    /// Makes the stored directory of `directory.tenant` equal to `directory`: creates, updates and removes
    /// exactly the records that differ, in one transaction. With `dry_run` nothing is written; the report says
    /// what would change.
    pub async fn import_directory(&self, directory: &Directory, dry_run: bool) -> Result<ImportReport, AppError> {
        self.import_directory_with_progress(directory, dry_run, &mut |_| {})
            .await
    }

    /// As [`Self::import_directory`], telling `progress` how far it has got, for a long import's progress line.
    pub async fn import_directory_with_progress(
        &self,
        directory: &Directory,
        dry_run: bool,
        progress: &mut dyn FnMut(ImportStep),
    ) -> Result<ImportReport, AppError> {
        let report = self
            .store
            .import_directory(directory, dry_run, self.now(), progress)
            .await?;
        if !dry_run {
            self.access_changed(report.tenant_id).await;
        }
        Ok(report)
    }

    /// A new token that never expires for each user of an imported `directory`, as the quickstart prints them.
    pub async fn demo_tokens(&self, directory: &Directory) -> Result<DemoTokens, AppError> {
        let tenant = self
            .store
            .tenant_by_short_key(&directory.tenant.short_key)
            .await?
            .ok_or_else(|| AppError::internal("the imported tenant is missing"))?;
        let mut tokens = Vec::with_capacity(directory.users.len());
        for user in directory.users.values() {
            let record = self
                .store
                .user_by_username(tenant.id, &user.username)
                .await?
                .ok_or_else(|| AppError::internal("an imported user is missing"))?;
            let (_, token) = self
                .tokens
                .replace(&tenant, &record, QUICKSTART_TOKEN_DESCRIPTION, None, self.now())
                .await?;
            tokens.push(DemoToken {
                username: user.username.clone(),
                name: user.name.clone(),
                permissions: user.permissions.iter().copied().collect(),
                token,
            });
        }
        Ok(DemoTokens { tenant, tokens })
    }
}
