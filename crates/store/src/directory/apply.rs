//! Writes the changes an import found. Removals of records others depend on come first, records are then
//! created or updated parent-first, and tags and domains no longer referenced go last.

mod records;

use marketplace_domain::ids::TenantId;
use records::{save_data_source, save_group, save_user};

use crate::StoreError;
use crate::db::Conn;
use crate::schema::{DataSources, Domains, Tags, Tenants, UserGroups, Users};
use marketplace_domain::Timestamp;
use marketplace_domain::directory::{Change, ChangeKind, Directory, EntityRef, Tag, TenantProfile};
use sea_query::{Expr, ExprTrait, Iden, InsertStatement, OnConflict, Query, SimpleExpr, UpdateStatement};
use uuid::Uuid;

pub(crate) async fn changes(
    conn: &mut Conn,
    tenant_id: TenantId,
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
pub(super) fn upsert<T: Iden + Copy + 'static>(
    key: impl IntoIterator<Item = T>,
    update: impl IntoIterator<Item = T>,
) -> OnConflict {
    OnConflict::columns(key).update_columns(update).to_owned()
}

pub(super) async fn delete<T: Iden + Copy + 'static>(
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
pub(super) async fn insert_rows(conn: &mut Conn, insert: InsertStatement, rows: usize) -> Result<(), StoreError> {
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
