//! Reads of the governance directory that the metadata endpoints and the permission checks serve from.

use crate::db::{Conn, Row};
use crate::schema::{
    ColumnTags, DataSourceTags, DataSources, DomainPermissions, Domains, GroupMembers, Tags, UserAttributes,
    UserGroups, UserPermissions, Users,
};
use crate::{Store, StoreError};
use marketplace_domain::access::Person;
use marketplace_domain::pagination::OffsetPage;
use marketplace_domain::{DomainPermission, GlobalPermission, Timestamp};
use sea_query::{
    Alias, Cond, Expr, ExprTrait, Func, IntoColumnRef, LikeExpr, Order, Query, SelectStatement, SimpleExpr,
};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    pub iam_id: String,
    pub global_user_id: Uuid,
    pub username: String,
    pub name: String,
    pub email: Option<String>,
}

pub(crate) fn user_columns() -> [(Users, Users); 6] {
    [
        (Users::Table, Users::Id),
        (Users::Table, Users::IamId),
        (Users::Table, Users::GlobalUserId),
        (Users::Table, Users::Username),
        (Users::Table, Users::Name),
        (Users::Table, Users::Email),
    ]
}

/// Decodes the columns of [`user_columns`], starting at `first`.
pub(crate) fn decode_user(row: &Row, first: usize) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        id: row.get(first)?,
        iam_id: row.get(first + 1)?,
        global_user_id: row.get(first + 2)?,
        username: row.get(first + 3)?,
        name: row.get(first + 4)?,
        email: row.get(first + 5)?,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    pub id: i64,
    pub iam_id: Option<String>,
    pub name: String,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainGrantRecord {
    pub id: Uuid,
    pub domain_id: String,
    pub permission: DomainPermission,
    pub user_id: Option<i64>,
    pub group_id: Option<i64>,
    pub created_at: Timestamp,
}

/// Everything that decides what a user may do: global permissions, domain permissions (their own and their
/// groups'), group memberships and attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserAccess {
    pub permissions: BTreeSet<GlobalPermission>,
    pub domain_grants: Vec<DomainGrantRecord>,
    pub groups: Vec<GroupRecord>,
    pub attributes: BTreeMap<String, Vec<String>>,
}

impl UserAccess {
    /// The user as the domain rules see them.
    pub fn into_person(self, global_user_id: Uuid) -> Person {
        Person {
            global_user_id,
            permissions: self.permissions,
            domain_permissions: self
                .domain_grants
                .into_iter()
                .map(|grant| (grant.domain_id, grant.permission))
                .collect(),
            groups: self.groups.into_iter().map(|group| (group.id, group.name)).collect(),
            attributes: self.attributes,
        }
    }

    pub fn has(&self, permission: GlobalPermission) -> bool {
        self.permissions.contains(&permission)
    }

    pub fn has_in_domain(&self, domain_id: &str, permission: DomainPermission) -> bool {
        self.domain_grants
            .iter()
            .any(|grant| grant.domain_id == domain_id && grant.permission == permission)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeRecord {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainRecord {
    pub id: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSourceRecord {
    pub id: i64,
    pub name: String,
    pub platform: String,
    pub created_at: Timestamp,
    pub prefix: Option<String>,
    pub hostname: Option<String>,
    pub database: Option<String>,
    pub schema: Option<String>,
    pub table: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRecord {
    pub id: i64,
    pub name: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub color: Option<String>,
    pub source: String,
    pub protected: bool,
    pub system_created: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Whether other tags sit below this one in the hierarchy (`PII` above `PII.Email`).
    pub has_leaf_nodes: bool,
}

/// Which applied tags to find (`POST /api/metadata/tags/applied/search`).
#[derive(Debug, Clone, Default)]
pub struct AppliedTagFilter {
    /// Restrict to tags on these data sources (and their columns); `None` means every data source.
    pub data_source_ids: Option<Vec<i64>>,
    pub search_text: Option<String>,
    pub fuzzy: bool,
    pub on_data_sources: bool,
    pub on_columns: bool,
    pub excluded_hierarchies: Vec<String>,
    pub page: OffsetPage,
}

/// `LOWER(column) LIKE '%needle%'`, with the needle's own wildcards escaped.
pub(crate) fn contains(column: impl IntoColumnRef, needle: &str) -> SimpleExpr {
    like(column, &format!("%{}%", escape_like(&needle.to_lowercase())))
}

fn starts_with(column: impl IntoColumnRef, prefix: &str) -> SimpleExpr {
    like(column, &format!("{}%", escape_like(&prefix.to_lowercase())))
}

fn like(column: impl IntoColumnRef, pattern: &str) -> SimpleExpr {
    SimpleExpr::from(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern).escape('\\'))
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// `column IN (values)`; an empty list matches nothing. (sea-query writes an empty `IN` as `? = ?` with
/// integer parameters, which PostgreSQL cannot type.)
pub(crate) fn one_of<V: Into<sea_query::Value>>(
    column: impl IntoColumnRef,
    values: impl IntoIterator<Item = V>,
) -> SimpleExpr {
    let values: Vec<sea_query::Value> = values.into_iter().map(Into::into).collect();
    if values.is_empty() {
        Expr::cust("1 = 0")
    } else {
        Expr::col(column).is_in(values)
    }
}

fn tenant_is<C: IntoColumnRef>(column: C, tenant_id: Uuid) -> SimpleExpr {
    Expr::col(column).eq(tenant_id.to_string())
}

/// SQL needs a signed count.
fn limit_of(limit: u64) -> u64 {
    Ord::min(limit, i64::MAX as u64)
}

pub(crate) async fn count(conn: &mut Conn, mut query: SelectStatement) -> Result<u64, StoreError> {
    query.clear_order_by();
    let wrapped = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from_subquery(query, Alias::new("matches"))
        .to_owned();
    conn.query_opt(&wrapped).await?.map_or(Ok(0), |row| row.get(0))
}

impl Store {
    pub async fn user_by_username(&self, tenant_id: Uuid, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let query = Query::select()
            .columns(user_columns())
            .from(Users::Table)
            .and_where(tenant_is((Users::Table, Users::TenantId), tenant_id))
            .and_where(Expr::col((Users::Table, Users::Username)).eq(username))
            .to_owned();
        let row = self.backend.read().await?.query_opt(&query).await?;
        row.map(|row| decode_user(&row, 0)).transpose()
    }

    pub async fn user_access(&self, tenant_id: Uuid, user_id: i64) -> Result<UserAccess, StoreError> {
        let mut conn = self.backend.read().await?;
        let permissions = Query::select()
            .column(UserPermissions::Permission)
            .from(UserPermissions::Table)
            .and_where(tenant_is(UserPermissions::TenantId, tenant_id))
            .and_where(Expr::col(UserPermissions::UserId).eq(user_id))
            .to_owned();
        let mut access = UserAccess::default();
        for row in conn.query(&permissions).await? {
            // A permission this version does not know grants nothing.
            if let Ok(permission) = row.get::<String>(0)?.parse() {
                access.permissions.insert(permission);
            }
        }
        let groups = Query::select()
            .columns([
                (UserGroups::Table, UserGroups::Id),
                (UserGroups::Table, UserGroups::IamId),
                (UserGroups::Table, UserGroups::Name),
                (UserGroups::Table, UserGroups::Email),
            ])
            .from(UserGroups::Table)
            .inner_join(
                GroupMembers::Table,
                Expr::col((GroupMembers::Table, GroupMembers::TenantId))
                    .equals((UserGroups::Table, UserGroups::TenantId))
                    .and(
                        Expr::col((GroupMembers::Table, GroupMembers::GroupId))
                            .equals((UserGroups::Table, UserGroups::Id)),
                    ),
            )
            .and_where(tenant_is((UserGroups::Table, UserGroups::TenantId), tenant_id))
            .and_where(Expr::col((GroupMembers::Table, GroupMembers::UserId)).eq(user_id))
            .order_by((UserGroups::Table, UserGroups::Name), Order::Asc)
            .to_owned();
        for row in conn.query(&groups).await? {
            access.groups.push(GroupRecord {
                id: row.get(0)?,
                iam_id: row.get(1)?,
                name: row.get(2)?,
                email: row.get(3)?,
            });
        }
        let group_ids: Vec<i64> = access.groups.iter().map(|group| group.id).collect();
        let grants = Query::select()
            .columns([
                DomainPermissions::Id,
                DomainPermissions::DomainId,
                DomainPermissions::Permission,
                DomainPermissions::UserId,
                DomainPermissions::GroupId,
                DomainPermissions::CreatedAt,
            ])
            .from(DomainPermissions::Table)
            .and_where(tenant_is(DomainPermissions::TenantId, tenant_id))
            .cond_where(
                Cond::any()
                    .add(Expr::col(DomainPermissions::UserId).eq(user_id))
                    .add(one_of(DomainPermissions::GroupId, group_ids)),
            )
            .order_by(DomainPermissions::DomainId, Order::Asc)
            .order_by(DomainPermissions::Id, Order::Asc)
            .to_owned();
        for row in conn.query(&grants).await? {
            let Ok(permission) = row.get::<String>(2)?.parse() else {
                continue;
            };
            access.domain_grants.push(DomainGrantRecord {
                id: row.get(0)?,
                domain_id: row.get(1)?,
                permission,
                user_id: row.get(3)?,
                group_id: row.get(4)?,
                created_at: row.get(5)?,
            });
        }
        access.attributes = attributes_of(&mut conn, tenant_id, &[user_id])
            .await?
            .remove(&user_id)
            .unwrap_or_default();
        Ok(access)
    }

    /// Users whose username, name or email contains `filter`, or whose global id is listed; ordered by id.
    pub async fn search_users(
        &self,
        tenant_id: Uuid,
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
            .to_owned();
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
        let mut conn = self.backend.read().await?;
        let users = conn
            .query(&query)
            .await?
            .iter()
            .map(|row| decode_user(row, 0))
            .collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<i64> = users.iter().map(|user| user.id).collect();
        let mut attributes = attributes_of(&mut conn, tenant_id, &ids).await?;
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
        tenant_id: Uuid,
        filter: Option<&str>,
        limit: u64,
    ) -> Result<Vec<GroupRecord>, StoreError> {
        let mut query = Query::select()
            .columns([UserGroups::Id, UserGroups::IamId, UserGroups::Name, UserGroups::Email])
            .from(UserGroups::Table)
            .and_where(tenant_is(UserGroups::TenantId, tenant_id))
            .order_by(UserGroups::Id, Order::Asc)
            .limit(limit_of(limit))
            .to_owned();
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
        tenant_id: Uuid,
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
            .to_owned();
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
    pub async fn domains(&self, tenant_id: Uuid, ids: Option<&[String]>) -> Result<Vec<DomainRecord>, StoreError> {
        let mut query = Query::select()
            .columns([Domains::Id, Domains::Name, Domains::Description])
            .from(Domains::Table)
            .and_where(tenant_is(Domains::TenantId, tenant_id))
            .order_by(Domains::Name, Order::Asc)
            .order_by(Domains::Id, Order::Asc)
            .to_owned();
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

    pub async fn domain(&self, tenant_id: Uuid, id: &str) -> Result<Option<DomainRecord>, StoreError> {
        Ok(self
            .domains(tenant_id, Some(&[id.to_owned()]))
            .await?
            .into_iter()
            .next())
    }

    /// A page of a domain's data sources, by id, and how many match in all.
    pub async fn domain_data_sources(
        &self,
        tenant_id: Uuid,
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
            .to_owned();
        if let Some(search) = search_text.filter(|text| !text.is_empty()) {
            query.and_where(contains(DataSources::Name, search));
        }
        if !ids.is_empty() {
            query.and_where(one_of(DataSources::Id, ids.iter().copied()));
        }
        let mut conn = self.backend.read().await?;
        let total = count(&mut conn, query.clone()).await?;
        let paged = query.limit(limit_of(page.limit)).offset(page.offset).to_owned();
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
        tenant_id: Uuid,
        search_text: Option<&str>,
        fuzzy: bool,
        limit: u64,
    ) -> Result<Vec<TagRecord>, StoreError> {
        let mut query = select_tags(tenant_id).limit(limit_of(limit)).to_owned();
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
        tenant_id: Uuid,
        filter: &AppliedTagFilter,
    ) -> Result<(Vec<TagRecord>, u64), StoreError> {
        let mut applied = Cond::any();
        if filter.on_data_sources {
            let mut on_sources = Query::select()
                .column(DataSourceTags::TagId)
                .from(DataSourceTags::Table)
                .and_where(tenant_is(DataSourceTags::TenantId, tenant_id))
                .to_owned();
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
                .to_owned();
            if let Some(ids) = &filter.data_source_ids {
                on_columns.and_where(one_of(ColumnTags::DataSourceId, ids.iter().copied()));
            }
            applied = applied.add(Expr::col((Tags::Table, Tags::Id)).in_subquery(on_columns));
        }
        let mut query = select_tags(tenant_id).cond_where(applied).to_owned();
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
            .to_owned();
        let rows = conn.query(&paged).await?;
        let tags = rows.iter().map(decode_tag).collect::<Result<Vec<_>, _>>()?;
        Ok((tags, total))
    }
}

fn select_tags(tenant_id: Uuid) -> SelectStatement {
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
        .to_owned()
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

/// The attributes of the given users, as `{key: [values]}` per user id.
pub(crate) async fn attributes_of(
    conn: &mut Conn,
    tenant_id: Uuid,
    user_ids: &[i64],
) -> Result<BTreeMap<i64, BTreeMap<String, Vec<String>>>, StoreError> {
    let mut result: BTreeMap<i64, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    if user_ids.is_empty() {
        return Ok(result);
    }
    let query = Query::select()
        .columns([UserAttributes::UserId, UserAttributes::Key, UserAttributes::Value])
        .from(UserAttributes::Table)
        .and_where(tenant_is(UserAttributes::TenantId, tenant_id))
        .and_where(one_of(UserAttributes::UserId, user_ids.iter().copied()))
        .order_by(UserAttributes::UserId, Order::Asc)
        .order_by(UserAttributes::Key, Order::Asc)
        .order_by(UserAttributes::Value, Order::Asc)
        .to_owned();
    for row in conn.query(&query).await? {
        result
            .entry(row.get(0)?)
            .or_default()
            .entry(row.get(1)?)
            .or_default()
            .push(row.get(2)?);
    }
    Ok(result)
}
