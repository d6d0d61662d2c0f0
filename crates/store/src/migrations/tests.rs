use super::*;
use crate::testing::TestDatabase;
use crate::{DatabaseUrl, RequestTarget, Store};
use marketplace_domain::access_request::RequestStatus;

/// What refinery recorded for each released migration (version, name, checksum on SQLite, on PostgreSQL), as
/// read from the release-0.1 fixtures' `refinery_schema_history`. A database that applied one refuses to
/// migrate if it renders differently now.
const RELEASED: &[(i32, &str, u64, u64)] = &[
    (1, "foundation", 4437205036077976487, 1091412017651785769),
    (2, "catalog", 15715264461589773605, 15715264461589773605),
    (3, "data_objects", 18425311689226219259, 18425311689226219259),
    (4, "access_workflow", 18386980743727651837, 18386980743727651837),
    (5, "request_search", 9853512792784738144, 9853512792784738144),
    (6, "notifications", 8783210013400970446, 8783210013400970446),
    (7, "webhooks", 12097556190995971108, 12097556190995971108),
];

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

#[test]
fn released_migrations_render_as_they_were_released() {
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        let migrations = migrations(dialect);
        for &(version, name, sqlite, postgres) in RELEASED {
            let released = if dialect == Dialect::Sqlite { sqlite } else { postgres };
            let migration = migrations
                .iter()
                .find(|migration| migration.version() == version)
                .unwrap_or_else(|| panic!("the released migration V{version}__{name} is gone"));
            assert_eq!(
                (migration.name(), migration.checksum()),
                (name, released),
                "V{version}__{name} no longer renders for {dialect:?} as it was released, so databases that \
                 applied it would refuse to migrate: change the schema in a new migration instead"
            );
        }
    }
}

#[test]
fn every_placeholder_is_rendered_and_types_that_differ_use_one() {
    for template in embedded::migrations::runner().get_migrations() {
        let sql = template.sql().unwrap_or_default();
        for (_, sqlite, postgres) in PLACEHOLDERS {
            for spelling in [sqlite, postgres] {
                assert!(
                    !sql.to_uppercase().contains(spelling),
                    "{template} says {spelling}: write the placeholder that stands for it on each backend"
                );
            }
        }
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            assert!(
                !render(sql, dialect).contains("{{"),
                "{template} has a placeholder that {dialect:?} does not render"
            );
        }
    }
}

/// A copy of the SQLite database that release 0.1 wrote, opened and migrated by this code.
#[tokio::test]
async fn a_sqlite_database_of_release_0_1_migrates_and_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("marketplace.db");
    std::fs::copy(format!("{FIXTURES}/release-0.1.db"), &path).unwrap();
    let store = Store::open(&DatabaseUrl::Sqlite {
        path,
        synchronous_normal: false,
    })
    .unwrap();
    reads_release_0_1(&store).await;
    // The indexes the migrations made have planner statistics before anything is served.
    let analyzed = sea_query::Query::select()
        .expr(sea_query::Expr::cust("COUNT(*)"))
        .from(sea_query::Alias::new("sqlite_stat1"))
        .and_where(sea_query::Expr::cust("idx = 'access_requests_for_user_by_created'"))
        .take();
    let rows = store.backend.read().await.unwrap().query(&analyzed).await.unwrap();
    assert_eq!(
        rows[0].get::<i64>(0).unwrap(),
        1,
        "statistics of a migration's new index"
    );
}

/// The PostgreSQL database that release 0.1 wrote (as `pg_dump` saved it), restored, then opened and migrated
/// by this code. Runs when MARKETPLACE_TEST_DATABASE_URL names a server.
#[tokio::test]
async fn a_postgres_database_of_release_0_1_migrates_and_reads() {
    let database = TestDatabase::create().await;
    if !database.is_postgres() {
        return;
    }
    let dump = std::fs::read_to_string(format!("{FIXTURES}/release-0.1.postgres.dump")).unwrap();
    // psql's meta-commands (`\restrict`) are psql's, not SQL.
    let sql: String = dump
        .lines()
        .filter(|line| !line.starts_with('\\'))
        .map(|line| format!("{line}\n"))
        .collect();
    let (client, connection) = tokio_postgres::connect(database.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    let connection = tokio::spawn(connection);
    client.batch_execute(&sql).await.expect("the dump restores");
    drop(client);
    connection.await.unwrap().unwrap();

    let store = Store::open(&DatabaseUrl::parse(database.url()).unwrap()).unwrap();
    reads_release_0_1(&store).await;
}

/// Migrates `store`, which holds what `tests/fixtures/make-release-0.1.py` made, and reads it back.
async fn reads_release_0_1(store: &Store) {
    store.migrate().await.expect("a database of release 0.1 migrates");
    store.migrate().await.expect("and migrating again does nothing");

    let tenant = store
        .tenant_by_short_key("demo")
        .await
        .unwrap()
        .expect("the demo tenant");
    assert_eq!(tenant.name, "Demo Retail Co.");
    let key = store.newest_signing_key().await.unwrap().expect("the signing key");
    assert!(!key.secret.is_empty());

    let admin = store.user_by_username(tenant.id, "admin").await.unwrap().unwrap();
    let descriptions: Vec<String> = store
        .tokens_of_user(tenant.id, admin.id)
        .await
        .unwrap()
        .into_iter()
        .map(|token| token.description)
        .collect();
    assert!(descriptions.contains(&"CI pipeline".to_owned()), "{descriptions:?}");

    let product = store
        .product_by_name(tenant.id, "Customer 360")
        .await
        .unwrap()
        .expect("the product");
    let form = store
        .form(tenant.id, product.data_access_form_id)
        .await
        .unwrap()
        .expect("its form");
    assert_eq!(form.snapshot.name, "Customer access");
    assert_eq!(form.snapshot.data_use_agreements.len(), 1);

    let casey = store.user_by_username(tenant.id, "casey").await.unwrap().unwrap();
    let request = store
        .latest_request(tenant.id, casey.id, &RequestTarget::Product(product.id.clone()))
        .await
        .unwrap()
        .expect("Casey's request");
    assert_eq!(request.status, RequestStatus::Approved);
    assert_eq!(request.target_name, "Customer 360");

    let webhooks = store.webhooks(tenant.id).await.unwrap();
    assert_eq!(webhooks.len(), 1);
    assert_eq!(webhooks[0].url, "http://127.0.0.1:9/hook");
}
