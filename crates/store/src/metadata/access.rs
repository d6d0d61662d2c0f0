//! What a user holds — permissions, groups, domain grants, attributes — read in one statement: nearly every
//! request asks it once, and on PostgreSQL each statement is a round trip.

use super::{DomainGrantRecord, GroupRecord, UserAccess};
use crate::db::{Row, Template};
use crate::schema::{ApiTokens, DomainPermissions, GroupMembers, UserAttributes, UserGroups, UserPermissions};
use crate::{Store, StoreError};
use marketplace_domain::ids::{TenantId, UserId};
use sea_query::{
    Alias, CommonTableExpression, Cond, Expr, ExprTrait, IntoColumnRef, Query, SelectStatement, SimpleExpr, UnionType,
    Value, WithClause,
};

/// Every branch of the union has these columns: a kind, four texts and three numbers, NULL where unused.
const TEXTS: usize = 4;
const NUMBERS: usize = 3;

/// The union of the four, for a tenant and a user.
static USER_ACCESS: Template<2> = Template::new(|[tenant, user]| access_of(tenant, user.into()));

/// The same for the owner of a token: read beside the token's credential, so that on PostgreSQL the two share a
/// round trip (they are sent together). The owner is found once, as a common table each branch reads: PostgreSQL
/// materializes it, where a subquery per branch was five lookups of the token (a tenth of the statement's time).
pub(crate) static TOKEN_OWNER_ACCESS: Template<2> = Template::new(|[tenant, token]| {
    let owner = Alias::new("owner");
    let owner_id = Query::select().column(ApiTokens::UserId).from(owner.clone()).take();
    let mut query = access_of(tenant.clone(), SimpleExpr::SubQuery(None, Box::new(owner_id.into())));
    let table = CommonTableExpression::from_select(token_owner_query(tenant, token))
        .table_name(owner)
        .to_owned();
    query.with_cte(WithClause::new().cte(table).to_owned());
    query
});

/// The id of the user a token belongs to, as a value computed once before the statement that holds it runs (an
/// init plan on PostgreSQL), so that the user is found by primary key whatever the planner knows of the tables.
pub(crate) fn token_owner(tenant: Value, token: Value) -> SimpleExpr {
    SimpleExpr::SubQuery(None, Box::new(token_owner_query(tenant, token).into()))
}

fn token_owner_query(tenant: Value, token: Value) -> SelectStatement {
    Query::select()
        .column(ApiTokens::UserId)
        .from(ApiTokens::Table)
        .and_where(Expr::col(ApiTokens::TenantId).eq(tenant))
        .and_where(Expr::col(ApiTokens::Id).eq(token))
        .take()
}

/// What `user` holds in `tenant`: a union of five statements.
fn access_of(tenant: Value, user: SimpleExpr) -> SelectStatement {
    let mut query = branch("p", [Expr::col(UserPermissions::Permission)], [])
        .from(UserPermissions::Table)
        .and_where(Expr::col(UserPermissions::TenantId).eq(tenant.clone()))
        .and_where(Expr::col(UserPermissions::UserId).eq(user.clone()))
        .take();
    // Groups and group grants are joined through the user's memberships rather than read with `IN (SELECT …)`:
    // SQLite builds a temporary table for each such subquery, and this statement runs on every request.
    let groups = branch(
        "g",
        [
            Expr::col((UserGroups::Table, UserGroups::IamId)),
            Expr::col((UserGroups::Table, UserGroups::Name)),
            Expr::col((UserGroups::Table, UserGroups::Email)),
        ],
        [Expr::col((UserGroups::Table, UserGroups::Id))],
    )
    .from(GroupMembers::Table)
    .inner_join(
        UserGroups::Table,
        membership_of(
            (UserGroups::Table, UserGroups::TenantId),
            (UserGroups::Table, UserGroups::Id),
        ),
    )
    .cond_where(memberships(&tenant, &user))
    .take();
    let direct_grants = grants_branch()
        .from(DomainPermissions::Table)
        .and_where(Expr::col((DomainPermissions::Table, DomainPermissions::TenantId)).eq(tenant.clone()))
        .and_where(Expr::col((DomainPermissions::Table, DomainPermissions::UserId)).eq(user.clone()))
        .take();
    // A grant is to a user or to a group, never both, and a user is a member of a group once: no row twice.
    let group_grants = grants_branch()
        .from(GroupMembers::Table)
        .inner_join(
            DomainPermissions::Table,
            membership_of(
                (DomainPermissions::Table, DomainPermissions::TenantId),
                (DomainPermissions::Table, DomainPermissions::GroupId),
            ),
        )
        .cond_where(memberships(&tenant, &user))
        .take();
    let attributes = branch(
        "a",
        [Expr::col(UserAttributes::Key), Expr::col(UserAttributes::Value)],
        [],
    )
    .from(UserAttributes::Table)
    .and_where(Expr::col(UserAttributes::TenantId).eq(tenant))
    .and_where(Expr::col(UserAttributes::UserId).eq(user))
    .take();
    query
        .union(UnionType::All, groups)
        .union(UnionType::All, direct_grants)
        .union(UnionType::All, group_grants)
        .union(UnionType::All, attributes);
    query
}

impl Store {
    pub async fn user_access(&self, tenant_id: TenantId, user_id: UserId) -> Result<UserAccess, StoreError> {
        let query = USER_ACCESS.with([tenant_id.to_string().into(), user_id.0.into()]);
        decode_access(&self.backend.read().await?.query(&query).await?)
    }
}

/// What the rows of the union say.
pub(crate) fn decode_access(rows: &[Row]) -> Result<UserAccess, StoreError> {
    let mut access = UserAccess::default();
    for row in rows {
        add(&mut access, row)?;
    }
    // The order each list had when each was read on its own.
    access.groups.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
    access
        .domain_grants
        .sort_by(|a, b| (&a.domain_id, a.id).cmp(&(&b.domain_id, b.id)));
    for values in access.attributes.values_mut() {
        values.sort();
    }
    Ok(access)
}

/// `SELECT '<kind>', texts…, numbers…` padded with typed NULLs to the union's columns.
fn branch<const T: usize, const N: usize>(
    kind: &str,
    texts: [SimpleExpr; T],
    numbers: [SimpleExpr; N],
) -> SelectStatement {
    let mut select = Query::select();
    select.expr_as(Expr::cust(format!("'{kind}'")), Alias::new("kind"));
    let texts = texts
        .into_iter()
        .chain((T..TEXTS).map(|_| Expr::cust("CAST(NULL AS TEXT)")));
    for (index, text) in texts.enumerate() {
        select.expr_as(text, Alias::new(format!("t{index}")));
    }
    let numbers = numbers
        .into_iter()
        .chain((N..NUMBERS).map(|_| Expr::cust("CAST(NULL AS BIGINT)")));
    for (index, number) in numbers.enumerate() {
        select.expr_as(number, Alias::new(format!("n{index}")));
    }
    select
}

/// The rows of `group_members` that make `user` a member, for the branches that join through them.
fn memberships(tenant: &Value, user: &SimpleExpr) -> Cond {
    Cond::all()
        .add(Expr::col((GroupMembers::Table, GroupMembers::TenantId)).eq(tenant.clone()))
        .add(Expr::col((GroupMembers::Table, GroupMembers::UserId)).eq(user.clone()))
}

/// Joins a row naming a group (by its `tenant` and `group` columns) to the memberships of that group.
fn membership_of(tenant: impl IntoColumnRef, group: impl IntoColumnRef) -> SimpleExpr {
    Expr::col(tenant)
        .equals((GroupMembers::Table, GroupMembers::TenantId))
        .and(Expr::col(group).equals((GroupMembers::Table, GroupMembers::GroupId)))
}

/// The columns of a domain grant, for the direct and the group branch alike.
fn grants_branch() -> SelectStatement {
    let column = |name: DomainPermissions| Expr::col((DomainPermissions::Table, name));
    branch(
        "d",
        [
            column(DomainPermissions::Id),
            column(DomainPermissions::DomainId),
            column(DomainPermissions::Permission),
        ],
        [
            column(DomainPermissions::UserId),
            column(DomainPermissions::GroupId),
            column(DomainPermissions::CreatedAt),
        ],
    )
}

/// Adds one row of the union to what it belongs to. Permissions this version does not know grant nothing.
fn add(access: &mut UserAccess, row: &Row) -> Result<(), StoreError> {
    let text = |index: usize| row.get::<Option<String>>(1 + index);
    let number = |index: usize| row.get::<Option<i64>>(1 + TEXTS + index);
    let required = |value: Option<String>| value.ok_or_else(|| StoreError::Missing("a NULL in user access".into()));
    match row.get::<String>(0)?.as_str() {
        "p" => {
            if let Ok(permission) = required(text(0)?)?.parse() {
                access.permissions.insert(permission);
            }
        }
        "g" => access.groups.push(GroupRecord {
            id: number(0)?.ok_or_else(|| StoreError::Missing("a group without id".into()))?,
            iam_id: text(0)?,
            name: required(text(1)?)?,
            email: text(2)?,
        }),
        "d" => {
            if let Ok(permission) = required(text(2)?)?.parse() {
                access.domain_grants.push(DomainGrantRecord {
                    id: row.get(1)?,
                    domain_id: required(text(1)?)?,
                    permission,
                    user_id: number(0)?.map(UserId),
                    group_id: number(1)?,
                    created_at: row.get(1 + TEXTS + 2)?,
                });
            }
        }
        _ => {
            let (key, value) = (required(text(0)?)?, required(text(1)?)?);
            access.attributes.entry(key).or_default().push(value);
        }
    }
    Ok(())
}
