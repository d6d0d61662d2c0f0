//! Who holds an approver key today: the inverse of `access_request::person_keys`, read from the directory.

use crate::StoreError;
use crate::db::Conn;
use crate::query::tenant_is;
use crate::schema::{DomainPermissions, GroupMembers, UserAttributes, UserGroups, UserPermissions, Users};
use marketplace_domain::ids::{TenantId, UserId};
use sea_query::{Expr, ExprTrait, Query, SelectStatement, SimpleExpr};
use std::collections::BTreeSet;

/// The ids of the users who hold one of `keys` (`user:`, `group:`, `group-name:`, `permission:`,
/// `domain:<id>:<permission>`, `attribute:<key>=<value>`). A key of an unknown shape matches nobody.
pub(crate) async fn holders(
    conn: &mut Conn,
    tenant_id: TenantId,
    keys: &[String],
) -> Result<BTreeSet<UserId>, StoreError> {
    let mut users = BTreeSet::new();
    for key in keys {
        for query in queries(tenant_id, key) {
            for row in conn.query(&query).await? {
                users.insert(row.get::<UserId>(0)?);
            }
        }
    }
    Ok(users)
}

/// The members of the groups `group` picks.
fn members(tenant_id: TenantId, group: SimpleExpr) -> SelectStatement {
    Query::select()
        .column(GroupMembers::UserId)
        .from(GroupMembers::Table)
        .and_where(tenant_is(GroupMembers::TenantId, tenant_id))
        .and_where(group)
        .take()
}

fn members_of_groups(tenant_id: TenantId, groups: SelectStatement) -> SelectStatement {
    members(tenant_id, Expr::col(GroupMembers::GroupId).in_subquery(groups))
}

fn queries(tenant_id: TenantId, key: &str) -> Vec<SelectStatement> {
    let Some((kind, value)) = key.split_once(':') else {
        return Vec::new();
    };
    match kind {
        "user" => vec![
            Query::select()
                .column(Users::Id)
                .from(Users::Table)
                .and_where(tenant_is(Users::TenantId, tenant_id))
                .and_where(Expr::col(Users::GlobalUserId).eq(value.to_lowercase()))
                .take(),
        ],
        "group" => match value.parse::<i64>() {
            Ok(group) => vec![members(tenant_id, Expr::col(GroupMembers::GroupId).eq(group))],
            Err(_) => Vec::new(),
        },
        "group-name" => vec![members_of_groups(
            tenant_id,
            Query::select()
                .column(UserGroups::Id)
                .from(UserGroups::Table)
                .and_where(tenant_is(UserGroups::TenantId, tenant_id))
                .and_where(Expr::col(UserGroups::Name).eq(value))
                .take(),
        )],
        "permission" => vec![
            Query::select()
                .column(UserPermissions::UserId)
                .from(UserPermissions::Table)
                .and_where(tenant_is(UserPermissions::TenantId, tenant_id))
                .and_where(Expr::col(UserPermissions::Permission).eq(value))
                .take(),
        ],
        "domain" => {
            let Some((domain, permission)) = value.rsplit_once(':') else {
                return Vec::new();
            };
            let grants = |column: DomainPermissions| {
                Query::select()
                    .column(column)
                    .from(DomainPermissions::Table)
                    .and_where(tenant_is(DomainPermissions::TenantId, tenant_id))
                    .and_where(Expr::col(DomainPermissions::DomainId).eq(domain))
                    .and_where(Expr::col(DomainPermissions::Permission).eq(permission))
                    .and_where(Expr::col(column).is_not_null())
                    .take()
            };
            vec![
                grants(DomainPermissions::UserId),
                members_of_groups(tenant_id, grants(DomainPermissions::GroupId)),
            ]
        }
        "attribute" => match value.split_once('=') {
            Some((name, held)) => vec![
                Query::select()
                    .column(UserAttributes::UserId)
                    .from(UserAttributes::Table)
                    .and_where(tenant_is(UserAttributes::TenantId, tenant_id))
                    .and_where(Expr::col(UserAttributes::Key).eq(name))
                    .and_where(Expr::col(UserAttributes::Value).eq(held))
                    .take(),
            ],
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}
