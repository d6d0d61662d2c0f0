//! Writing the directory's records with everything that hangs off them (a user's permissions and attributes,
//! a group's members, a data source's tags and columns), a kind of record at a time: the records, then the
//! old dependents of those that existed, then the new dependents, each in statements of many rows.

use super::batch::{delete_in, insert_batched, upsert};
use super::{Keys, Plan, Writer};
use crate::StoreError;
use crate::schema::{
    DomainPermissions, Domains, GroupMembers, Tags, UserAttributes, UserGroups, UserPermissions, Users,
};
use marketplace_domain::directory::{Directory, DomainGrant, Group, User};
use sea_query::{Query, SimpleExpr};
use std::collections::BTreeSet;
use uuid::Uuid;

mod data_sources;

pub(super) use data_sources::save_data_sources;

/// How many rows writing the saved records takes, dependents included.
pub(super) fn rows(desired: &Directory, plan: &Plan) -> usize {
    let users: usize = plan
        .users
        .saved()
        .map(|id| {
            let user = &desired.users[id];
            1 + user.permissions.len()
                + user.domain_permissions.len()
                + user.accounts.len()
                + user.attributes.values().map(BTreeSet::len).sum::<usize>()
        })
        .sum();
    let groups: usize = plan
        .groups
        .saved()
        .map(|id| {
            let group = &desired.groups[id];
            1 + group.members.len() + group.domain_permissions.len()
        })
        .sum();
    let sources: usize = plan
        .sources
        .saved()
        .map(|id| {
            let source = &desired.data_sources[id];
            let columns: usize = source.columns.iter().map(|column| 1 + column.tags.len()).sum();
            1 + source.tags.len() + columns
        })
        .sum();
    let named = plan.connections.saved().count() + plan.domains.saved().count() + plan.tags.saved().count();
    named + users + groups + sources
}

pub(super) async fn save_domains(
    w: &mut Writer<'_>,
    desired: &Directory,
    keys: &Keys<String>,
) -> Result<(), StoreError> {
    let insert = Query::insert()
        .into_table(Domains::Table)
        .columns([
            Domains::TenantId,
            Domains::Id,
            Domains::Name,
            Domains::Description,
            Domains::CreatedAt,
        ])
        .on_conflict(upsert(
            [Domains::TenantId, Domains::Id],
            [Domains::Name, Domains::Description],
        ))
        .take();
    let (tenant, now) = (w.tenant.clone(), w.now.millis());
    let rows = keys.saved().map(|id| {
        let domain = &desired.domains[id];
        [
            tenant.clone().into(),
            domain.id.clone().into(),
            domain.name.clone().into(),
            domain.description.clone().into(),
            now.into(),
        ]
    });
    insert_batched(w, &insert, rows).await
}

pub(super) async fn save_tags(w: &mut Writer<'_>, desired: &Directory, keys: &Keys<i64>) -> Result<(), StoreError> {
    let insert = Query::insert()
        .into_table(Tags::Table)
        .columns([
            Tags::TenantId,
            Tags::Id,
            Tags::Name,
            Tags::DisplayName,
            Tags::Description,
            Tags::Color,
            Tags::Source,
            Tags::Protected,
            Tags::SystemCreated,
            Tags::CreatedAt,
            Tags::UpdatedAt,
        ])
        .on_conflict(upsert(
            [Tags::TenantId, Tags::Id],
            [
                Tags::Name,
                Tags::DisplayName,
                Tags::Description,
                Tags::Color,
                Tags::Source,
                Tags::Protected,
                Tags::SystemCreated,
                Tags::UpdatedAt,
            ],
        ))
        .take();
    let (tenant, now) = (w.tenant.clone(), w.now.millis());
    let rows = keys.saved().map(|id| {
        let tag = &desired.tags[id];
        [
            tenant.clone().into(),
            tag.id.into(),
            tag.name.clone().into(),
            tag.display_name.clone().into(),
            tag.description.clone().into(),
            tag.color.clone().into(),
            tag.source.clone().into(),
            tag.protected.into(),
            tag.system_created.into(),
            now.into(),
            now.into(),
        ]
    });
    insert_batched(w, &insert, rows).await
}

/// Inserts the domain permissions held by users or by groups (`holder`).
async fn insert_grants<'a>(
    w: &mut Writer<'_>,
    holder: DomainPermissions,
    grants: impl Iterator<Item = (i64, &'a BTreeSet<DomainGrant>)>,
) -> Result<(), StoreError> {
    let insert = Query::insert()
        .into_table(DomainPermissions::Table)
        .columns([
            DomainPermissions::TenantId,
            DomainPermissions::Id,
            DomainPermissions::DomainId,
            DomainPermissions::Permission,
            holder,
            DomainPermissions::CreatedAt,
        ])
        .take();
    let (tenant, now) = (w.tenant.clone(), w.now.millis());
    let rows = grants.flat_map(|(holder_id, grants)| {
        let tenant = tenant.clone();
        grants.iter().map(move |(domain_id, permission)| -> [SimpleExpr; 6] {
            [
                tenant.clone().into(),
                Uuid::now_v7().to_string().into(),
                domain_id.clone().into(),
                permission.as_str().into(),
                holder_id.into(),
                now.into(),
            ]
        })
    });
    insert_batched(w, &insert, rows).await
}

pub(super) async fn save_users(w: &mut Writer<'_>, desired: &Directory, keys: &Keys<i64>) -> Result<(), StoreError> {
    let users: Vec<&User> = keys.saved().map(|id| &desired.users[id]).collect();
    let tenant = w.tenant.clone();
    let insert = Query::insert()
        .into_table(Users::Table)
        .columns([
            Users::TenantId,
            Users::Id,
            Users::IamId,
            Users::GlobalUserId,
            Users::Username,
            Users::Name,
            Users::Email,
        ])
        .on_conflict(upsert(
            [Users::TenantId, Users::Id],
            [
                Users::IamId,
                Users::GlobalUserId,
                Users::Username,
                Users::Name,
                Users::Email,
            ],
        ))
        .take();
    let rows = users.iter().map(|user| -> [SimpleExpr; 7] {
        [
            tenant.clone().into(),
            user.id.into(),
            user.iam_id.clone().into(),
            user.global_user_id.to_string().into(),
            user.username.clone().into(),
            user.name.clone().into(),
            user.email.clone().into(),
        ]
    });
    insert_batched(w, &insert, rows).await?;

    delete_in(
        w,
        UserPermissions::Table,
        UserPermissions::TenantId,
        UserPermissions::UserId,
        &keys.updated,
    )
    .await?;
    delete_in(
        w,
        UserAttributes::Table,
        UserAttributes::TenantId,
        UserAttributes::UserId,
        &keys.updated,
    )
    .await?;
    delete_in(
        w,
        DomainPermissions::Table,
        DomainPermissions::TenantId,
        DomainPermissions::UserId,
        &keys.updated,
    )
    .await?;

    let insert = Query::insert()
        .into_table(UserPermissions::Table)
        .columns([
            UserPermissions::TenantId,
            UserPermissions::UserId,
            UserPermissions::Permission,
        ])
        .take();
    let rows = users.iter().flat_map(|user| {
        let tenant = tenant.clone();
        user.permissions.iter().map(move |permission| -> [SimpleExpr; 3] {
            [tenant.clone().into(), user.id.into(), permission.as_str().into()]
        })
    });
    insert_batched(w, &insert, rows).await?;

    let insert = Query::insert()
        .into_table(UserAttributes::Table)
        .columns([
            UserAttributes::TenantId,
            UserAttributes::UserId,
            UserAttributes::Key,
            UserAttributes::Value,
        ])
        .take();
    let rows = users.iter().flat_map(|user| {
        let tenant = tenant.clone();
        user.attributes.iter().flat_map(move |(key, values)| {
            let tenant = tenant.clone();
            values.iter().map(move |value| -> [SimpleExpr; 4] {
                [
                    tenant.clone().into(),
                    user.id.into(),
                    key.clone().into(),
                    value.clone().into(),
                ]
            })
        })
    });
    insert_batched(w, &insert, rows).await?;
    super::connections::save_accounts(w, &users, &keys.updated).await?;
    let grants = users.iter().map(|user| (user.id, &user.domain_permissions));
    insert_grants(w, DomainPermissions::UserId, grants).await
}

pub(super) async fn save_groups(w: &mut Writer<'_>, desired: &Directory, keys: &Keys<i64>) -> Result<(), StoreError> {
    let groups: Vec<&Group> = keys.saved().map(|id| &desired.groups[id]).collect();
    let tenant = w.tenant.clone();
    let insert = Query::insert()
        .into_table(UserGroups::Table)
        .columns([
            UserGroups::TenantId,
            UserGroups::Id,
            UserGroups::IamId,
            UserGroups::Name,
            UserGroups::Email,
        ])
        .on_conflict(upsert(
            [UserGroups::TenantId, UserGroups::Id],
            [UserGroups::IamId, UserGroups::Name, UserGroups::Email],
        ))
        .take();
    let rows = groups.iter().map(|group| -> [SimpleExpr; 5] {
        [
            tenant.clone().into(),
            group.id.into(),
            group.iam_id.clone().into(),
            group.name.clone().into(),
            group.email.clone().into(),
        ]
    });
    insert_batched(w, &insert, rows).await?;

    delete_in(
        w,
        GroupMembers::Table,
        GroupMembers::TenantId,
        GroupMembers::GroupId,
        &keys.updated,
    )
    .await?;
    delete_in(
        w,
        DomainPermissions::Table,
        DomainPermissions::TenantId,
        DomainPermissions::GroupId,
        &keys.updated,
    )
    .await?;

    let insert = Query::insert()
        .into_table(GroupMembers::Table)
        .columns([GroupMembers::TenantId, GroupMembers::GroupId, GroupMembers::UserId])
        .take();
    let rows = groups.iter().flat_map(|group| {
        let tenant = tenant.clone();
        group
            .members
            .iter()
            .map(move |member| -> [SimpleExpr; 3] { [tenant.clone().into(), group.id.into(), (*member).into()] })
    });
    insert_batched(w, &insert, rows).await?;
    let grants = groups.iter().map(|group| (group.id, &group.domain_permissions));
    insert_grants(w, DomainPermissions::GroupId, grants).await
}
