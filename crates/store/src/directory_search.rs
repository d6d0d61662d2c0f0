//! Searches of the governance directory: users, groups, attributes, domains and their data sources, tags.

use crate::metadata::{
    AppliedTagFilter, AttributeRecord, DataSourceRecord, DomainRecord, GroupRecord, ShownUsers, TagRecord, UserRecord,
    attributes_of, decode_attributes, decode_user, user_columns, users_of, users_with_attributes,
};
use crate::query::{contains, count, limit_of, one_of, starts_with, tenant_is};
use crate::schema::{ColumnTags, DataSourceTags, DataSources, Domains, Tags, UserAttributes, UserGroups, Users};
use crate::{Row, Store, StoreError};
use marketplace_domain::ids::{TenantId, UserId};
use marketplace_domain::pagination::OffsetPage;
use sea_query::{Cond, Expr, ExprTrait, Order, Query, SelectStatement};
use std::collections::BTreeMap;
use uuid::Uuid;

impl Store {
    /// Users by numeric id, with their attributes; ids the directory no longer holds are absent.
    pub async fn users_by_ids(&self, tenant_id: TenantId, ids: &[UserId]) -> Result<ShownUsers, StoreError> {
        if ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        // The ids are known: the users and their attributes are read together (one round trip on PostgreSQL).
        let (users, attributes) = self
            .backend
            .read()
            .await?
            .query_both(&users_of(tenant_id, ids), &attributes_of(tenant_id, ids))
            .await?;
        users_with_attributes(&users, &attributes)
    }

    /// Users whose username, name or email contains `filter`, or whose global id is listed; ordered by id.
    pub async fn search_users(
        &self,
        tenant_id: TenantId,
        filter: Option<&str>,
        global_user_ids: &[Uuid],
        limit: u64,
    ) -> Result<Vec<(UserRecord, BTreeMap<String, Vec<String>>)>, StoreError> {
        let mut query = Query::select()
            .columns(user_columns())
            .from(Users::Table)
            .and_where(tenant_is((Users::Table, Users::TenantId), tenant_id))
            .order_by((Users::Table, Users::Id), Order::Asc)
            .limit(limit_of(limit))
            .take();
        if let Some(filter) = filter.filter(|text| !text.is_empty()) {
            query.cond_where(
                Cond::any()
                    .add(contains((Users::Table, Users::Username), filter))
                    .add(contains((Users::Table, Users::Name), filter))
                    .add(contains((Users::Table, Users::Email), filter)),
            );
        }
        if !global_user_ids.is_empty() {
            let ids = global_user_ids.iter().map(Uuid::to_string);
            query.and_where(one_of((Users::Table, Users::GlobalUserId), ids));
        }
        self.users_with_attributes(tenant_id, &query).await
    }

    /// The users a query selects (with `user_columns()` first), each with their attributes.
    async fn users_with_attributes(
        &self,
        tenant_id: TenantId,
        query: &SelectStatement,
    ) -> Result<Vec<(UserRecord, BTreeMap<String, Vec<String>>)>, StoreError> {
        let mut conn = self.backend.read().await?;
        let users = conn
            .query(query)
            .await?
            .iter()
            .map(|row| decode_user(row, 0))
            .collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<UserId> = users.iter().map(|user| user.id).collect();
        let mut attributes = match ids.is_empty() {
            true => BTreeMap::new(),
            false => decode_attributes(&conn.query(&attributes_of(tenant_id, &ids)).await?)?,
        };
        Ok(users
            .into_iter()
            .map(|user| {
                let own = attributes.remove(&user.id).unwrap_or_default();
                (user, own)
            })
            .collect())
    }

    pub async fn search_groups(
        &self,
        tenant_id: TenantId,
        filter: Option<&str>,
        limit: u64,
    ) -> Result<Vec<GroupRecord>, StoreError> {
        let mut query = Query::select()
            .columns([UserGroups::Id, UserGroups::IamId, UserGroups::Name, UserGroups::Email])
            .from(UserGroups::Table)
            .and_where(tenant_is(UserGroups::TenantId, tenant_id))
            .order_by(UserGroups::Id, Order::Asc)
            .limit(limit_of(limit))
            .take();
        if let Some(filter) = filter.filter(|text| !text.is_empty()) {
            query.and_where(contains(UserGroups::Name, filter));
        }
        let rows = self.backend.read().await?.query(&query).await?;
        rows.iter()
            .map(|row| {
                Ok(GroupRecord {
                    id: row.get(0)?,
                    iam_id: row.get(1)?,
                    name: row.get(2)?,
                    email: row.get(3)?,
                })
            })
            .collect()
    }

    /// The distinct attribute pairs held by any user, optionally of one key and containing `search` in key or
    /// value; ordered by key, then value.
    pub async fn search_attributes(
        &self,
        tenant_id: TenantId,
        search: Option<&str>,
        key: Option<&str>,
    ) -> Result<Vec<AttributeRecord>, StoreError> {
        let mut query = Query::select()
            .distinct()
            .columns([UserAttributes::Key, UserAttributes::Value])
            .from(UserAttributes::Table)
            .and_where(tenant_is(UserAttributes::TenantId, tenant_id))
            .order_by(UserAttributes::Key, Order::Asc)
            .order_by(UserAttributes::Value, Order::Asc)
            .take();
        if let Some(key) = key.filter(|text| !text.is_empty()) {
            query.and_where(Expr::col(UserAttributes::Key).eq(key));
        }
        if let Some(search) = search.filter(|text| !text.is_empty()) {
            query.cond_where(
                Cond::any()
                    .add(contains(UserAttributes::Key, search))
                    .add(contains(UserAttributes::Value, search)),
            );
        }
        let rows = self.backend.read().await?.query(&query).await?;
        rows.iter()
            .map(|row| {
                Ok(AttributeRecord {
                    key: row.get(0)?,
                    value: row.get(1)?,
                })
            })
            .collect()
    }

    /// The tenant's domains, by name; restricted to `ids` when given.
    pub async fn domains(&self, tenant_id: TenantId, ids: Option<&[String]>) -> Result<Vec<DomainRecord>, StoreError> {
        let mut query = Query::select()
            .columns([Domains::Id, Domains::Name, Domains::Description])
            .from(Domains::Table)
            .and_where(tenant_is(Domains::TenantId, tenant_id))
            .order_by(Domains::Name, Order::Asc)
            .order_by(Domains::Id, Order::Asc)
            .take();
        if let Some(ids) = ids {
            query.and_where(one_of(Domains::Id, ids.iter().cloned()));
        }
        let rows = self.backend.read().await?.query(&query).await?;
        rows.iter()
            .map(|row| {
                Ok(DomainRecord {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    description: row.get(2)?,
                })
            })
            .collect()
    }

    pub async fn domain(&self, tenant_id: TenantId, id: &str) -> Result<Option<DomainRecord>, StoreError> {
        Ok(self
            .domains(tenant_id, Some(&[id.to_owned()]))
            .await?
            .into_iter()
            .next())
    }

    /// A page of a domain's data sources, by id, and how many match in all.
    pub async fn domain_data_sources(
        &self,
        tenant_id: TenantId,
        domain_id: &str,
        search_text: Option<&str>,
        ids: &[i64],
        page: OffsetPage,
    ) -> Result<(Vec<DataSourceRecord>, u64), StoreError> {
        let mut query = Query::select()
            .columns([
                DataSources::Id,
                DataSources::Name,
                DataSources::Platform,
                DataSources::CreatedAt,
                DataSources::Prefix,
                DataSources::Hostname,
                DataSources::DatabaseName,
                DataSources::SchemaName,
                DataSources::TableName,
            ])
            .from(DataSources::Table)
            .and_where(tenant_is(DataSources::TenantId, tenant_id))
            .and_where(Expr::col(DataSources::DomainId).eq(domain_id))
            .order_by(DataSources::Id, Order::Asc)
            .take();
        if let Some(search) = search_text.filter(|text| !text.is_empty()) {
            query.and_where(contains(DataSources::Name, search));
        }
        if !ids.is_empty() {
            query.and_where(one_of(DataSources::Id, ids.iter().copied()));
        }
        let mut conn = self.backend.read().await?;
        let total = count(&mut conn, query.clone()).await?;
        let paged = query.limit(limit_of(page.limit)).offset(page.offset).take();
        let rows = conn.query(&paged).await?;
        let sources = rows
            .iter()
            .map(|row| {
                Ok(DataSourceRecord {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    platform: row.get(2)?,
                    created_at: row.get(3)?,
                    prefix: row.get(4)?,
                    hostname: row.get(5)?,
                    database: row.get(6)?,
                    schema: row.get(7)?,
                    table: row.get(8)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((sources, total))
    }

    /// Tags whose name starts with (or, fuzzy, contains) `search_text`, by name.
    pub async fn search_tags(
        &self,
        tenant_id: TenantId,
        search_text: Option<&str>,
        fuzzy: bool,
        limit: u64,
    ) -> Result<Vec<TagRecord>, StoreError> {
        let mut query = select_tags(tenant_id).limit(limit_of(limit)).take();
        if let Some(search) = search_text.filter(|text| !text.is_empty()) {
            let matches = if fuzzy {
                contains((Tags::Table, Tags::Name), search)
            } else {
                starts_with((Tags::Table, Tags::Name), search)
            };
            query.and_where(matches);
        }
        let rows = self.backend.read().await?.query(&query).await?;
        rows.iter().map(decode_tag).collect()
    }

    /// Tags applied to data sources and/or their columns, by name, and how many match in all.
    pub async fn search_applied_tags(
        &self,
        tenant_id: TenantId,
        filter: &AppliedTagFilter,
    ) -> Result<(Vec<TagRecord>, u64), StoreError> {
        let mut applied = Cond::any();
        if filter.on_data_sources {
            let mut on_sources = Query::select()
                .column(DataSourceTags::TagId)
                .from(DataSourceTags::Table)
                .and_where(tenant_is(DataSourceTags::TenantId, tenant_id))
                .take();
            if let Some(ids) = &filter.data_source_ids {
                on_sources.and_where(one_of(DataSourceTags::DataSourceId, ids.iter().copied()));
            }
            applied = applied.add(Expr::col((Tags::Table, Tags::Id)).in_subquery(on_sources));
        }
        if filter.on_columns {
            let mut on_columns = Query::select()
                .column(ColumnTags::TagId)
                .from(ColumnTags::Table)
                .and_where(tenant_is(ColumnTags::TenantId, tenant_id))
                .take();
            if let Some(ids) = &filter.data_source_ids {
                on_columns.and_where(one_of(ColumnTags::DataSourceId, ids.iter().copied()));
            }
            applied = applied.add(Expr::col((Tags::Table, Tags::Id)).in_subquery(on_columns));
        }
        let mut query = select_tags(tenant_id).cond_where(applied).take();
        if let Some(search) = filter.search_text.as_deref().filter(|text| !text.is_empty()) {
            let matches = if filter.fuzzy {
                contains((Tags::Table, Tags::Name), search)
            } else {
                starts_with((Tags::Table, Tags::Name), search)
            };
            query.and_where(matches);
        }
        for hierarchy in &filter.excluded_hierarchies {
            query.and_where(Expr::col((Tags::Table, Tags::Name)).ne(hierarchy.as_str()));
            query.and_where(starts_with((Tags::Table, Tags::Name), &format!("{hierarchy}.")).not());
        }
        let mut conn = self.backend.read().await?;
        let total = count(&mut conn, query.clone()).await?;
        let paged = query
            .limit(limit_of(filter.page.limit))
            .offset(filter.page.offset)
            .take();
        let rows = conn.query(&paged).await?;
        let tags = rows.iter().map(decode_tag).collect::<Result<Vec<_>, _>>()?;
        Ok((tags, total))
    }
}

fn select_tags(tenant_id: TenantId) -> SelectStatement {
    Query::select()
        .columns([
            (Tags::Table, Tags::Id),
            (Tags::Table, Tags::Name),
            (Tags::Table, Tags::DisplayName),
            (Tags::Table, Tags::Description),
            (Tags::Table, Tags::Color),
            (Tags::Table, Tags::Source),
            (Tags::Table, Tags::Protected),
            (Tags::Table, Tags::SystemCreated),
            (Tags::Table, Tags::CreatedAt),
            (Tags::Table, Tags::UpdatedAt),
        ])
        // `||` concatenates in both databases.
        .expr(Expr::cust(
            "EXISTS (SELECT 1 FROM tags AS below WHERE below.tenant_id = tags.tenant_id \
             AND below.name LIKE tags.name || '.%')",
        ))
        .from(Tags::Table)
        .and_where(tenant_is((Tags::Table, Tags::TenantId), tenant_id))
        .order_by((Tags::Table, Tags::Name), Order::Asc)
        .order_by((Tags::Table, Tags::Id), Order::Asc)
        .take()
}

fn decode_tag(row: &Row) -> Result<TagRecord, StoreError> {
    Ok(TagRecord {
        id: row.get(0)?,
        name: row.get(1)?,
        display_name: row.get(2)?,
        description: row.get(3)?,
        color: row.get(4)?,
        source: row.get(5)?,
        protected: row.get(6)?,
        system_created: row.get(7)?,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
        has_leaf_nodes: row.get(10)?,
    })
}

#[cfg(test)]
mod tests;
