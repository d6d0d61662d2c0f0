//! PostgreSQL: privileges read from the catalog's ACLs (`pg_namespace`, `pg_class`, `pg_attribute` through
//! `aclexplode`), changed with `GRANT` and `REVOKE`, one transaction per role.

mod views;

use crate::{Platform, PlatformError, Timeouts};
use marketplace_domain::provisioning::{Action, Change, MaskedView, Observed, Privilege, Scope, Target};
use tokio_postgres::{Client, Config, NoTls};

/// A session with one PostgreSQL database, as the connection's user (who must own the managed tables, or be a
/// superuser, to grant on them).
pub struct Postgres {
    client: Client,
}

impl Postgres {
    /// Connects to `url` (`postgres://user:password@host:port/database`), within the connect timeout unless the
    /// URL sets its own; every statement is bounded by the statement timeout.
    pub async fn connect(url: &str, timeouts: Timeouts) -> Result<Postgres, PlatformError> {
        let mut config: Config = url.parse().map_err(|error| PlatformError::Url(format!("{error}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(timeouts.connect);
        }
        config.application_name("marketplace provisioner");
        let connecting = config.connect(NoTls);
        let (client, connection) = tokio::time::timeout(timeouts.connect, connecting)
            .await
            .map_err(|_| PlatformError::Connect(format!("no answer within {:?}", timeouts.connect)))?
            .map_err(|error| PlatformError::Connect(message(&error)))?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "a provisioning connection closed");
            }
        });
        let millis = timeouts.statement.as_millis();
        client
            .batch_execute(&format!(
                "SET statement_timeout = {millis}; SET lock_timeout = {millis}"
            ))
            .await
            .map_err(|error| PlatformError::Statement(message(&error)))?;
        Ok(Postgres { client })
    }
}

impl Postgres {
    /// Runs `script` (plain SQL, several statements) unless the relation `probe` exists already; says whether it
    /// ran. For loading a demo warehouse once.
    pub async fn load_unless_present(&self, probe: &str, script: &str) -> Result<bool, PlatformError> {
        let present: Option<String> = (self.client.query_one("SELECT to_regclass($1)::text", &[&probe]).await)
            .map_err(statement_error)?
            .get(0);
        if present.is_some() {
            return Ok(false);
        }
        self.client.batch_execute(script).await.map_err(statement_error)?;
        Ok(true)
    }
}

/// The platform's own words: the server's message (and detail) when it sent one.
pub(crate) fn message(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{}: {detail}", db.message()),
            None => db.message().to_owned(),
        },
        None => error.to_string(),
    }
}

fn statement_error(error: tokio_postgres::Error) -> PlatformError {
    PlatformError::Statement(message(&error))
}

/// `"name"`, with quotes inside doubled: any name is one identifier.
pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

pub(crate) fn relation(schema: &str, table: &str) -> String {
    format!("{}.{}", quote(schema), quote(table))
}

const ROLES: &str = "SELECT rolname FROM pg_roles WHERE rolname = ANY($1)";

const SCHEMAS: &str = "
SELECT n.nspname, r.rolname
FROM pg_namespace n
LEFT JOIN LATERAL aclexplode(n.nspacl) acl ON acl.privilege_type = 'USAGE'
LEFT JOIN pg_roles r ON r.oid = acl.grantee AND r.rolname = ANY($1)
WHERE n.nspname = ANY($2)";

const TABLES: &str = "
SELECT n.nspname, c.relname, a.attname, r.rolname
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN LATERAL aclexplode(a.attacl) acl ON acl.privilege_type = 'SELECT'
LEFT JOIN pg_roles r ON r.oid = acl.grantee AND r.rolname = ANY($1)
WHERE n.nspname = ANY($2) AND c.relkind IN ('r', 'v', 'm', 'p', 'f')";

const TABLE_GRANTS: &str = "
SELECT n.nspname, c.relname, r.rolname
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL aclexplode(c.relacl) acl
JOIN pg_roles r ON r.oid = acl.grantee
WHERE n.nspname = ANY($2) AND acl.privilege_type = 'SELECT' AND r.rolname = ANY($1)";

impl Platform for Postgres {
    async fn prepare(&mut self, views: &[MaskedView]) -> Result<Vec<(MaskedView, PlatformError)>, PlatformError> {
        views::prepare(&mut self.client, views).await
    }

    async fn observe(&mut self, scope: &Scope) -> Result<Observed, PlatformError> {
        let roles: Vec<&str> = scope.roles.iter().map(String::as_str).collect();
        let schemas: Vec<&str> = scope.schemas.iter().map(String::as_str).collect();
        let mut observed = Observed::default();
        for row in self.client.query(ROLES, &[&roles]).await.map_err(statement_error)? {
            observed.roles.insert(row.get(0));
        }
        for row in self
            .client
            .query(SCHEMAS, &[&roles, &schemas])
            .await
            .map_err(statement_error)?
        {
            let schema: String = row.get(0);
            if let Some(role) = row.get::<_, Option<String>>(1) {
                let target = Target::Schema { schema: schema.clone() };
                observed.held.insert(Privilege { role, target });
            }
            observed.schemas.insert(schema);
        }
        let in_scope = |schema: &String, table: &String| scope.tables.contains(&(schema.clone(), table.clone()));
        for row in self
            .client
            .query(TABLES, &[&roles, &schemas])
            .await
            .map_err(statement_error)?
        {
            let (schema, table): (String, String) = (row.get(0), row.get(1));
            if !in_scope(&schema, &table) {
                continue;
            }
            let columns = observed.tables.entry((schema.clone(), table.clone())).or_default();
            let Some(column) = row.get::<_, Option<String>>(2) else {
                continue;
            };
            columns.insert(column.clone());
            if let Some(role) = row.get::<_, Option<String>>(3) {
                let target = Target::Column { schema, table, column };
                observed.held.insert(Privilege { role, target });
            }
        }
        for row in self
            .client
            .query(TABLE_GRANTS, &[&roles, &schemas])
            .await
            .map_err(statement_error)?
        {
            let (schema, table, role): (String, String, String) = (row.get(0), row.get(1), row.get(2));
            if in_scope(&schema, &table) {
                observed.held.insert(Privilege {
                    role,
                    target: Target::Table { schema, table },
                });
            }
        }
        Ok(observed)
    }

    async fn apply(&mut self, changes: &[Change]) -> Result<(), PlatformError> {
        let script: Vec<String> = changes.iter().map(|change| self.statement(change)).collect();
        let transaction = self.client.transaction().await.map_err(statement_error)?;
        transaction
            .batch_execute(&script.join(";\n"))
            .await
            .map_err(statement_error)?;
        transaction.commit().await.map_err(statement_error)
    }

    fn statement(&self, change: &Change) -> String {
        statement(change)
    }
}

/// The `GRANT` or `REVOKE` a change runs. Every name is quoted, so a role or table named by the directory is one
/// identifier whatever it holds.
pub fn statement(change: &Change) -> String {
    let Privilege { role, target } = &change.privilege;
    let what = match target {
        Target::Schema { schema } => format!("USAGE ON SCHEMA {}", quote(schema)),
        Target::Table { schema, table } => format!("SELECT ON TABLE {}", relation(schema, table)),
        Target::Column { schema, table, column } => {
            format!("SELECT ({}) ON TABLE {}", quote(column), relation(schema, table))
        }
    };
    match change.action {
        Action::Grant => format!("GRANT {what} TO {}", quote(role)),
        Action::Revoke => format!("REVOKE {what} FROM {}", quote(role)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketplace_domain::provisioning::Reason;

    #[test]
    fn names_are_quoted_whatever_they_hold() {
        let change = Change {
            action: Action::Grant,
            privilege: Privilege {
                role: "casey\"; DROP TABLE t; --".into(),
                target: Target::Column {
                    schema: "Sales".into(),
                    table: "order lines".into(),
                    column: "e\"mail".into(),
                },
            },
            reason: Reason::Approved,
        };
        assert_eq!(
            statement(&change),
            r#"GRANT SELECT ("e""mail") ON TABLE "Sales"."order lines" TO "casey""; DROP TABLE t; --""#
        );
        let revoke = Change {
            action: Action::Revoke,
            privilege: Privilege {
                role: "sam".into(),
                target: Target::Schema { schema: "sales".into() },
            },
            reason: Reason::Drift,
        };
        assert_eq!(statement(&revoke), r#"REVOKE USAGE ON SCHEMA "sales" FROM "sam""#);
    }
}
