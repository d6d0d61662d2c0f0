//! `quickstart --warehouse`: the demo tenant provisioned into a real PostgreSQL. The demo tables and roles
//! (`examples/warehouse.sql`) are loaded when missing, and the demo's data sources are placed in that database
//! (schema: the source's domain, lowercased; table: its table, lowercased) behind a connection named `warehouse`.

use anyhow::Context;
use marketplace_app::provisioning::{ProvisioningSettings, load_postgres_unless_present};
use marketplace_domain::directory::{Connection, Directory, OnDrift, Platform, SecretSource};

/// The demo warehouse's tables and roles.
pub const WAREHOUSE_SQL: &str = include_str!("../../../../examples/warehouse.sql");

/// The connection's name, and the variable its URL is known by inside this process.
const CONNECTION: &str = "warehouse";
const URL_VARIABLE: &str = "MARKETPLACE_CONNECTION_WAREHOUSE";

/// Loads the demo warehouse into `url` if its tables are missing, connects `directory`'s data sources to it, and
/// returns the provisioning settings that know its URL.
pub async fn prepare(url: &str, directory: &mut Directory) -> anyhow::Result<ProvisioningSettings> {
    let loaded = load_postgres_unless_present(url, "sales.customers", WAREHOUSE_SQL)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))
        .context("cannot load the demo warehouse (examples/warehouse.sql) into --warehouse; it takes a superuser")?;
    match loaded {
        true => tracing::info!("loaded the demo warehouse: schemas sales and finance, a role per demo user"),
        false => tracing::info!("the demo warehouse's tables are there already"),
    }
    place_sources(directory);
    let mut settings = ProvisioningSettings::default();
    settings.urls.insert(URL_VARIABLE.to_owned(), url.to_owned());
    Ok(settings)
}

/// Every data source of the directory, provisioned through the warehouse connection where the demo warehouse has
/// its table.
fn place_sources(directory: &mut Directory) {
    directory.connections.insert(
        CONNECTION.to_owned(),
        Connection {
            name: CONNECTION.to_owned(),
            platform: Platform::PostgreSql,
            url: SecretSource::Env(URL_VARIABLE.to_owned()),
            on_drift: OnDrift::Revoke,
        },
    );
    for source in directory.data_sources.values_mut() {
        let (Some(domain), Some(table)) = (directory.domains.get(&source.domain_id), &source.table) else {
            continue;
        };
        source.platform = Platform::PostgreSql.as_str().to_owned();
        source.schema = Some(domain.name.to_lowercase());
        source.table = Some(table.to_lowercase());
        source.connection = Some(CONNECTION.to_owned());
    }
}

/// The URL without its password, to print.
pub fn redacted(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// The URL as a demo user signs in with it: their role, whose password is the role's name.
pub fn as_role(url: &str, role: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username(role);
            let _ = parsed.set_password(Some(role));
            parsed.to_string()
        }
        Err(_) => url.to_owned(),
    }
}
