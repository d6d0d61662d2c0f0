use super::TABLES;
use crate::testing::TestDatabase;
use crate::{DatabaseUrl, Store};
use std::collections::{BTreeMap, BTreeSet};

type Tables = BTreeMap<String, BTreeSet<String>>;

/// Refinery's own table, which no query of ours names.
const HISTORY: &str = "refinery_schema_history";

fn named_by_the_enums() -> Tables {
    let mut tables = Tables::new();
    for (table, columns) in TABLES {
        let listed = tables.entry(table.unquoted().to_owned()).or_default();
        assert!(listed.is_empty(), "the table {} is declared twice", table.unquoted());
        listed.extend(columns.iter().map(|column| column.unquoted().to_owned()));
    }
    tables
}

/// The tables each side has that the other lacks, and for tables both have, the columns.
fn assert_same(migrated: &Tables, dialect: &str) {
    let named = named_by_the_enums();
    let mut differences = Vec::new();
    for table in migrated.keys().chain(named.keys()).collect::<BTreeSet<_>>() {
        let (created, listed) = (migrated.get(table), named.get(table));
        match (created, listed) {
            (Some(_), None) => differences.push(format!("table {table}: created, but no enum names it")),
            (None, Some(_)) => differences.push(format!("table {table}: named, but the migrations create none")),
            (Some(created), Some(listed)) => {
                for column in created.difference(listed) {
                    differences.push(format!("column {table}.{column}: created, but the enum lacks it"));
                }
                for column in listed.difference(created) {
                    differences.push(format!(
                        "column {table}.{column}: named, but the migrations create none"
                    ));
                }
            }
            (None, None) => unreachable!(),
        }
    }
    assert!(
        differences.is_empty(),
        "src/schema.rs and the migrations (on {dialect}) disagree:\n{}",
        differences.join("\n")
    );
}

#[tokio::test]
async fn the_enums_name_every_table_and_column_the_migrations_create_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("marketplace.db");
    let url = DatabaseUrl::Sqlite {
        path: path.clone(),
        synchronous_normal: false,
    };
    Store::open(&url).unwrap().migrate().await.unwrap();

    let connection = rusqlite::Connection::open(&path).unwrap();
    let mut statement = connection
        .prepare(
            "SELECT m.name, c.name FROM sqlite_schema AS m JOIN pragma_table_info(m.name) AS c \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> ?1",
        )
        .unwrap();
    let mut migrated = Tables::new();
    let rows = statement
        .query_map([HISTORY], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .unwrap();
    for row in rows {
        let (table, column) = row.unwrap();
        migrated.entry(table).or_default().insert(column);
    }
    assert_same(&migrated, "SQLite");
}

/// Runs when MARKETPLACE_TEST_DATABASE_URL names a PostgreSQL server.
#[tokio::test]
async fn the_enums_name_every_table_and_column_the_migrations_create_on_postgres() {
    let database = TestDatabase::create().await;
    if !database.is_postgres() {
        return;
    }
    Store::open(&DatabaseUrl::parse(database.url()).unwrap())
        .unwrap()
        .migrate()
        .await
        .unwrap();

    let (client, connection) = tokio_postgres::connect(database.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    let connection = tokio::spawn(connection);
    let rows = client
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name <> $1",
            &[&HISTORY],
        )
        .await
        .unwrap();
    drop(client);
    connection.await.unwrap().unwrap();
    let mut migrated = Tables::new();
    for row in rows {
        migrated.entry(row.get(0)).or_default().insert(row.get(1));
    }
    assert_same(&migrated, "PostgreSQL");
}
