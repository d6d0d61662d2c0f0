//! `marketplace quickstart --warehouse`: a newcomer's PostgreSQL gets the demo tables and roles, and sees access
//! appear after approval and disappear after revocation, as the demo user's own role.

use crate::helpers::*;
use crate::quickstart::Shell;
use crate::requests::{CASEY, answers};
use marketplace_domain::Segment;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

/// What `sql` gives as `role` (password: the role's name, as the demo warehouse sets it).
async fn as_role(url: &str, role: &str, sql: &str) -> Result<u64, String> {
    let mut parsed = reqwest::Url::parse(url).unwrap();
    parsed.set_username(role).unwrap();
    parsed.set_password(Some(role)).unwrap();
    let (client, connection) = tokio_postgres::connect(parsed.as_str(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    match client.query(sql, &[]).await {
        Ok(rows) => Ok(rows.len() as u64),
        Err(error) => Err(error
            .as_db_error()
            .map_or(error.to_string(), |db| db.message().to_owned())),
    }
}

async fn eventually(url: &str, sql: &str, allowed: bool) -> Result<u64, String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let outcome = as_role(url, "casey", sql).await;
        if outcome.is_ok() == allowed || std::time::Instant::now() > deadline {
            return outcome;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn quickstart_with_a_warehouse_provisions_the_demo_for_real() {
    let Ok(server) = std::env::var("MARKETPLACE_TEST_WAREHOUSE_URL") else {
        eprintln!("MARKETPLACE_TEST_WAREHOUSE_URL is not set: skipping (scripts/test.sh sets it)");
        return;
    };
    let name = format!("quickstart_{}", &uuid::Uuid::now_v7().simple().to_string()[20..]);
    let (root, connection) = tokio_postgres::connect(&server, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    root.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    let mut url = reqwest::Url::parse(&server).unwrap();
    url.set_path(&format!("/{name}"));
    let url = url.to_string();

    let db = TestDb::new().await;
    let home = tempfile::tempdir().unwrap();
    let args = [
        "--database-url",
        &db.url,
        "--listen",
        "127.0.0.1:0",
        "--warehouse",
        &url,
    ];
    let quickstart = Shell::new(home.path(), true).quickstart(&args);
    let psql: Vec<String> = quickstart.commands("psql ");
    assert_eq!(psql.len(), 2, "{:#?}", quickstart.printed);
    assert!(
        psql[0].contains("casey:casey@") && psql[0].ends_with("'SELECT * FROM sales.orders'"),
        "{}",
        psql[0]
    );
    let orders = "SELECT * FROM sales.orders";
    assert!(
        as_role(&url, "casey", orders)
            .await
            .unwrap_err()
            .starts_with("permission denied")
    );

    // Another instance over the same database takes the request; the quickstart's provisions it.
    let app = TestApp::start(db.clone(), Segment::Na, None).await;
    let (dana, casey) = (app.token("dana").await, app.token("casey").await);
    let terms = expect(
        app.post("/api/data-use-agreement")
            .bearer_auth(&dana)
            .json(&json!({"name": "Orders terms", "body": "Fine."})),
        StatusCode::CREATED,
    )
    .await;
    let agreement = terms["id"].as_str().unwrap();
    let mut form = crate::forms::sales_form("Orders form", &[agreement]);
    form["policy"] = json!({"rules": [], "defaultEvent": {"type": "approve", "params": {}}});
    let form = crate::forms::create_form(&app, &dana, &form).await;
    let mut product = crate::products::product("Orders", SALES, &["1"]);
    product["dataAccessRequestFormId"] = form["id"].clone();
    let product = crate::products::publish(&app, &dana, &product).await;
    let product = product["id"].as_str().unwrap();
    let body = json!({"user": CASEY, "form": answers("Marketing", agreement)});
    let path = format!("/api/data-product/{product}/request");
    let request = expect(app.post(&path).bearer_auth(&casey).json(&body), StatusCode::CREATED).await;
    assert_eq!(eventually(&url, orders, true).await, Ok(6));
    let masked = as_role(&url, "casey", "SELECT * FROM sales_masked.customers").await;
    assert!(
        masked.unwrap_err().starts_with("permission denied"),
        "Customers is not in the product"
    );

    let revoke = format!(
        "/api/data-product/{product}/request/{}",
        request["id"].as_str().unwrap()
    );
    expect(app.delete(&revoke).bearer_auth(&dana), StatusCode::NO_CONTENT).await;
    assert!(
        eventually(&url, orders, false)
            .await
            .unwrap_err()
            .starts_with("permission denied")
    );

    // The command line sees the same connection, and a dry run finds nothing to do.
    let status =
        Shell::new(home.path(), true).run(&format!("marketplace provisioning status --database-url '{}'", db.url));
    assert!(status.starts_with("demo/warehouse: reachable, last cycle "), "{status}");
    let dry_run = Shell::new(home.path(), true).run(&format!(
        "MARKETPLACE_CONNECTION_WAREHOUSE='{url}' marketplace provisioning reconcile --dry-run --database-url '{}'",
        db.url
    ));
    assert_eq!(dry_run.trim(), "-- demo/warehouse: would run 0 statement(s)");
}
