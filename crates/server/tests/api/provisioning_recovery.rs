//! Provisioning across time and failures: access that expires, and a cycle killed between its record and the
//! platform, settled by the next one without a second record.

use crate::provisioning::{casey_requests, warehouse_product};
use crate::warehouse::{Warehouse, idle_provisioned_app, provisioned_app};
use marketplace_app::model::ChangeRecord;
use marketplace_domain::provisioning::{Action, Change, Privilege, Reason, Target};

#[tokio::test]
async fn expired_access_is_withdrawn_within_seconds() {
    let Some(warehouse) = Warehouse::create().await else {
        return;
    };
    let app = provisioned_app(&warehouse, "revoke").await;
    let (product, agreement) = warehouse_product(&app, "Expiring", &["102"]).await;
    casey_requests(&app, &product, &agreement).await;
    warehouse
        .eventually("casey", "SELECT 1 FROM sales.orders", true)
        .await
        .unwrap();
    // The request was for 30 days.
    app.state.app.clock().advance(31 * 24 * 3600);
    assert_eq!(app.state.app.expire_due().await.unwrap(), 1);
    let refused = warehouse.eventually("casey", "SELECT 1 FROM sales.orders", false).await;
    assert!(refused.unwrap_err().starts_with("permission denied"));
}

fn orders_for(role: &str) -> Privilege {
    Privilege {
        role: role.to_owned(),
        target: Target::Table {
            schema: "sales".into(),
            table: "orders".into(),
        },
    }
}

#[tokio::test]
async fn a_cycle_killed_mid_way_is_settled_by_the_next_with_one_record_per_change() {
    let Some(warehouse) = Warehouse::create().await else {
        return;
    };
    let app = idle_provisioned_app(&warehouse, "revoke").await;
    let (product, agreement) = warehouse_product(&app, "Interrupted", &["102"]).await;
    casey_requests(&app, &product, &agreement).await;

    // What a cycle killed after writing its changes ahead and applying one of them leaves behind.
    let casey = warehouse.role("casey");
    let now = app.state.app.now();
    let pending = |privilege: Privilege, statement: &str| ChangeRecord {
        id: uuid::Uuid::now_v7().to_string(),
        change: Change {
            action: Action::Grant,
            privilege,
            reason: Reason::Approved,
        },
        statement: statement.to_owned(),
        request_ids: Vec::new(),
        state: "PENDING".into(),
        error: None,
        attempts: 0,
        created_at: now,
        updated_at: now,
    };
    let usage = Privilege {
        role: casey.clone(),
        target: Target::Schema { schema: "sales".into() },
    };
    let applied = pending(
        orders_for(&casey),
        &format!("GRANT SELECT ON TABLE \"sales\".\"orders\" TO \"{casey}\""),
    );
    let not_applied = pending(usage, &format!("GRANT USAGE ON SCHEMA \"sales\" TO \"{casey}\""));
    let store = app.store();
    let tenant = store.tenant_by_short_key("demo").await.unwrap().unwrap();
    let written = [applied.clone(), not_applied.clone()];
    store
        .save_provisioning_changes(tenant.id, "warehouse", &written)
        .await
        .unwrap();
    warehouse
        .admin(&format!("GRANT SELECT ON sales.orders TO {casey}"))
        .await;

    let reports = app.state.app.reconcile_everything(false).await.unwrap();
    assert_eq!(
        reports[0].statements,
        vec![not_applied.statement.clone()],
        "{reports:?}"
    );
    warehouse
        .eventually("casey", "SELECT 1 FROM sales.orders", true)
        .await
        .unwrap();
    let changes = app
        .state
        .app
        .provisioning_changes_of("demo", "warehouse")
        .await
        .unwrap();
    assert_eq!(changes.len(), 2, "one record per change: {changes:?}");
    for record in [&applied, &not_applied] {
        let settled = changes
            .iter()
            .find(|change| change.id == record.id)
            .expect("the same record");
        assert_eq!(settled.state, "APPLIED", "{settled:?}");
    }

    // Another instance taking over after a crash finds nothing left to do.
    let other = app.another_instance().await;
    let reports = other.state.app.reconcile_everything(false).await.unwrap();
    assert!(reports[0].statements.is_empty());
    assert_eq!(
        app.state
            .app
            .provisioning_changes_of("demo", "warehouse")
            .await
            .unwrap()
            .len(),
        2
    );
}
