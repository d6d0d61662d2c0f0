//! A data platform for provisioning tests: a fresh database on the PostgreSQL server that
//! `MARKETPLACE_TEST_WAREHOUSE_URL` names (as a superuser; `scripts/test.sh` starts one), with roles of its own
//! per test (roles are shared by the whole server), queried as those roles to prove what they may read.

use crate::helpers::*;
use marketplace_app::provisioning::ProvisioningSettings;
use std::time::Duration;
use tokio_postgres::{Client, NoTls};

pub struct Warehouse {
    /// The superuser's URL of this test's database.
    pub url: String,
    /// Makes this test's role names unique on the server.
    pub suffix: String,
    admin: Client,
}

/// The demo directory with a `warehouse` connection (URL from `WAREHOUSE_URL`), casey's and riley's accounts on it,
/// and two data sources in it: `sales.customers` (email masked by hashing, phone nullified) and `sales.orders`.
pub fn directory(suffix: &str, on_drift: &str) -> String {
    let connection = format!(
        "connections:\n  - {{name: warehouse, platform: PostgreSQL, urlEnv: WAREHOUSE_URL, onDrift: {on_drift}}}\n"
    );
    let demo = DEMO.replace("connections: []\n", &connection);
    let demo = demo.replace(
        "    username: casey\n",
        &format!("    username: casey\n    accounts: {{warehouse: casey_{suffix}}}\n"),
    );
    let demo = demo.replace(
        "    username: riley\n",
        &format!("    username: riley\n    accounts: {{warehouse: riley_{suffix}}}\n"),
    );
    format!(
        "{demo}  - id: 101
    name: Warehouse Customers
    domain: Sales
    platform: PostgreSQL
    schema: sales
    table: customers
    connection: warehouse
    columns:
      - {{name: id, type: integer}}
      - {{name: email, type: text, globalMasking: Hashing}}
      - {{name: phone, type: text, localMasking: Nullify}}
  - id: 102
    name: Warehouse Orders
    domain: Sales
    platform: PostgreSQL
    schema: sales
    table: orders
    connection: warehouse
    columns:
      - {{name: id, type: integer}}
      - {{name: total, type: numeric}}
"
    )
}

impl Warehouse {
    /// A new database with the two tables, an unmanaged table `sales.audit`, casey's and riley's roles, and a
    /// service account (`svc_…`, not a directory user) that reads `sales.orders` and `sales.audit` on its own.
    /// `None` when no warehouse server is configured.
    pub async fn create() -> Option<Warehouse> {
        let Ok(server) = std::env::var("MARKETPLACE_TEST_WAREHOUSE_URL") else {
            eprintln!("MARKETPLACE_TEST_WAREHOUSE_URL is not set: skipping (scripts/test.sh sets it)");
            return None;
        };
        let suffix = uuid::Uuid::now_v7().simple().to_string()[20..].to_owned();
        let root = connect(&server).await;
        root.batch_execute(&format!("CREATE DATABASE wh_{suffix}"))
            .await
            .unwrap();
        let url = with_database(&server, &format!("wh_{suffix}"));
        let admin = connect(&url).await;
        admin
            .batch_execute(&format!(
                "CREATE SCHEMA sales;
                 CREATE TABLE sales.customers (id integer PRIMARY KEY, email text, phone text);
                 INSERT INTO sales.customers VALUES (1, 'ada@example.com', '555-0101');
                 CREATE TABLE sales.orders (id integer PRIMARY KEY, total numeric);
                 INSERT INTO sales.orders VALUES (1, 10.5), (2, 20);
                 CREATE TABLE sales.audit (id integer);
                 DO $$ BEGIN
                   CREATE ROLE casey_{suffix} LOGIN;
                   CREATE ROLE riley_{suffix} LOGIN;
                   CREATE ROLE svc_{suffix} LOGIN;
                 END $$;
                 GRANT USAGE ON SCHEMA sales TO svc_{suffix};
                 GRANT SELECT, INSERT ON sales.orders TO svc_{suffix};
                 GRANT SELECT ON sales.audit TO svc_{suffix};"
            ))
            .await
            .unwrap();
        Some(Warehouse { url, suffix, admin })
    }

    /// A role name of this test: `casey` is `casey_<suffix>`.
    pub fn role(&self, user: &str) -> String {
        format!("{user}_{}", self.suffix)
    }

    /// Provisioning settings that find this warehouse's URL, cycling every `interval`.
    pub fn settings(&self, interval: Duration) -> ProvisioningSettings {
        let mut settings = ProvisioningSettings {
            interval,
            ..ProvisioningSettings::default()
        };
        settings.urls.insert("WAREHOUSE_URL".into(), self.url.clone());
        settings
    }

    /// Runs `sql` as the superuser.
    pub async fn admin(&self, sql: &str) {
        self.admin.batch_execute(sql).await.unwrap();
    }

    /// The first column of `sql`'s rows as text, run as `user`'s role; the platform's error if it refuses.
    pub async fn select_as(&self, user: &str, sql: &str) -> Result<Vec<String>, String> {
        let url = with_user(&self.url, &self.role(user));
        let client = connect(&url).await;
        match client.simple_query(sql).await {
            Ok(messages) => Ok(messages
                .into_iter()
                .filter_map(|message| match message {
                    tokio_postgres::SimpleQueryMessage::Row(row) => Some(row.get(0).unwrap_or("NULL").to_owned()),
                    _ => None,
                })
                .collect()),
            Err(error) => Err(error
                .as_db_error()
                .map_or(error.to_string(), |db| db.message().to_owned())),
        }
    }

    /// Waits up to 5 s for `sql` as `user` to succeed (`true`) or to be refused (`false`); returns its rows.
    pub async fn eventually(&self, user: &str, sql: &str, allowed: bool) -> Result<Vec<String>, String> {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let outcome = self.select_as(user, sql).await;
            if outcome.is_ok() == allowed || std::time::Instant::now() > deadline {
                return outcome;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Every ACL in schema `sales` (tables and columns) with the schema's own: to compare before and after.
    pub async fn acls(&self) -> Vec<String> {
        let rows = self
            .admin
            .query(
                "SELECT c.relname || coalesce('.' || a.attname, '') || ' ' || coalesce(coalesce(a.attacl, c.relacl)::text, '-')
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND a.attacl IS NOT NULL
                 WHERE n.nspname = 'sales'
                 UNION ALL SELECT 'schema ' || coalesce(nspacl::text, '-') FROM pg_namespace WHERE nspname = 'sales'
                 ORDER BY 1",
                &[],
            )
            .await
            .unwrap();
        rows.iter().map(|row| row.get(0)).collect()
    }
}

async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .expect("connect to the warehouse");
    tokio::spawn(connection);
    client
}

/// `url` with another database.
fn with_database(url: &str, database: &str) -> String {
    let mut parsed = reqwest::Url::parse(url).expect("a postgres:// URL");
    parsed.set_path(&format!("/{database}"));
    parsed.to_string()
}

/// `url` as another user (the test server trusts local connections).
fn with_user(url: &str, user: &str) -> String {
    let mut parsed = reqwest::Url::parse(url).expect("a postgres:// URL");
    parsed.set_username(user).unwrap();
    parsed.set_password(None).unwrap();
    parsed.to_string()
}

/// A server over a new database with the demo tenant connected to `warehouse`, running its background jobs.
pub async fn provisioned_app(warehouse: &Warehouse, on_drift: &str) -> TestApp {
    let app = idle_provisioned_app(warehouse, on_drift).await;
    marketplace_server::jobs::spawn(app.state.clone());
    app
}

/// The same, without background jobs: cycles run only when the test asks.
pub async fn idle_provisioned_app(warehouse: &Warehouse, on_drift: &str) -> TestApp {
    let settings = warehouse.settings(Duration::from_secs(30));
    let app = TestApp::start_with(
        TestDb::new().await,
        marketplace_domain::Segment::Na,
        None,
        |state, _| {
            state.app = state.app.clone().with_provisioning(settings);
        },
    )
    .await;
    app.import(&directory(&warehouse.suffix, on_drift)).await;
    app
}
