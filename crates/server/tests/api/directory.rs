use crate::authentication::remove_user;
use crate::helpers::*;
use marketplace_domain::directory::{
    ChangeKind, Connection, EntityRef, OnDrift, Platform, SecretSource, parse_directory,
};
use reqwest::StatusCode;
use serde_json::json;

/// The demo file with: casey renamed, riley removed (and so from Finance Analysts), the Marketing group
/// removed, and a fifteenth data source added.
fn edited_demo() -> String {
    let edited = remove_user(DEMO, "riley")
        .replace("name: Casey Consumer", "name: Casey Q. Consumer")
        .replace("  - id: 3\n    name: Marketing\n    members: [casey]\n", "");
    format!(
        "{edited}  - id: 15\n    name: Forecasts\n    domain: Finance\n    platform: Snowflake\n    \
         columns:\n      - {{name: quarter, type: varchar}}\n"
    )
}

#[tokio::test]
async fn reimporting_the_same_file_changes_nothing() {
    let app = spawn_app().await;
    let report = app.import(DEMO).await;
    assert!(report.changes.is_empty(), "{:?}", report.changes);
}

#[tokio::test]
async fn an_edited_file_adds_updates_and_removes_exactly_the_differences() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    let riley = app.token("riley").await;
    let before = app.state.app.stored_directory("demo").await.unwrap().unwrap();
    let mut edited = parse_directory(&edited_demo()).unwrap();

    // A dry run reports and writes nothing.
    let dry = app.state.app.import_directory(&edited, true).await.unwrap();
    assert_eq!(app.state.app.stored_directory("demo").await.unwrap().unwrap(), before);
    // Each line names the record, and for an update the fields that change, as the file names them.
    let lines: Vec<String> = dry.changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "- user 6 (riley)",
            "~ user 5 (casey): name",
            "- group 3 (Marketing)",
            "~ group 2 (Finance Analysts): members",
            "+ data source 15 (Forecasts)",
        ]
    );

    let report = app.state.app.import_directory(&edited, false).await.unwrap();
    let changes: Vec<_> = report.changes.iter().map(|c| (c.kind, c.entity.clone())).collect();
    assert_eq!(
        changes,
        vec![
            (ChangeKind::Removed, EntityRef::User(6)),
            (ChangeKind::Updated, EntityRef::User(5)),
            (ChangeKind::Removed, EntityRef::Group(3)),
            (ChangeKind::Updated, EntityRef::Group(2)),
            (ChangeKind::Added, EntityRef::DataSource(15)),
        ]
    );
    assert_eq!(dry.changes, report.changes);
    edited.tenant.id = before.tenant.id;
    assert_eq!(app.state.app.stored_directory("demo").await.unwrap().unwrap(), edited);
    assert!(app.import(&edited_demo()).await.changes.is_empty());

    // The API serves the new state.
    let users = expect(app.get("/api/metadata/users").bearer_auth(&admin), StatusCode::OK).await;
    let names: Vec<_> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].clone())
        .collect();
    assert!(names.contains(&json!("Casey Q. Consumer")));
    assert!(!names.contains(&json!("Riley Analyst")));
    let groups = expect(app.get("/api/metadata/groups").bearer_auth(&admin), StatusCode::OK).await;
    assert_eq!(groups["groups"].as_array().unwrap().len(), 3);
    let finance = expect(
        app.get(&format!("/api/metadata/domain/{FINANCE}/datasources?limit=100"))
            .bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(finance["meta"]["totalCount"], 8);
    expect_unauthenticated(app.get("/api/auth/user").bearer_auth(&riley)).await;
}

#[tokio::test]
async fn a_file_the_store_refuses_changes_nothing() {
    let app = spawn_app().await;
    let before = app.state.app.stored_directory("demo").await.unwrap().unwrap();
    // Valid on its own, but it gives the existing tenant another id.
    let wrong_id = edited_demo().replace(
        "  shortKey: demo\n",
        "  shortKey: demo\n  id: 7f0c0a9e-8c55-4c2f-9d0e-1a2b3c4d5e6f\n",
    );
    let error = app
        .state
        .app
        .import_directory(&parse_directory(&wrong_id).unwrap(), false)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("7f0c0a9e-8c55-4c2f-9d0e-1a2b3c4d5e6f"),
        "{error}"
    );
    assert_eq!(app.state.app.stored_directory("demo").await.unwrap().unwrap(), before);
}

#[tokio::test]
async fn swapping_names_and_moving_records_in_one_import_works() {
    let app = spawn_app().await;
    // Swap two domain names, two usernames, and move data sources between domains: unique names hold only
    // at the end of the import, not at every step of it.
    let moved = DEMO
        .replace(
            "    name: Sales\n    description",
            "    name: Finance2\n    description",
        )
        .replace("domain: Sales", "domain: Finance")
        .replace("    name: Finance\n    description", "    name: Sales\n    description")
        .replace(
            "    name: Finance2\n    description",
            "    name: Finance\n    description",
        )
        .replace("username: casey", "username: tmp")
        .replace("username: riley", "username: casey")
        .replace("username: tmp", "username: riley")
        .replace("members: [casey]", "members: [riley]")
        .replace("[fran, riley]", "[fran, casey]");
    let report = app.import(&moved).await;
    assert!(!report.changes.is_empty());
    let mut desired = parse_directory(&moved).unwrap();
    desired.tenant.id = Some(report.tenant_id);
    assert_eq!(app.state.app.stored_directory("demo").await.unwrap().unwrap(), desired);
}

#[tokio::test]
async fn connections_and_accounts_are_kept_as_the_file_gives_them_and_go_when_it_drops_them() {
    let app = spawn_app().await;
    let demo = app.state.app.stored_directory("demo").await.unwrap().unwrap();
    let mut connected = demo.clone();
    connected.connections.insert(
        "warehouse".into(),
        Connection {
            name: "warehouse".into(),
            platform: Platform::PostgreSql,
            url: SecretSource::File("/run/secrets/warehouse".into()),
            on_drift: OnDrift::Report,
        },
    );
    connected.data_sources.get_mut(&1).unwrap().connection = Some("warehouse".into());
    let casey = connected
        .users
        .values_mut()
        .find(|user| user.username == "casey")
        .unwrap();
    casey.accounts.insert("warehouse".into(), "casey_ro".into());
    let casey_id = casey.id;

    let report = app.state.app.import_directory(&connected, false).await.unwrap();
    let lines: Vec<String> = report.changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "+ connection warehouse".to_owned(),
            format!("~ user {casey_id} (casey): accounts"),
            "~ data source 1 (Sales Orders): connection".to_owned(),
        ]
    );
    assert_eq!(
        app.state.app.stored_directory("demo").await.unwrap().unwrap(),
        connected
    );
    assert!(
        app.state
            .app
            .import_directory(&connected, false)
            .await
            .unwrap()
            .changes
            .is_empty()
    );

    // Dropped from the file, they are gone, and the rest is as before.
    let report = app.state.app.import_directory(&demo, false).await.unwrap();
    let lines: Vec<String> = report.changes.iter().map(ToString::to_string).collect();
    assert_eq!(lines[0], "- connection warehouse");
    assert_eq!(app.state.app.stored_directory("demo").await.unwrap().unwrap(), demo);
}
