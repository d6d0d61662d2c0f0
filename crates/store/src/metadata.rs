//! Reads of the governance directory that the metadata endpoints and the permission checks serve from.

use crate::db::{NumbersBound, NumbersTemplate, Row};
use crate::query::tenant_is;
use crate::schema::{UserAttributes, Users};
use crate::{Store, StoreError};
use marketplace_domain::access::Person;
use marketplace_domain::ids::{GlobalUserId, TenantId, UserId};
use marketplace_domain::pagination::OffsetPage;
use marketplace_domain::{DomainPermission, GlobalPermission, Timestamp};
use sea_query::{Expr, ExprTrait, Order, Query};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    pub iam_id: String,
    pub global_user_id: GlobalUserId,
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
    pub user_id: Option<UserId>,
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
    pub fn into_person(self, global_user_id: GlobalUserId) -> Person {
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

impl Store {
    pub async fn user_by_username(
        &self,
        tenant_id: TenantId,
        username: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        let query = Query::select()
            .columns(user_columns())
            .from(Users::Table)
            .and_where(tenant_is((Users::Table, Users::TenantId), tenant_id))
            .and_where(Expr::col((Users::Table, Users::Username)).eq(username))
            .take();
        let row = self.backend.read().await?.query_opt(&query).await?;
        row.map(|row| decode_user(&row, 0)).transpose()
    }
}

/// The attributes of some users (at least one), ordered by user, key and value.
pub(crate) fn attributes_of(tenant_id: TenantId, user_ids: &[UserId]) -> NumbersBound<'static, 1> {
    ATTRIBUTES_OF.with([tenant_id.to_string().into()], ids(user_ids))
}

static ATTRIBUTES_OF: NumbersTemplate<1> = NumbersTemplate::new(|[tenant], users| {
    Query::select()
        .columns([UserAttributes::UserId, UserAttributes::Key, UserAttributes::Value])
        .from(UserAttributes::Table)
        .and_where(Expr::col(UserAttributes::TenantId).eq(tenant))
        .and_where(users.holds(UserAttributes::UserId))
        .order_by(UserAttributes::UserId, Order::Asc)
        .order_by(UserAttributes::Key, Order::Asc)
        .order_by(UserAttributes::Value, Order::Asc)
        .take()
});

/// Users (at least one) by numeric id.
pub(crate) fn users_of(tenant_id: TenantId, user_ids: &[UserId]) -> NumbersBound<'static, 1> {
    USERS_OF.with([tenant_id.to_string().into()], ids(user_ids))
}

static USERS_OF: NumbersTemplate<1> = NumbersTemplate::new(|[tenant], users| {
    Query::select()
        .columns(user_columns())
        .from(Users::Table)
        .and_where(Expr::col((Users::Table, Users::TenantId)).eq(tenant))
        .and_where(users.holds((Users::Table, Users::Id)))
        .take()
});

fn ids(user_ids: &[UserId]) -> Vec<i64> {
    user_ids.iter().map(|id| id.0).collect()
}

/// Users by id, each with their attributes (`{key: [values]}`).
pub type ShownUsers = BTreeMap<UserId, (UserRecord, BTreeMap<String, Vec<String>>)>;

/// The rows of [`users_of`] and [`attributes_of`] (or queries of their shape), as [`ShownUsers`].
pub(crate) fn users_with_attributes(users: &[Row], attributes: &[Row]) -> Result<ShownUsers, StoreError> {
    let mut attributes = decode_attributes(attributes)?;
    users
        .iter()
        .map(|row| {
            let user = decode_user(row, 0)?;
            let own = attributes.remove(&user.id).unwrap_or_default();
            Ok((user.id, (user, own)))
        })
        .collect()
}

/// The rows of [`attributes_of`], as `{key: [values]}` per user id.
pub(crate) fn decode_attributes(rows: &[Row]) -> Result<BTreeMap<UserId, BTreeMap<String, Vec<String>>>, StoreError> {
    let mut result: BTreeMap<UserId, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for row in rows {
        result
            .entry(row.get(0)?)
            .or_default()
            .entry(row.get(1)?)
            .or_default()
            .push(row.get(2)?);
    }
    Ok(result)
}

pub(crate) mod access;
