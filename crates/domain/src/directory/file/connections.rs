//! Checking the file's connections and the references to them: data sources provisioned through one, and
//! users' accounts on them.

use super::FileConnection;
use super::checker::Checker;
use crate::directory::{Connection, OnDrift, Platform, SecretSource};
use serde_saphyr::{Location, Spanned};
use std::collections::{BTreeMap, HashMap};

impl Checker {
    pub(super) fn connections(&mut self, entries: Vec<Spanned<FileConnection>>) -> BTreeMap<String, Connection> {
        let mut names = HashMap::new();
        let mut connections = BTreeMap::new();
        for entry in entries {
            let (at, connection) = (entry.referenced, entry.value);
            self.required(&at, "connections[].name", &connection.name);
            self.unique(&mut names, &at, "connection", connection.name.clone());
            let platform = Platform::parse(&connection.platform).unwrap_or_else(|| {
                let known: Vec<&str> = Platform::ALL.iter().map(|platform| platform.as_str()).collect();
                let message = format!(
                    "connections[].platform `{}` is not one the marketplace provisions into ({})",
                    connection.platform,
                    known.join(", ")
                );
                self.report(&at, message);
                Platform::PostgreSql
            });
            let on_drift = match connection.on_drift.as_deref() {
                None => OnDrift::default(),
                Some(text) => OnDrift::parse(text).unwrap_or_else(|| {
                    self.report(&at, format!("connections[].onDrift `{text}` must be revoke or report"));
                    OnDrift::default()
                }),
            };
            let url = match (connection.url_env, connection.url_file) {
                (Some(variable), None) => {
                    self.environment_variable(&at, &variable);
                    SecretSource::Env(variable)
                }
                (None, Some(path)) => {
                    self.required(&at, "connections[].urlFile", &path);
                    SecretSource::File(path)
                }
                _ => {
                    let message = "a connection names where its URL comes from: either urlEnv (an environment \
                                   variable) or urlFile (a file such as a mounted secret), not both; the URL \
                                   itself never goes in this file";
                    self.report(&at, message);
                    SecretSource::Env(String::new())
                }
            };
            let name = connection.name;
            connections.insert(
                name.clone(),
                Connection {
                    name,
                    platform,
                    url,
                    on_drift,
                },
            );
        }
        connections
    }

    fn environment_variable(&mut self, at: &Location, variable: &str) {
        let valid = !variable.is_empty()
            && !variable.starts_with(|c: char| c.is_ascii_digit())
            && variable.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            let message =
                format!("connections[].urlEnv `{variable}` must be an environment variable's name (A-Z, 0-9, _)");
            self.report(at, message);
        }
    }

    /// A data source provisioned through `connection`: the connection exists, and the source says which table.
    pub(super) fn connection_of_source(
        &mut self,
        connection: &Spanned<String>,
        connections: &BTreeMap<String, Connection>,
        schema: &Option<String>,
        table: &Option<String>,
    ) {
        let at = &connection.referenced;
        if !connections.contains_key(&connection.value) {
            let message = format!(
                "dataSources[].connection: no connection is named `{}`",
                connection.value
            );
            self.report(at, message);
        }
        let named = |part: &Option<String>| part.as_deref().is_some_and(|part| !part.trim().is_empty());
        if !named(schema) || !named(table) {
            self.report(
                at,
                "a data source provisioned through a connection needs its schema and table",
            );
        }
    }

    /// A user's accounts: each on a connection of the file, each a name.
    pub(super) fn accounts(
        &mut self,
        at: &Location,
        accounts: &BTreeMap<String, String>,
        connections: &BTreeMap<String, Connection>,
    ) {
        for (connection, account) in accounts {
            if !connections.contains_key(connection) {
                self.report(at, format!("users[].accounts: no connection is named `{connection}`"));
            }
            self.required(at, "users[].accounts", account);
        }
    }
}
