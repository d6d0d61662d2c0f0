//! Writing one directory record with everything that hangs off it: a user's permissions and attributes, a
//! group's members, a data source's tags and columns.

use super::{delete, insert_rows, upsert};
use crate::StoreError;
use crate::db::Conn;
use crate::schema::{
    ColumnTags, Columns, DataSourceTags, DataSources, DomainPermissions, GroupMembers, UserAttributes, UserGroups,
    UserPermissions, Users,
};
use marketplace_domain::Timestamp;
use marketplace_domain::directory::{DataSource, DomainGrant, Group, User};
use sea_query::Query;
use uuid::Uuid;

/// Replaces the domain permissions held by one user or one group.
async fn replace_grants(
    conn: &mut Conn,
    tenant: &str,
    holder: DomainPermissions,
    holder_id: i64,
    grants: &std::collections::BTreeSet<DomainGrant>,
    now: Timestamp,
) -> Result<(), StoreError> {
    delete(
        conn,
        DomainPermissions::Table,
        DomainPermissions::TenantId,
        holder,
        tenant,
        holder_id,
    )
    .await?;
    let mut insert = Query::insert()
        .into_table(DomainPermissions::Table)
        .columns([
            DomainPermissions::TenantId,
            DomainPermissions::Id,
            DomainPermissions::DomainId,
            DomainPermissions::Permission,
            holder,
            DomainPermissions::CreatedAt,
        ])
        .to_owned();
    for (domain_id, permission) in grants {
        insert.values_panic([
            tenant.into(),
            Uuid::now_v7().to_string().into(),
            domain_id.clone().into(),
            permission.as_str().into(),
            holder_id.into(),
            now.millis().into(),
        ]);
    }
    insert_rows(conn, insert, grants.len()).await
}

pub(super) async fn save_user(conn: &mut Conn, tenant: &str, user: &User, now: Timestamp) -> Result<(), StoreError> {
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
        .values_panic([
            tenant.into(),
            user.id.into(),
            user.iam_id.clone().into(),
            user.global_user_id.to_string().into(),
            user.username.clone().into(),
            user.name.clone().into(),
            user.email.clone().into(),
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
        .to_owned();
    conn.execute(&insert).await?;

    delete(
        conn,
        UserPermissions::Table,
        UserPermissions::TenantId,
        UserPermissions::UserId,
        tenant,
        user.id,
    )
    .await?;
    let mut insert = Query::insert()
        .into_table(UserPermissions::Table)
        .columns([
            UserPermissions::TenantId,
            UserPermissions::UserId,
            UserPermissions::Permission,
        ])
        .to_owned();
    for permission in &user.permissions {
        insert.values_panic([tenant.into(), user.id.into(), permission.as_str().into()]);
    }
    insert_rows(conn, insert, user.permissions.len()).await?;

    delete(
        conn,
        UserAttributes::Table,
        UserAttributes::TenantId,
        UserAttributes::UserId,
        tenant,
        user.id,
    )
    .await?;
    let mut insert = Query::insert()
        .into_table(UserAttributes::Table)
        .columns([
            UserAttributes::TenantId,
            UserAttributes::UserId,
            UserAttributes::Key,
            UserAttributes::Value,
        ])
        .to_owned();
    let mut count = 0;
    for (key, values) in &user.attributes {
        for value in values {
            insert.values_panic([tenant.into(), user.id.into(), key.clone().into(), value.clone().into()]);
            count += 1;
        }
    }
    insert_rows(conn, insert, count).await?;
    replace_grants(
        conn,
        tenant,
        DomainPermissions::UserId,
        user.id,
        &user.domain_permissions,
        now,
    )
    .await
}

pub(super) async fn save_group(conn: &mut Conn, tenant: &str, group: &Group, now: Timestamp) -> Result<(), StoreError> {
    let insert = Query::insert()
        .into_table(UserGroups::Table)
        .columns([
            UserGroups::TenantId,
            UserGroups::Id,
            UserGroups::IamId,
            UserGroups::Name,
            UserGroups::Email,
        ])
        .values_panic([
            tenant.into(),
            group.id.into(),
            group.iam_id.clone().into(),
            group.name.clone().into(),
            group.email.clone().into(),
        ])
        .on_conflict(upsert(
            [UserGroups::TenantId, UserGroups::Id],
            [UserGroups::IamId, UserGroups::Name, UserGroups::Email],
        ))
        .to_owned();
    conn.execute(&insert).await?;
    delete(
        conn,
        GroupMembers::Table,
        GroupMembers::TenantId,
        GroupMembers::GroupId,
        tenant,
        group.id,
    )
    .await?;
    let mut insert = Query::insert()
        .into_table(GroupMembers::Table)
        .columns([GroupMembers::TenantId, GroupMembers::GroupId, GroupMembers::UserId])
        .to_owned();
    for member in &group.members {
        insert.values_panic([tenant.into(), group.id.into(), (*member).into()]);
    }
    insert_rows(conn, insert, group.members.len()).await?;
    replace_grants(
        conn,
        tenant,
        DomainPermissions::GroupId,
        group.id,
        &group.domain_permissions,
        now,
    )
    .await
}

pub(super) async fn save_data_source(
    conn: &mut Conn,
    tenant: &str,
    source: &DataSource,
    now: Timestamp,
) -> Result<(), StoreError> {
    let insert = Query::insert()
        .into_table(DataSources::Table)
        .columns([
            DataSources::TenantId,
            DataSources::Id,
            DataSources::Name,
            DataSources::DomainId,
            DataSources::Platform,
            DataSources::Hostname,
            DataSources::DatabaseName,
            DataSources::SchemaName,
            DataSources::TableName,
            DataSources::Prefix,
            DataSources::CreatedAt,
        ])
        .values_panic([
            tenant.into(),
            source.id.into(),
            source.name.clone().into(),
            source.domain_id.clone().into(),
            source.platform.clone().into(),
            source.hostname.clone().into(),
            source.database.clone().into(),
            source.schema.clone().into(),
            source.table.clone().into(),
            source.prefix.clone().into(),
            now.millis().into(),
        ])
        .on_conflict(upsert(
            [DataSources::TenantId, DataSources::Id],
            [
                DataSources::Name,
                DataSources::DomainId,
                DataSources::Platform,
                DataSources::Hostname,
                DataSources::DatabaseName,
                DataSources::SchemaName,
                DataSources::TableName,
                DataSources::Prefix,
            ],
        ))
        .to_owned();
    conn.execute(&insert).await?;

    delete(
        conn,
        DataSourceTags::Table,
        DataSourceTags::TenantId,
        DataSourceTags::DataSourceId,
        tenant,
        source.id,
    )
    .await?;
    let mut insert = Query::insert()
        .into_table(DataSourceTags::Table)
        .columns([
            DataSourceTags::TenantId,
            DataSourceTags::DataSourceId,
            DataSourceTags::TagId,
        ])
        .to_owned();
    for tag in &source.tags {
        insert.values_panic([tenant.into(), source.id.into(), (*tag).into()]);
    }
    insert_rows(conn, insert, source.tags.len()).await?;

    // Column tags go with their columns (ON DELETE CASCADE).
    delete(
        conn,
        Columns::Table,
        Columns::TenantId,
        Columns::DataSourceId,
        tenant,
        source.id,
    )
    .await?;
    let mut columns = Query::insert()
        .into_table(Columns::Table)
        .columns([
            Columns::TenantId,
            Columns::DataSourceId,
            Columns::Name,
            Columns::Position,
            Columns::DataType,
            Columns::GlobalMasking,
            Columns::LocalMasking,
        ])
        .to_owned();
    let mut tags = Query::insert()
        .into_table(ColumnTags::Table)
        .columns([
            ColumnTags::TenantId,
            ColumnTags::DataSourceId,
            ColumnTags::ColumnName,
            ColumnTags::TagId,
        ])
        .to_owned();
    let mut tag_count = 0;
    for (position, column) in source.columns.iter().enumerate() {
        columns.values_panic([
            tenant.into(),
            source.id.into(),
            column.name.clone().into(),
            (position as i64).into(),
            column.data_type.clone().into(),
            column.global_masking.clone().into(),
            column.local_masking.clone().into(),
        ]);
        for tag in &column.tags {
            tags.values_panic([
                tenant.into(),
                source.id.into(),
                column.name.clone().into(),
                (*tag).into(),
            ]);
            tag_count += 1;
        }
    }
    insert_rows(conn, columns, source.columns.len()).await?;
    insert_rows(conn, tags, tag_count).await
}
