//! Writing the connections and the users' accounts on them. A connection is written before the data sources
//! that name it and removed after them; nothing in the database ties the two: the file was checked whole.

use super::batch::{delete_in, insert_batched, upsert};
use super::{Keys, Writer};
use crate::StoreError;
use crate::schema::{Connections, UserAccounts};
use marketplace_domain::directory::{Connection, Directory, SecretSource, User};
use sea_query::{Query, SimpleExpr};

pub(super) async fn save_connections(
    w: &mut Writer<'_>,
    desired: &Directory,
    keys: &Keys<String>,
) -> Result<(), StoreError> {
    let insert = Query::insert()
        .into_table(Connections::Table)
        .columns([
            Connections::TenantId,
            Connections::Name,
            Connections::Platform,
            Connections::UrlEnv,
            Connections::UrlFile,
            Connections::OnDrift,
            Connections::CreatedAt,
            Connections::UpdatedAt,
        ])
        .on_conflict(upsert(
            [Connections::TenantId, Connections::Name],
            [
                Connections::Platform,
                Connections::UrlEnv,
                Connections::UrlFile,
                Connections::OnDrift,
                Connections::UpdatedAt,
            ],
        ))
        .take();
    let (tenant, now) = (w.tenant.clone(), w.now.millis());
    let rows = keys.saved().map(|name| -> [SimpleExpr; 8] {
        let Connection {
            name,
            platform,
            url,
            on_drift,
        } = &desired.connections[name];
        let (url_env, url_file) = match url {
            SecretSource::Env(variable) => (Some(variable.clone()), None),
            SecretSource::File(path) => (None, Some(path.clone())),
        };
        [
            tenant.clone().into(),
            name.clone().into(),
            platform.as_str().into(),
            url_env.into(),
            url_file.into(),
            on_drift.as_str().into(),
            now.into(),
            now.into(),
        ]
    });
    insert_batched(w, &insert, rows).await
}

/// The accounts of `users`, in place of those the `updated` ones had.
pub(super) async fn save_accounts(w: &mut Writer<'_>, users: &[&User], updated: &[i64]) -> Result<(), StoreError> {
    delete_in(
        w,
        UserAccounts::Table,
        UserAccounts::TenantId,
        UserAccounts::UserId,
        updated,
    )
    .await?;
    let insert = Query::insert()
        .into_table(UserAccounts::Table)
        .columns([
            UserAccounts::TenantId,
            UserAccounts::UserId,
            UserAccounts::ConnectionName,
            UserAccounts::Account,
        ])
        .take();
    let tenant = w.tenant.clone();
    let rows = users.iter().flat_map(|user| {
        let tenant = tenant.clone();
        user.accounts
            .iter()
            .map(move |(connection, account)| -> [SimpleExpr; 4] {
                [
                    tenant.clone().into(),
                    user.id.into(),
                    connection.clone().into(),
                    account.clone().into(),
                ]
            })
    });
    insert_batched(w, &insert, rows).await
}
