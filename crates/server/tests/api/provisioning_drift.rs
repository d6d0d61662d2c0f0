//! Provisioning when things go wrong: grants made by hand (revoked or reported, everything else untouched), a
//! warehouse that is down, a cycle interrupted between its record and the platform, and wrong configuration.

use crate::helpers::*;
use crate::provisioning::{casey_requests, provisioning, provisioning_when, warehouse_product};
use crate::warehouse::{Warehouse, directory, provisioned_app};
use crate::webhooks::{Behaviour, Receiver};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

async fn reconcile(app: &TestApp, admin: &str) -> Value {
    expect(
        app.post("/api/provisioning/reconcile").bearer_auth(admin),
        StatusCode::OK,
    )
    .await
}

#[tokio::test]
async fn a_grant_made_by_hand_is_revoked_recorded_and_announced_and_nothing_else_is_touched() {
    let Some(warehouse) = Warehouse::create().await else {
        return;
    };
    let app = provisioned_app(&warehouse, "revoke").await;
    let admin = app.token("admin").await;
    let receiver = Receiver::start(Behaviour::FailFirst(0)).await;
    let hook = json!({"url": receiver.url});
    expect(
        app.post("/api/notification/webhook").bearer_auth(&admin).json(&hook),
        StatusCode::OK,
    )
    .await;
    let (product, agreement) = warehouse_product(&app, "Warehouse 1", &["102"]).await;
    casey_requests(&app, &product, &agreement).await;
    warehouse
        .eventually("casey", "SELECT 1 FROM sales.orders", true)
        .await
        .unwrap();
    let before = warehouse.acls().await;

    let (casey, riley) = (warehouse.role("casey"), warehouse.role("riley"));
    warehouse
        .admin(&format!("GRANT USAGE ON SCHEMA sales TO {riley}; GRANT SELECT ON sales.customers TO {riley}; GRANT SELECT ON sales.customers TO {casey}"))
        .await;
    let cycle = reconcile(&app, &admin).await;
    let statements = cycle[0]["statements"].as_array().unwrap();
    assert!(
        statements.contains(&json!(format!(
            "REVOKE SELECT ON TABLE \"sales\".\"customers\" FROM \"{riley}\""
        ))),
        "{cycle}"
    );
    let after = warehouse.acls().await;
    assert_eq!(
        unmanaged(&after),
        unmanaged(&before),
        "grants on sales.audit and to the service account are untouched"
    );
    assert!(
        after.iter().all(|acl| !acl.contains(&format!("{riley}=r"))),
        "{after:?}"
    );
    assert!(
        after
            .iter()
            .any(|acl| acl.starts_with("schema") && acl.contains(&format!("{riley}=U"))),
        "a schema's USAGE granted by hand is not the provisioner's to revoke: it may serve unmanaged tables"
    );
    assert!(
        !after
            .iter()
            .any(|acl| acl.starts_with("customers ") && acl.contains(&casey)),
        "{after:?}"
    );
    let status = expect(app.get("/api/provisioning/status").bearer_auth(&admin), StatusCode::OK).await;
    assert_eq!(status[0]["driftRepaired"], 2, "{status}");

    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let drift = loop {
        let documents = receiver.documents();
        let drift: Vec<Value> = documents
            .into_iter()
            .filter(|d| d["type"] == "marketplace.access.drift_repaired")
            .collect();
        if drift.len() == 2 || std::time::Instant::now() > deadline {
            break drift;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(drift.len(), 2);
    assert_eq!(drift[0]["subject"], "connections/warehouse");
    let provisioned = receiver
        .documents()
        .into_iter()
        .filter(|d| d["type"] == "marketplace.access.provisioned")
        .count();
    assert_eq!(provisioned, 1, "the approval was announced once");
}

/// What the provisioner must never touch: the unmanaged table's ACL whole, and the service account's entries.
fn unmanaged(acls: &[String]) -> Vec<String> {
    acls.iter()
        .map(|line| match line.starts_with("audit ") {
            true => line.clone(),
            false => line
                .split([',', '{', '}'])
                .filter(|entry| entry.starts_with("svc_"))
                .collect::<Vec<_>>()
                .join(","),
        })
        .collect()
}

#[tokio::test]
async fn on_a_reporting_connection_drift_is_only_recorded() {
    let Some(warehouse) = Warehouse::create().await else {
        return;
    };
    let app = provisioned_app(&warehouse, "report").await;
    let admin = app.token("admin").await;
    let riley = warehouse.role("riley");
    warehouse
        .admin(&format!(
            "GRANT USAGE ON SCHEMA sales TO {riley}; GRANT SELECT ON sales.orders TO {riley}"
        ))
        .await;
    let before = warehouse.acls().await;
    for _ in 0..2 {
        let cycle = reconcile(&app, &admin).await;
        assert_eq!(cycle[0]["statements"], json!([]), "{cycle}");
    }
    assert_eq!(warehouse.acls().await, before);
    assert_eq!(
        warehouse
            .select_as("riley", "SELECT count(*) FROM sales.orders")
            .await
            .unwrap(),
        vec!["2"]
    );
    let status = expect(app.get("/api/provisioning/status").bearer_auth(&admin), StatusCode::OK).await;
    assert_eq!(status[0]["driftRepaired"], 0);
    let changes = app
        .state
        .app
        .provisioning_changes_of("demo", "warehouse")
        .await
        .unwrap();
    let reported: Vec<_> = changes.iter().filter(|change| change.state == "REPORTED").collect();
    assert_eq!(reported.len(), 1, "reported once, not every cycle: {changes:?}");
}

#[tokio::test]
async fn a_warehouse_down_during_an_approval_is_provisioned_when_it_is_back() {
    let Some(warehouse) = Warehouse::create().await else {
        return;
    };
    let secrets = tempfile::tempdir().unwrap();
    let url_file = secrets.path().join("warehouse-url");
    std::fs::write(&url_file, "postgres://nobody@127.0.0.1:1/nowhere").unwrap();
    let yaml = directory(&warehouse.suffix, "revoke")
        .replace("urlEnv: WAREHOUSE_URL", &format!("urlFile: {}", url_file.display()));
    let app = provisioned_app(&warehouse, "revoke").await;
    app.import(&yaml).await;
    let casey = app.token("casey").await;
    let (product, agreement) = warehouse_product(&app, "Warehouse 2", &["102"]).await;
    let request = casey_requests(&app, &product, &agreement).await;
    let shown = provisioning_when(&app, &casey, &request, "FAILED").await;
    assert_eq!(shown["state"], "FAILED", "{shown}");
    let error = shown["grants"][0]["error"].as_str().unwrap();
    assert!(error.starts_with("cannot connect"), "{error}");
    let admin = app.token("admin").await;
    let status = expect(app.get("/api/provisioning/status").bearer_auth(&admin), StatusCode::OK).await;
    assert_eq!(status[0]["reachable"], false);

    // Back: the retry (backing off from 2 s) applies it with nobody acting.
    std::fs::write(&url_file, &warehouse.url).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while warehouse
        .select_as("casey", "SELECT 1 FROM sales.orders")
        .await
        .is_err()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "not provisioned after the warehouse came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        provisioning_when(&app, &casey, &request, "APPLIED").await["state"],
        "APPLIED"
    );
}

#[tokio::test]
async fn two_instances_record_each_change_once() {
    let Some(warehouse) = Warehouse::create().await else {
        return;
    };
    let app = provisioned_app(&warehouse, "revoke").await;
    let other = app.another_instance().await;
    let settings = warehouse.settings(Duration::from_secs(30));
    let mut state = other.state.clone();
    state.app = state.app.with_provisioning(settings);
    marketplace_server::jobs::spawn(state.clone());
    let (product, agreement) = warehouse_product(&app, "Warehouse 3", &["101", "102"]).await;
    casey_requests(&app, &product, &agreement).await;
    warehouse
        .eventually("casey", "SELECT 1 FROM sales.orders", true)
        .await
        .unwrap();
    let admin = app.token("admin").await;
    let (first, second) = tokio::join!(reconcile(&app, &admin), state.app.reconcile_everything(false));
    assert!(first[0]["statements"].as_array().unwrap().is_empty(), "{first}");
    assert!(second.unwrap().iter().all(|report| report.statements.is_empty()));
    let changes = app
        .state
        .app
        .provisioning_changes_of("demo", "warehouse")
        .await
        .unwrap();
    let mut statements: Vec<&str> = changes.iter().map(|change| change.statement.as_str()).collect();
    let all = statements.len();
    statements.sort();
    statements.dedup();
    assert_eq!(statements.len(), all, "each change recorded once: {statements:?}");
    assert!(changes.iter().all(|change| change.state == "APPLIED"));
}

#[tokio::test]
async fn wrong_configuration_is_a_clear_error_and_changes_nothing() {
    let Some(warehouse) = Warehouse::create().await else {
        return;
    };
    let app = provisioned_app(&warehouse, "revoke").await;
    let admin = app.token("admin").await;
    // A user whose role does not exist on the warehouse.
    let yaml = directory(&warehouse.suffix, "revoke").replace(
        &format!("accounts: {{warehouse: {}}}", warehouse.role("casey")),
        "accounts: {warehouse: no_such_role}",
    );
    app.import(&yaml).await;
    let before = warehouse.acls().await;
    let (product, agreement) = warehouse_product(&app, "Warehouse 4", &["102"]).await;
    let request = casey_requests(&app, &product, &agreement).await;
    let cycle = reconcile(&app, &admin).await;
    let error = cycle[0]["error"].as_str().unwrap();
    assert!(error.starts_with("role \"no_such_role\" does not exist ("), "{cycle}");
    let shown = provisioning(&app, &app.token("casey").await, &request).await;
    assert_eq!(shown["state"], "FAILED");
    assert_eq!(shown["grants"][0]["error"], "role \"no_such_role\" does not exist");
    assert_eq!(warehouse.acls().await, before);

    // A connection whose URL variable is not set.
    let yaml = yaml.replace("urlEnv: WAREHOUSE_URL", "urlEnv: MARKETPLACE_NO_SUCH_VARIABLE");
    app.import(&yaml).await;
    let cycle = reconcile(&app, &admin).await;
    assert_eq!(
        cycle[0]["error"],
        "the environment variable MARKETPLACE_NO_SUCH_VARIABLE is not set"
    );
    let status = expect(app.get("/api/provisioning/status").bearer_auth(&admin), StatusCode::OK).await;
    assert_eq!(status[0]["reachable"], false);
    assert_eq!(warehouse.acls().await, before);
}
