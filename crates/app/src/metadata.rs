//! The governance directory as the Request app reads it: domains and their data sources, users, groups,
//! attributes, tags and where they are applied; the tenant's branding; and whether the database answers.
//!
//! Every authenticated user of a tenant may read its directory; only the domains a product can be built from
//! depend on what the actor holds.

use crate::{Actor, App, AppError};
use marketplace_domain::directory::Theme;
use marketplace_domain::ids::GlobalUserId;
use marketplace_domain::pagination::OffsetPage;
use marketplace_domain::{DomainPermission, GlobalPermission};
use marketplace_store::{
    AppliedTagFilter, AttributeRecord, DataSourceRecord, DomainRecord, GroupRecord, TagRecord, UserRecord,
};
use std::collections::BTreeMap;

/// A user of the directory with the attributes they hold, by name.
pub type UserWithAttributes = (UserRecord, BTreeMap<String, Vec<String>>);

/// Which applied tags to find: within a data product or a data object, or as the filter says.
#[derive(Debug, Clone, Default)]
pub struct AppliedTagSearch {
    /// Only tags applied to the data sources of this data product.
    pub data_product_id: Option<String>,
    /// Only tags applied to the data sources below this data object.
    pub data_object_id: Option<String>,
    pub filter: AppliedTagFilter,
}

fn domain_not_found() -> AppError {
    AppError::NotFound("Domain not found.".into())
}

impl App {
    /// The domains the actor can build a data product from: all of them with `GOVERNANCE`, else those where
    /// they hold `Manage Data Products`; by name.
    pub async fn available_domains(&self, actor: &Actor) -> Result<Vec<DomainRecord>, AppError> {
        let person = self.person(actor).await?;
        let managed: Vec<String>;
        let only = if person.permissions.contains(&GlobalPermission::Governance) {
            None
        } else {
            managed = person
                .domain_permissions
                .iter()
                .filter(|(_, permission)| *permission == DomainPermission::ManageDataProducts)
                .map(|(domain_id, _)| domain_id.clone())
                .collect();
            Some(managed.as_slice())
        };
        Ok(self.store.domains(actor.tenant_id, only).await?)
    }

    /// One domain of the actor's tenant.
    pub async fn domain(&self, actor: &Actor, id: &str) -> Result<DomainRecord, AppError> {
        self.store
            .domain(actor.tenant_id, id)
            .await?
            .ok_or_else(domain_not_found)
    }

    /// A page of a domain's data sources whose name contains `search_text` (restricted to `ids` when any are
    /// given), by id, and how many match in all.
    pub async fn domain_data_sources(
        &self,
        actor: &Actor,
        domain_id: &str,
        search_text: Option<&str>,
        ids: &[i64],
        page: OffsetPage,
    ) -> Result<(Vec<DataSourceRecord>, u64), AppError> {
        self.domain(actor, domain_id).await?;
        Ok(self
            .store
            .domain_data_sources(actor.tenant_id, domain_id, search_text, ids, page)
            .await?)
    }

    /// Users of the actor's tenant whose username, name or email contains `filter`, or whose global id is
    /// listed; by id, at most `limit`.
    pub async fn search_users(
        &self,
        actor: &Actor,
        filter: Option<&str>,
        global_user_ids: &[GlobalUserId],
        limit: u64,
    ) -> Result<Vec<UserWithAttributes>, AppError> {
        let global_user_ids: Vec<_> = global_user_ids.iter().map(|id| id.0).collect();
        Ok(self
            .store
            .search_users(actor.tenant_id, filter, &global_user_ids, limit)
            .await?)
    }

    /// Groups of the actor's tenant whose name contains `filter`; at most `limit`.
    pub async fn search_groups(
        &self,
        actor: &Actor,
        filter: Option<&str>,
        limit: u64,
    ) -> Result<Vec<GroupRecord>, AppError> {
        Ok(self.store.search_groups(actor.tenant_id, filter, limit).await?)
    }

    /// The attributes users of the actor's tenant hold: those whose name or value contains `search`, of the
    /// name `key` when given.
    pub async fn search_attributes(
        &self,
        actor: &Actor,
        search: Option<&str>,
        key: Option<&str>,
    ) -> Result<Vec<AttributeRecord>, AppError> {
        Ok(self.store.search_attributes(actor.tenant_id, search, key).await?)
    }

    /// Tags of the actor's tenant whose name starts with (or, `fuzzy`, contains) `search_text`; by name, at
    /// most `limit`.
    pub async fn search_tags(
        &self,
        actor: &Actor,
        search_text: Option<&str>,
        fuzzy: bool,
        limit: u64,
    ) -> Result<Vec<TagRecord>, AppError> {
        Ok(self
            .store
            .search_tags(actor.tenant_id, search_text, fuzzy, limit)
            .await?)
    }

    /// A page of the tags applied to data sources and their columns, by name, and how many match in all.
    pub async fn search_applied_tags(
        &self,
        actor: &Actor,
        search: &AppliedTagSearch,
    ) -> Result<(Vec<TagRecord>, u64), AppError> {
        // Data products and data objects are published in the catalog; until one exists, none can be searched.
        if let Some(id) = &search.data_product_id {
            return Err(AppError::NotFound(format!("Data product {id} not found.")));
        }
        if let Some(id) = &search.data_object_id {
            return Err(AppError::NotFound(format!("Data object {id} not found.")));
        }
        Ok(self.store.search_applied_tags(actor.tenant_id, &search.filter).await?)
    }

    /// The branding of the actor's tenant's Request app.
    pub async fn tenant_theme(&self, actor: &Actor) -> Result<Theme, AppError> {
        Ok(self.tenant_of(actor).await?.theme)
    }

    /// Whether the database answers, so that requests can be served (readiness); why not is logged.
    pub async fn database_ready(&self) -> bool {
        match self.store.ping().await {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(%error, "database health check failed");
                false
            }
        }
    }
}
