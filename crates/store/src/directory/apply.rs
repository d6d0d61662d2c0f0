//! Writes the changes an import found. Removals of records others depend on come first, records are then
//! created or updated parent-first, and tags and domains no longer referenced go last.

use crate::StoreError;
use crate::db::Conn;
use crate::schema::{
    ColumnTags, Columns, DataSourceTags, DataSources, DomainPermissions, Domains, GroupMembers, Tags, Tenants,
    UserAttributes, UserGroups, UserPermissions, Users,
};
use marketplace_domain::Timestamp;
use marketplace_domain::directory::{
    Change, ChangeKind, DataSource, Directory, DomainGrant, EntityRef, Group, Tag, TenantProfile, User,
};
use sea_query::{Expr, ExprTrait, Iden, InsertStatement, OnConflict, Query, SimpleExpr, UpdateStatement};
use uuid::Uuid;

pub(crate) async fn changes(
    conn: &mut Conn,
    tenant_id: Uuid,
    desired: &Directory,
    changes: &[Change],
    now: Timestamp,
) -> Result<(), StoreError> {
    let tenant = tenant_id.to_string();
    park_unique_names(conn, &tenant, changes).await?;
    let removed = |change: &&Change| change.kind == ChangeKind::Removed;
    for change in changes.iter().filter(removed) {
        match &change.entity {
            EntityRef::DataSource(id) => {
                delete(
                    conn,
                    DataSources::Table,
                    DataSources::TenantId,
                    DataSources::Id,
                    &tenant,
                    *id,
                )
                .await?
            }
            EntityRef::Group(id) => {
                delete(
                    conn,
                    UserGroups::Table,
                    UserGroups::TenantId,
                    UserGroups::Id,
                    &tenant,
                    *id,
                )
                .await?
            }
            EntityRef::User(id) => delete(conn, Users::Table, Users::TenantId, Users::Id, &tenant, *id).await?,
            _ => {}
        }
    }
    for change in changes.iter().filter(|change| change.kind != ChangeKind::Removed) {
        match &change.entity {
            EntityRef::Tenant => {
                save_tenant(conn, &tenant, &desired.tenant, change.kind, now).await?;
                crate::catalog::ensure_standard_form(conn, tenant_id, now).await?;
            }
            EntityRef::Domain(id) => {
                let domain = &desired.domains[id];
                let insert = Query::insert()
                    .into_table(Domains::Table)
                    .columns([
                        Domains::TenantId,
                        Domains::Id,
                        Domains::Name,
                        Domains::Description,
                        Domains::CreatedAt,
                    ])
                    .values_panic([
                        tenant.clone().into(),
                        domain.id.clone().into(),
                        domain.name.clone().into(),
                        domain.description.clone().into(),
                        now.millis().into(),
                    ])
                    .on_conflict(upsert(
                        [Domains::TenantId, Domains::Id],
                        [Domains::Name, Domains::Description],
                    ))
                    .to_owned();
                conn.execute(&insert).await?;
            }
            EntityRef::Tag(id) => save_tag(conn, &tenant, &desired.tags[id], now).await?,
            EntityRef::User(id) => save_user(conn, &tenant, &desired.users[id], now).await?,
            EntityRef::Group(id) => save_group(conn, &tenant, &desired.groups[id], now).await?,
            EntityRef::DataSource(id) => save_data_source(conn, &tenant, &desired.data_sources[id], now).await?,
        }
    }
    for change in changes.iter().filter(removed) {
        match &change.entity {
            EntityRef::Tag(id) => delete(conn, Tags::Table, Tags::TenantId, Tags::Id, &tenant, *id).await?,
            EntityRef::Domain(id) => {
                delete(
                    conn,
                    Domains::Table,
                    Domains::TenantId,
                    Domains::Id,
                    &tenant,
                    id.clone(),
                )
                .await?
            }
            _ => {}
        }
    }
    let objects = marketplace_domain::directory::data_objects(tenant_id, desired);
    crate::catalog::sync_data_objects(conn, tenant_id, &objects, now).await
}

/// Names must be unique only once the import is done: two records may swap names, or a new record may take
/// the name of one being removed. So every record about to be updated or removed first gets a placeholder
/// name no file can contain, and takes its final name (or goes) afterwards.
async fn park_unique_names(conn: &mut Conn, tenant: &str, changes: &[Change]) -> Result<(), StoreError> {
    for change in changes.iter().filter(|change| change.kind != ChangeKind::Added) {
        let placeholder = |id: &dyn std::fmt::Display| SimpleExpr::from(format!("\u{1}parked:{id}"));
        let update = match &change.entity {
            EntityRef::Tenant => continue,
            EntityRef::Domain(id) => park(
                Domains::Table,
                [(Domains::Name, placeholder(id))],
                (Domains::TenantId, Domains::Id),
                tenant,
                id.as_str(),
            ),
            EntityRef::Tag(id) => park(
                Tags::Table,
                [(Tags::Name, placeholder(id))],
                (Tags::TenantId, Tags::Id),
                tenant,
                *id,
            ),
            EntityRef::User(id) => park(
                Users::Table,
                [
                    (Users::Username, placeholder(id)),
                    (Users::GlobalUserId, placeholder(id)),
                ],
                (Users::TenantId, Users::Id),
                tenant,
                *id,
            ),
            EntityRef::Group(id) => park(
                UserGroups::Table,
                [(UserGroups::Name, placeholder(id))],
                (UserGroups::TenantId, UserGroups::Id),
                tenant,
                *id,
            ),
            EntityRef::DataSource(id) => park(
                DataSources::Table,
                [(DataSources::Name, placeholder(id))],
                (DataSources::TenantId, DataSources::Id),
                tenant,
                *id,
            ),
        };
        conn.execute(&update).await?;
    }
    Ok(())
}

/// `UPDATE table SET placeholders WHERE tenant_id = ? AND id = ?`.
fn park<T: Iden + Copy + 'static>(
    table: T,
    placeholders: impl IntoIterator<Item = (T, SimpleExpr)>,
    (tenant_column, id_column): (T, T),
    tenant: &str,
    id: impl Into<SimpleExpr>,
) -> UpdateStatement {
    Query::update()
        .table(table)
        .values(placeholders)
        .and_where(Expr::col(tenant_column).eq(tenant))
        .and_where(Expr::col(id_column).eq(id))
        .to_owned()
}

/// `ON CONFLICT (key) DO UPDATE SET` the given columns to the new values.
fn upsert<T: Iden + Copy + 'static>(
    key: impl IntoIterator<Item = T>,
    update: impl IntoIterator<Item = T>,
) -> OnConflict {
    OnConflict::columns(key).update_columns(update).to_owned()
}

async fn delete<T: Iden + Copy + 'static>(
    conn: &mut Conn,
    table: T,
    tenant_column: T,
    id_column: T,
    tenant: &str,
    id: impl Into<SimpleExpr>,
) -> Result<(), StoreError> {
    let delete = Query::delete()
        .from_table(table)
        .and_where(Expr::col(tenant_column).eq(tenant))
        .and_where(Expr::col(id_column).eq(id))
        .to_owned();
    conn.execute(&delete).await.map(drop)
}

/// Runs an insert unless it has no rows (an empty `VALUES` is not SQL).
async fn insert_rows(conn: &mut Conn, insert: InsertStatement, rows: usize) -> Result<(), StoreError> {
    if rows > 0 {
        conn.execute(&insert).await?;
    }
    Ok(())
}

async fn save_tenant(
    conn: &mut Conn,
    tenant: &str,
    profile: &TenantProfile,
    kind: ChangeKind,
    now: Timestamp,
) -> Result<(), StoreError> {
    let theme = &profile.theme;
    let values: [(Tenants, SimpleExpr); 7] = [
        (Tenants::Name, profile.name.clone().into()),
        (Tenants::Fqdn, profile.fqdn.clone().into()),
        (Tenants::ThemePrimaryColor, theme.primary_color.clone().into()),
        (Tenants::ThemeAccentColor, theme.accent_color.clone().into()),
        (Tenants::ThemeLightModeImage, theme.light_mode_image.clone().into()),
        (Tenants::ThemeDarkModeImage, theme.dark_mode_image.clone().into()),
        (Tenants::UpdatedAt, now.millis().into()),
    ];
    if kind == ChangeKind::Added {
        let (columns, exprs): (Vec<_>, Vec<_>) = values.into_iter().unzip();
        let insert = Query::insert()
            .into_table(Tenants::Table)
            .columns(columns.into_iter().chain([
                Tenants::Id,
                Tenants::ShortKey,
                Tenants::OrganizationId,
                Tenants::CreatedAt,
            ]))
            .values_panic(exprs.into_iter().chain([
                tenant.into(),
                profile.short_key.clone().into(),
                Uuid::now_v7().to_string().into(),
                now.millis().into(),
            ]))
            .to_owned();
        conn.execute(&insert).await.map(drop)
    } else {
        let update = Query::update()
            .table(Tenants::Table)
            .values(values)
            .and_where(Expr::col(Tenants::Id).eq(tenant))
            .to_owned();
        conn.execute(&update).await.map(drop)
    }
}

async fn save_tag(conn: &mut Conn, tenant: &str, tag: &Tag, now: Timestamp) -> Result<(), StoreError> {
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
        .values_panic([
            tenant.into(),
            tag.id.into(),
            tag.name.clone().into(),
            tag.display_name.clone().into(),
            tag.description.clone().into(),
            tag.color.clone().into(),
            tag.source.clone().into(),
            tag.protected.into(),
            tag.system_created.into(),
            now.millis().into(),
            now.millis().into(),
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
        .to_owned();
    conn.execute(&insert).await.map(drop)
}

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

async fn save_user(conn: &mut Conn, tenant: &str, user: &User, now: Timestamp) -> Result<(), StoreError> {
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

async fn save_group(conn: &mut Conn, tenant: &str, group: &Group, now: Timestamp) -> Result<(), StoreError> {
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

async fn save_data_source(
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
