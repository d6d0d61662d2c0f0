//! Reading back the connections and the users' accounts on them (a data source's connection is read with it).

use super::select_of;
use crate::db::Conn;
use crate::schema::{Connections, UserAccounts};
use crate::{StoreError, Tenant};
use marketplace_domain::directory::{Connection, Directory, OnDrift, Platform, SecretSource};

pub(super) async fn load(conn: &mut Conn, tenant: &Tenant, directory: &mut Directory) -> Result<(), StoreError> {
    let columns = [
        Connections::Name,
        Connections::Platform,
        Connections::UrlEnv,
        Connections::UrlFile,
        Connections::OnDrift,
    ];
    for row in conn
        .query(&select_of(Connections::Table, Connections::TenantId, &columns, tenant))
        .await?
    {
        let name: String = row.get(0)?;
        let platform: String = row.get(1)?;
        let on_drift: String = row.get(4)?;
        let url = match (row.get::<Option<String>>(2)?, row.get::<Option<String>>(3)?) {
            (Some(variable), _) => SecretSource::Env(variable),
            (None, Some(path)) => SecretSource::File(path),
            (None, None) => return Err(corrupt(&name, "neither url_env nor url_file")),
        };
        let connection = Connection {
            platform: Platform::parse(&platform).ok_or_else(|| corrupt(&name, &platform))?,
            on_drift: OnDrift::parse(&on_drift).ok_or_else(|| corrupt(&name, &on_drift))?,
            url,
            name: name.clone(),
        };
        directory.connections.insert(name, connection);
    }

    let columns = [
        UserAccounts::UserId,
        UserAccounts::ConnectionName,
        UserAccounts::Account,
    ];
    let query = select_of(UserAccounts::Table, UserAccounts::TenantId, &columns, tenant);
    for row in conn.query(&query).await? {
        if let Some(user) = directory.users.get_mut(&row.get::<i64>(0)?) {
            user.accounts.insert(row.get(1)?, row.get(2)?);
        }
    }

    Ok(())
}

/// A stored connection this binary cannot read: only another binary could have written it.
fn corrupt(name: &str, what: &str) -> StoreError {
    StoreError::Decode {
        index: 0,
        detail: format!("the stored connection `{name}` has an unknown value: {what}"),
    }
}
