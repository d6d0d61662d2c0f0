//! Reads a tenant's stored directory back into the normalised form the file parses to, so the two compare.

mod connections;

use crate::db::Conn;
use crate::schema::{
    ColumnTags, Columns, DataSourceTags, DataSources, DomainPermissions, Domains, GroupMembers, Tags, UserAttributes,
    UserGroups, UserPermissions, Users,
};
use crate::{StoreError, Tenant};
use marketplace_domain::directory::{Column, DataSource, Directory, Domain, Group, Tag, TenantProfile, User};
use sea_query::{Expr, ExprTrait, Iden, IntoIden, Order, Query, SelectStatement};

/// `SELECT columns FROM table WHERE tenant_id = ?`.
fn select_of<T: Iden + Copy + 'static>(table: T, tenant_column: T, columns: &[T], tenant: &Tenant) -> SelectStatement {
    Query::select()
        .columns(columns.iter().map(|column| column.into_iden()))
        .from(table)
        .and_where(Expr::col(tenant_column).eq(tenant.id.to_string()))
        .take()
}

pub(crate) async fn directory(conn: &mut Conn, tenant: &Tenant) -> Result<Directory, StoreError> {
    let mut directory = Directory {
        tenant: TenantProfile {
            id: Some(tenant.id),
            short_key: tenant.short_key.clone(),
            name: tenant.name.clone(),
            fqdn: tenant.fqdn.clone(),
            theme: tenant.theme.clone(),
            open_id_connect: tenant.open_id_connect.clone(),
        },
        domains: Default::default(),
        tags: Default::default(),
        users: Default::default(),
        groups: Default::default(),
        data_sources: Default::default(),
        connections: Default::default(),
    };

    let query = select_of(
        Domains::Table,
        Domains::TenantId,
        &[Domains::Id, Domains::Name, Domains::Description],
        tenant,
    );
    for row in conn.query(&query).await? {
        let domain = Domain {
            id: row.get(0)?,
            name: row.get(1)?,
            description: row.get(2)?,
        };
        directory.domains.insert(domain.id.clone(), domain);
    }

    let columns = [
        Tags::Id,
        Tags::Name,
        Tags::DisplayName,
        Tags::Description,
        Tags::Color,
        Tags::Source,
        Tags::Protected,
        Tags::SystemCreated,
    ];
    for row in conn
        .query(&select_of(Tags::Table, Tags::TenantId, &columns, tenant))
        .await?
    {
        let tag = Tag {
            id: row.get(0)?,
            name: row.get(1)?,
            display_name: row.get(2)?,
            description: row.get(3)?,
            color: row.get(4)?,
            source: row.get(5)?,
            protected: row.get(6)?,
            system_created: row.get(7)?,
        };
        directory.tags.insert(tag.id, tag);
    }

    let columns = [
        Users::Id,
        Users::IamId,
        Users::GlobalUserId,
        Users::Username,
        Users::Name,
        Users::Email,
    ];
    for row in conn
        .query(&select_of(Users::Table, Users::TenantId, &columns, tenant))
        .await?
    {
        let user = User {
            id: row.get(0)?,
            iam_id: row.get(1)?,
            global_user_id: row.get(2)?,
            username: row.get(3)?,
            name: row.get(4)?,
            email: row.get(5)?,
            permissions: Default::default(),
            domain_permissions: Default::default(),
            attributes: Default::default(),
            accounts: Default::default(),
        };
        directory.users.insert(user.id, user);
    }
    let columns = [UserPermissions::UserId, UserPermissions::Permission];
    let query = select_of(UserPermissions::Table, UserPermissions::TenantId, &columns, tenant);
    for row in conn.query(&query).await? {
        if let (Some(user), Ok(permission)) = (
            directory.users.get_mut(&row.get::<i64>(0)?),
            row.get::<String>(1)?.parse(),
        ) {
            user.permissions.insert(permission);
        }
    }
    let columns = [UserAttributes::UserId, UserAttributes::Key, UserAttributes::Value];
    let query = select_of(UserAttributes::Table, UserAttributes::TenantId, &columns, tenant);
    for row in conn.query(&query).await? {
        if let Some(user) = directory.users.get_mut(&row.get::<i64>(0)?) {
            user.attributes.entry(row.get(1)?).or_default().insert(row.get(2)?);
        }
    }

    let columns = [UserGroups::Id, UserGroups::IamId, UserGroups::Name, UserGroups::Email];
    for row in conn
        .query(&select_of(UserGroups::Table, UserGroups::TenantId, &columns, tenant))
        .await?
    {
        let group = Group {
            id: row.get(0)?,
            iam_id: row.get(1)?,
            name: row.get(2)?,
            email: row.get(3)?,
            members: Default::default(),
            domain_permissions: Default::default(),
        };
        directory.groups.insert(group.id, group);
    }
    let columns = [GroupMembers::GroupId, GroupMembers::UserId];
    for row in conn
        .query(&select_of(
            GroupMembers::Table,
            GroupMembers::TenantId,
            &columns,
            tenant,
        ))
        .await?
    {
        if let Some(group) = directory.groups.get_mut(&row.get::<i64>(0)?) {
            group.members.insert(row.get(1)?);
        }
    }

    let columns = [
        DomainPermissions::DomainId,
        DomainPermissions::Permission,
        DomainPermissions::UserId,
        DomainPermissions::GroupId,
    ];
    let query = select_of(DomainPermissions::Table, DomainPermissions::TenantId, &columns, tenant);
    for row in conn.query(&query).await? {
        let Ok(permission) = row.get::<String>(1)?.parse() else {
            continue;
        };
        let grant = (row.get::<String>(0)?, permission);
        let holder = match (row.get::<Option<i64>>(2)?, row.get::<Option<i64>>(3)?) {
            (Some(user), _) => directory.users.get_mut(&user).map(|user| &mut user.domain_permissions),
            (None, Some(group)) => directory
                .groups
                .get_mut(&group)
                .map(|group| &mut group.domain_permissions),
            (None, None) => None,
        };
        if let Some(grants) = holder {
            grants.insert(grant);
        }
    }

    let columns = [
        DataSources::Id,
        DataSources::Name,
        DataSources::DomainId,
        DataSources::Platform,
        DataSources::Hostname,
        DataSources::DatabaseName,
        DataSources::SchemaName,
        DataSources::TableName,
        DataSources::Prefix,
        DataSources::ConnectionName,
    ];
    for row in conn
        .query(&select_of(DataSources::Table, DataSources::TenantId, &columns, tenant))
        .await?
    {
        let source = DataSource {
            id: row.get(0)?,
            name: row.get(1)?,
            domain_id: row.get(2)?,
            platform: row.get(3)?,
            hostname: row.get(4)?,
            database: row.get(5)?,
            schema: row.get(6)?,
            table: row.get(7)?,
            prefix: row.get(8)?,
            tags: Default::default(),
            columns: Vec::new(),
            connection: row.get(9)?,
        };
        directory.data_sources.insert(source.id, source);
    }
    let columns = [DataSourceTags::DataSourceId, DataSourceTags::TagId];
    let query = select_of(DataSourceTags::Table, DataSourceTags::TenantId, &columns, tenant);
    for row in conn.query(&query).await? {
        if let Some(source) = directory.data_sources.get_mut(&row.get::<i64>(0)?) {
            source.tags.insert(row.get(1)?);
        }
    }
    let columns = [
        Columns::DataSourceId,
        Columns::Name,
        Columns::DataType,
        Columns::GlobalMasking,
        Columns::LocalMasking,
    ];
    let query = select_of(Columns::Table, Columns::TenantId, &columns, tenant)
        .order_by(Columns::DataSourceId, Order::Asc)
        .order_by(Columns::Position, Order::Asc)
        .take();
    for row in conn.query(&query).await? {
        if let Some(source) = directory.data_sources.get_mut(&row.get::<i64>(0)?) {
            source.columns.push(Column {
                name: row.get(1)?,
                data_type: row.get(2)?,
                tags: Default::default(),
                global_masking: row.get(3)?,
                local_masking: row.get(4)?,
            });
        }
    }
    let columns = [ColumnTags::DataSourceId, ColumnTags::ColumnName, ColumnTags::TagId];
    for row in conn
        .query(&select_of(ColumnTags::Table, ColumnTags::TenantId, &columns, tenant))
        .await?
    {
        let column_name: String = row.get(1)?;
        let column = directory
            .data_sources
            .get_mut(&row.get::<i64>(0)?)
            .and_then(|source| source.columns.iter_mut().find(|column| column.name == column_name));
        if let Some(column) = column {
            column.tags.insert(row.get(2)?);
        }
    }
    connections::load(conn, tenant, &mut directory).await?;
    Ok(directory)
}
