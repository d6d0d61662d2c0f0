//! Writes the changes an import found, many rows to a statement: removals of records others depend on come
//! first, records are then created or updated parent-first with what hangs off them, and tags and domains no
//! longer referenced go last. A directory of 50,000 users and 20,000 data sources is a few hundred statements,
//! not hundreds of thousands of round trips.

mod batch;
mod connections;
mod records;

use batch::delete_in;
use marketplace_domain::ids::TenantId;

use super::ImportStep;
use crate::StoreError;
use crate::db::Conn;
use crate::schema::{Connections, DataSources, Domains, Tags, Tenants, UserGroups, Users};
use marketplace_domain::Timestamp;
use marketplace_domain::directory::{Change, ChangeKind, Directory, EntityRef, SecretSource, TenantProfile};
use sea_query::{BinOper, Expr, ExprTrait, Iden, IntoIden, Query, SimpleExpr};
use uuid::Uuid;

/// The changes to one kind of record, by id.
struct Keys<K> {
    added: Vec<K>,
    updated: Vec<K>,
    removed: Vec<K>,
}

impl<K> Default for Keys<K> {
    fn default() -> Self {
        Self {
            added: Vec::new(),
            updated: Vec::new(),
            removed: Vec::new(),
        }
    }
}

impl<K: Clone> Keys<K> {
    fn push(&mut self, kind: ChangeKind, key: &K) {
        match kind {
            ChangeKind::Added => self.added.push(key.clone()),
            ChangeKind::Updated => self.updated.push(key.clone()),
            ChangeKind::Removed => self.removed.push(key.clone()),
        }
    }

    /// The records to write: those updated, then those added.
    fn saved(&self) -> impl Iterator<Item = &K> {
        self.updated.iter().chain(&self.added)
    }

    /// The stored records whose unique names another record of this import may take.
    fn stored(&self) -> Vec<K> {
        self.updated.iter().chain(&self.removed).cloned().collect()
    }

    fn is_empty(&self) -> bool {
        self.added.is_empty() && self.updated.is_empty() && self.removed.is_empty()
    }
}

/// An import's changes, by kind of record.
#[derive(Default)]
struct Plan {
    tenant: Option<ChangeKind>,
    connections: Keys<String>,
    domains: Keys<String>,
    tags: Keys<i64>,
    users: Keys<i64>,
    groups: Keys<i64>,
    sources: Keys<i64>,
}

impl Plan {
    fn new(changes: &[Change]) -> Self {
        let mut plan = Plan::default();
        for change in changes {
            match &change.entity {
                EntityRef::Tenant => plan.tenant = Some(change.kind),
                EntityRef::Domain(id) => plan.domains.push(change.kind, id),
                EntityRef::Tag(id) => plan.tags.push(change.kind, id),
                EntityRef::User(id) => plan.users.push(change.kind, id),
                EntityRef::Group(id) => plan.groups.push(change.kind, id),
                EntityRef::DataSource(id) => plan.sources.push(change.kind, id),
                EntityRef::Connection(name) => plan.connections.push(change.kind, name),
            }
        }
        plan
    }

    /// Rows written or deleted, for the progress reports.
    fn rows(&self, desired: &Directory) -> usize {
        let removed = self.connections.removed.len()
            + self.domains.removed.len()
            + self.tags.removed.len()
            + self.users.removed.len()
            + self.groups.removed.len()
            + self.sources.removed.len();
        usize::from(self.tenant.is_some()) + removed + records::rows(desired, self)
    }
}

/// The transaction being written, and how far it has got.
pub(super) struct Writer<'a> {
    conn: &'a mut Conn,
    tenant: String,
    now: Timestamp,
    done: usize,
    total: usize,
    progress: &'a mut dyn FnMut(ImportStep),
}

impl Writer<'_> {
    fn advance(&mut self, rows: usize) {
        self.done += rows;
        (self.progress)(ImportStep::Writing {
            rows: self.done,
            of: self.total,
        });
    }
}

pub(crate) async fn changes(
    conn: &mut Conn,
    tenant_id: TenantId,
    desired: &Directory,
    changes: &[Change],
    now: Timestamp,
    progress: &mut dyn FnMut(ImportStep),
) -> Result<(), StoreError> {
    let plan = Plan::new(changes);
    let total = plan.rows(desired);
    let w = &mut Writer {
        conn,
        tenant: tenant_id.to_string(),
        now,
        done: 0,
        total,
        progress,
    };
    park_unique_names(w, &plan).await?;
    let sources = &plan.sources.removed;
    delete_in(w, DataSources::Table, DataSources::TenantId, DataSources::Id, sources).await?;
    w.advance(sources.len());
    let groups = &plan.groups.removed;
    delete_in(w, UserGroups::Table, UserGroups::TenantId, UserGroups::Id, groups).await?;
    w.advance(groups.len());
    delete_in(w, Users::Table, Users::TenantId, Users::Id, &plan.users.removed).await?;
    w.advance(plan.users.removed.len());

    if let Some(kind) = plan.tenant {
        save_tenant(w, &desired.tenant, kind).await?;
        crate::catalog::ensure_standard_form(w.conn, tenant_id, now).await?;
        w.advance(1);
    }
    connections::save_connections(w, desired, &plan.connections).await?;
    records::save_domains(w, desired, &plan.domains).await?;
    records::save_tags(w, desired, &plan.tags).await?;
    records::save_users(w, desired, &plan.users).await?;
    records::save_groups(w, desired, &plan.groups).await?;
    records::save_data_sources(w, desired, &plan.sources).await?;

    delete_in(w, Tags::Table, Tags::TenantId, Tags::Id, &plan.tags.removed).await?;
    w.advance(plan.tags.removed.len());
    delete_in(w, Domains::Table, Domains::TenantId, Domains::Id, &plan.domains.removed).await?;
    w.advance(plan.domains.removed.len());
    let connections = &plan.connections.removed;
    delete_in(
        w,
        Connections::Table,
        Connections::TenantId,
        Connections::Name,
        connections,
    )
    .await?;
    w.advance(connections.len());

    // Data objects follow from the data sources alone.
    if !plan.sources.is_empty() {
        (w.progress)(ImportStep::DataObjects);
        let objects = marketplace_domain::directory::data_objects(tenant_id, desired);
        crate::catalog::sync_data_objects(w.conn, tenant_id, &objects, now).await?;
    }
    Ok(())
}

/// Names must be unique only once the import is done: two records may swap names, or a new record may take
/// the name of one being removed. So every record about to be updated or removed first gets a placeholder
/// name no file can contain (`\u{1}parked:` and its id), and takes its final name (or goes) afterwards.
async fn park_unique_names(w: &mut Writer<'_>, plan: &Plan) -> Result<(), StoreError> {
    let domains = plan.domains.stored();
    park(
        w,
        Domains::Table,
        &[Domains::Name],
        (Domains::TenantId, Domains::Id),
        &domains,
    )
    .await?;
    let tags = plan.tags.stored();
    park(w, Tags::Table, &[Tags::Name], (Tags::TenantId, Tags::Id), &tags).await?;
    let users = plan.users.stored();
    let user_names = [Users::Username, Users::GlobalUserId];
    park(w, Users::Table, &user_names, (Users::TenantId, Users::Id), &users).await?;
    let groups = plan.groups.stored();
    let group_key = (UserGroups::TenantId, UserGroups::Id);
    park(w, UserGroups::Table, &[UserGroups::Name], group_key, &groups).await?;
    let sources = plan.sources.stored();
    let source_key = (DataSources::TenantId, DataSources::Id);
    park(w, DataSources::Table, &[DataSources::Name], source_key, &sources).await
}

/// `UPDATE table SET column = '\u{1}parked:' || id, … WHERE tenant_id = ? AND id IN (…)`, in batches.
async fn park<T, K>(
    w: &mut Writer<'_>,
    table: T,
    columns: &[T],
    (tenant_column, id_column): (T, T),
    ids: &[K],
) -> Result<(), StoreError>
where
    T: Iden + Copy + 'static,
    K: Into<sea_query::Value> + Clone,
{
    for chunk in ids.chunks(batch::MAX_PARAMETERS - columns.len() - 1) {
        let placeholder = || {
            Expr::val("\u{1}parked:").binary(BinOper::Custom("||"), Expr::col(id_column.into_iden()).cast_as("TEXT"))
        };
        let update = Query::update()
            .table(table)
            .values(columns.iter().map(|column| (*column, placeholder())))
            .and_where(Expr::col(tenant_column).eq(w.tenant.as_str()))
            .and_where(Expr::col(id_column).is_in(chunk.iter().cloned().map(Into::<sea_query::Value>::into)))
            .take();
        w.conn.execute_long(&update).await?;
    }
    Ok(())
}

async fn save_tenant(w: &mut Writer<'_>, profile: &TenantProfile, kind: ChangeKind) -> Result<(), StoreError> {
    let theme = &profile.theme;
    let oidc = profile.open_id_connect.as_ref();
    let (secret_env, secret_file) = match oidc.map(|oidc| &oidc.client_secret) {
        Some(SecretSource::Env(variable)) => (Some(variable.clone()), None),
        Some(SecretSource::File(path)) => (None, Some(path.clone())),
        None => (None, None),
    };
    let values: [(Tenants, SimpleExpr); 12] = [
        (Tenants::OidcIssuer, oidc.map(|oidc| oidc.issuer.clone()).into()),
        (Tenants::OidcClientId, oidc.map(|oidc| oidc.client_id.clone()).into()),
        (Tenants::OidcClientSecretEnv, secret_env.into()),
        (Tenants::OidcClientSecretFile, secret_file.into()),
        (Tenants::OidcUserClaim, oidc.map(|oidc| oidc.user_claim.clone()).into()),
        (Tenants::Name, profile.name.clone().into()),
        (Tenants::Fqdn, profile.fqdn.clone().into()),
        (Tenants::ThemePrimaryColor, theme.primary_color.clone().into()),
        (Tenants::ThemeAccentColor, theme.accent_color.clone().into()),
        (Tenants::ThemeLightModeImage, theme.light_mode_image.clone().into()),
        (Tenants::ThemeDarkModeImage, theme.dark_mode_image.clone().into()),
        (Tenants::UpdatedAt, w.now.millis().into()),
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
                w.tenant.clone().into(),
                profile.short_key.clone().into(),
                Uuid::now_v7().to_string().into(),
                w.now.millis().into(),
            ]))
            .take();
        w.conn.execute(&insert).await.map(drop)
    } else {
        let update = Query::update()
            .table(Tenants::Table)
            .values(values)
            .and_where(Expr::col(Tenants::Id).eq(w.tenant.as_str()))
            .take();
        w.conn.execute(&update).await.map(drop)
    }
}
