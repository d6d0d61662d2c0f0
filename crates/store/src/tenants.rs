use crate::db::{Conn, Row};
use crate::schema::Tenants;
use crate::{Store, StoreError};
use marketplace_domain::directory::{OpenIdConnect, SecretSource, Theme};
use marketplace_domain::ids::TenantId;
use sea_query::{Expr, ExprTrait, Query, SelectStatement};
use uuid::Uuid;

/// A tenant: one organisation, with its directory and everything published and requested in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    pub short_key: String,
    pub name: String,
    pub organization_id: Uuid,
    /// As the directory file gives it; `None` means the deployment derives one.
    pub fqdn: Option<String>,
    pub theme: Theme,
    pub open_id_connect: Option<OpenIdConnect>,
}

/// A tenant's columns, named with their table so that a join (a token's credential) can read them too.
pub(crate) fn columns() -> [(Tenants, Tenants); 14] {
    [
        Tenants::Id,
        Tenants::ShortKey,
        Tenants::Name,
        Tenants::OrganizationId,
        Tenants::Fqdn,
        Tenants::ThemePrimaryColor,
        Tenants::ThemeAccentColor,
        Tenants::ThemeLightModeImage,
        Tenants::ThemeDarkModeImage,
        Tenants::OidcIssuer,
        Tenants::OidcClientId,
        Tenants::OidcClientSecretEnv,
        Tenants::OidcUserClaim,
        Tenants::OidcClientSecretFile,
    ]
    .map(|column| (Tenants::Table, column))
}

fn select() -> SelectStatement {
    Query::select().columns(columns()).from(Tenants::Table).take()
}

/// Decodes the tenant whose `columns()` start at `first`.
pub(crate) fn decode(row: &Row, first: usize) -> Result<Tenant, StoreError> {
    Ok(Tenant {
        id: row.get(first)?,
        short_key: row.get(first + 1)?,
        name: row.get(first + 2)?,
        organization_id: row.get(first + 3)?,
        fqdn: row.get(first + 4)?,
        theme: Theme {
            primary_color: row.get(first + 5)?,
            accent_color: row.get(first + 6)?,
            light_mode_image: row.get(first + 7)?,
            dark_mode_image: row.get(first + 8)?,
        },
        open_id_connect: match row.get::<Option<String>>(first + 9)? {
            None => None,
            Some(issuer) => Some(OpenIdConnect {
                issuer,
                client_id: row.get(first + 10)?,
                client_secret: match row.get::<Option<String>>(first + 11)? {
                    Some(variable) => SecretSource::Env(variable),
                    None => SecretSource::File(row.get(first + 13)?),
                },
                user_claim: row.get(first + 12)?,
            }),
        },
    })
}

pub(crate) async fn by_short_key(conn: &mut Conn, short_key: &str) -> Result<Option<Tenant>, StoreError> {
    let query = select().and_where(Expr::col(Tenants::ShortKey).eq(short_key)).take();
    conn.query_opt(&query).await?.map(|row| decode(&row, 0)).transpose()
}

pub(crate) async fn by_id(conn: &mut Conn, id: TenantId) -> Result<Option<Tenant>, StoreError> {
    let query = select().and_where(Expr::col(Tenants::Id).eq(id.to_string())).take();
    conn.query_opt(&query).await?.map(|row| decode(&row, 0)).transpose()
}

impl Store {
    pub async fn tenant(&self, id: TenantId) -> Result<Option<Tenant>, StoreError> {
        by_id(&mut self.backend.read().await?, id).await
    }

    pub async fn tenant_by_short_key(&self, short_key: &str) -> Result<Option<Tenant>, StoreError> {
        by_short_key(&mut self.backend.read().await?, short_key).await
    }
}
