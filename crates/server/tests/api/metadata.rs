use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn domains_offered_for_publishing_follow_permissions() {
    let app = spawn_app().await;
    for (user, expected) in [
        ("admin", vec!["Finance", "Sales"]),
        ("dana", vec!["Sales"]),
        ("fran", vec!["Finance"]),
        ("casey", vec![]),
    ] {
        let token = app.token(user).await;
        let domains = expect(app.get("/api/metadata/domain").bearer_auth(&token), StatusCode::OK).await;
        assert_eq!(names(&domains["domains"], "name"), expected, "{user}");
    }
    let casey = app.token("casey").await;
    let sales = expect(
        app.get(&format!("/api/metadata/domain/{SALES}")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(sales["name"], "Sales");
    assert!(sales["description"].as_str().unwrap().contains("sales"));
    expect(
        app.get("/api/metadata/domain/unknown").bearer_auth(&casey),
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn domain_data_sources_are_paginated_and_filtered() {
    let app = spawn_app().await;
    let token = app.token("dana").await;
    let path = format!("/api/metadata/domain/{SALES}/datasources");
    let first = expect(app.get(&path).bearer_auth(&token), StatusCode::OK).await;
    assert_eq!(
        first["meta"],
        json!({"offset": 0, "limit": 10, "totalCount": 7, "pageCount": 7, "currentPage": 1, "totalPages": 1})
    );
    let source = &first["data"][0];
    assert_eq!(source["dataSourceId"], 1);
    assert_eq!(source["name"], "Sales Orders");
    assert_eq!(source["platform"], "Snowflake");
    assert_eq!(source["table"], "ORDERS");
    assert_eq!(source["prefix"], Value::Null);
    assert!(source["createdAt"].as_str().unwrap().ends_with('Z'));

    // Numbers as a generated client writes them, arrays as repeated keys or commas.
    let page = expect(
        app.get(&format!("{path}?offset=2.0&limit=2.0")).bearer_auth(&token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["meta"]["currentPage"], 2);
    assert_eq!(page["meta"]["totalPages"], 4);
    assert_eq!(page["meta"]["pageCount"], 2);
    assert_eq!(page["data"][0]["dataSourceId"], 3);
    let picked = expect(
        app.get(&format!("{path}?dataSourceIds=2&dataSourceIds=5,8"))
            .bearer_auth(&token),
        StatusCode::OK,
    )
    .await;
    let ids: Vec<_> = picked["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["dataSourceId"].clone())
        .collect();
    assert_eq!(ids, vec![json!(2), json!(5)], "a Finance source is not in Sales");
    let searched = expect(
        app.get(&format!("{path}?searchText=ORDER")).bearer_auth(&token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&searched["data"], "name"), vec!["Sales Orders", "Order Lines"]);
    let beyond = expect(
        app.get(&format!("{path}?offset=50")).bearer_auth(&token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(beyond["data"], json!([]));
    assert_eq!(beyond["meta"]["totalCount"], 7);

    for (query, message) in [
        ("limit=0", "limit must not be less than 1"),
        ("limit=2.5", "limit must be an integer number"),
        ("offset=-1", "offset must not be less than 0"),
        (
            "limit=ten",
            "limit must be a number conforming to the specified constraints",
        ),
        (
            "dataSourceIds=x",
            "each value in dataSourceIds must be a number conforming to the specified constraints",
        ),
    ] {
        let answer = expect(
            app.get(&format!("{path}?{query}")).bearer_auth(&token),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(error_message(&answer, 400), json!([message]), "{query}");
    }
    let huge = expect(
        app.get(&format!("{path}?limit=5000")).bearer_auth(&token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(huge["meta"]["limit"], 1000, "a limit above 1000 is served as 1000");
}

#[tokio::test]
async fn users_are_searched_by_text_and_global_id() {
    let app = spawn_app().await;
    let token = app.token("casey").await;
    let all = expect(app.get("/api/metadata/users").bearer_auth(&token), StatusCode::OK).await;
    assert_eq!(
        names(&all["users"], "username"),
        vec!["admin", "dana", "sam", "fran", "casey", "riley"]
    );
    let riley = &all["users"][5];
    assert_eq!(
        *riley,
        json!({
            "id": 6, "iamId": "bim", "globalUserId": "50d27fb9-8291-4e53-8fa6-b17c2d3e4f56", "username": "riley",
            "name": "Riley Analyst", "email": "riley@demo-retail.example",
            "authorizations": {"Clearance": ["Confidential", "Internal"], "Department": ["Finance"], "Region": ["Europe"]}
        })
    );
    let found = expect(
        app.get("/api/metadata/users?filter=STEWARD").bearer_auth(&token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&found["users"], "username"), vec!["sam"]);
    let by_mail = expect(
        app.get("/api/metadata/users?filter=fran@").bearer_auth(&token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&by_mail["users"], "username"), vec!["fran"]);
    let wildcard = expect(
        app.get("/api/metadata/users?filter=%25").bearer_auth(&token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(wildcard["users"], json!([]), "% is matched literally");
    let by_id = expect(
        app.get("/api/metadata/users?globalUserId=50d27fb9-8291-4e53-8fa6-b17c2d3e4f56&globalUserId=2daf4c86-5f6e-4b20-9c73-8e4f9a0b1c23")
            .bearer_auth(&token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&by_id["users"], "username"), vec!["sam", "riley"]);
    let limited = expect(
        app.get("/api/metadata/users?limit=2").bearer_auth(&token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(limited["users"].as_array().unwrap().len(), 2);
    let answer = expect(
        app.get("/api/metadata/users?globalUserId=nope").bearer_auth(&token),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        error_message(&answer, 400)[0]
            .as_str()
            .unwrap()
            .contains("globalUserId")
    );
}

#[tokio::test]
async fn groups_and_attributes_are_searchable() {
    let app = spawn_app().await;
    let token = app.token("casey").await;
    let groups = expect(
        app.get("/api/metadata/groups?filter=an").bearer_auth(&token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&groups["groups"], "name"), vec!["Finance Analysts"]);
    assert_eq!(
        groups["groups"][0],
        json!({"id": 2, "iamId": "bim", "name": "Finance Analysts", "email": "finance-analysts@demo-retail.example"})
    );
    let limited = expect(
        app.get("/api/metadata/groups?limit=1").bearer_auth(&token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(limited["groups"].as_array().unwrap().len(), 1);

    let regions = expect(
        app.get("/api/metadata/attributes?type=Region").bearer_auth(&token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        names(&regions["attributes"], "value"),
        vec!["Europe", "Global", "North America"]
    );
    let searched = expect(
        app.get("/api/metadata/attributes?search=confid").bearer_auth(&token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        searched["attributes"],
        json!([{"type": "Clearance", "value": "Confidential"}])
    );
}

#[tokio::test]
async fn tags_are_searched_by_prefix_or_fuzzily() {
    let app = spawn_app().await;
    let token = app.token("casey").await;
    let pii = expect(
        app.get("/api/metadata/tags?searchText=PII").bearer_auth(&token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&pii, "name"), vec!["PII", "PII.Email", "PII.Name", "PII.Phone"]);
    assert_eq!(pii[0]["hasLeafNodes"], true);
    assert_eq!(pii[1]["hasLeafNodes"], false);
    assert_eq!(pii[1]["displayName"], "Email address");
    let prefix = expect(
        app.get("/api/metadata/tags?searchText=mail").bearer_auth(&token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(prefix, json!([]));
    let fuzzy = expect(
        app.get("/api/metadata/tags?searchText=mail&fuzzySearch=true")
            .bearer_auth(&token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&fuzzy, "name"), vec!["PII.Email"]);
    let limited = expect(
        app.get("/api/metadata/tags?limit=3").bearer_auth(&token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(limited.as_array().unwrap().len(), 3);
    let answer = expect(
        app.get("/api/metadata/tags?limit=201").bearer_auth(&token),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        error_message(&answer, 400),
        json!(["limit must not be greater than 200"])
    );
    let answer = expect(
        app.get("/api/metadata/tags?fuzzySearch=maybe").bearer_auth(&token),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        error_message(&answer, 400),
        json!(["fuzzySearch must be a boolean value"])
    );
}

#[tokio::test]
async fn applied_tags_come_from_sources_and_columns() {
    let app = spawn_app().await;
    let token = app.token("casey").await;
    let search = |body: Value| {
        app.post("/api/metadata/tags/applied/search")
            .bearer_auth(&token)
            .json(&body)
    };
    let customers = expect(search(json!({"dataSourceIds": [3]})), StatusCode::OK).await;
    assert_eq!(
        names(&customers["data"], "name"),
        vec!["PII", "PII.Email", "PII.Name", "PII.Phone", "Sales"]
    );
    assert_eq!(customers["total"], 5);
    let columns_only = expect(
        search(json!({"dataSourceIds": [3], "modelType": "column"})),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        names(&columns_only["data"], "name"),
        vec!["PII.Email", "PII.Name", "PII.Phone"]
    );
    let sources_only = expect(
        search(json!({"dataSourceIds": [3], "modelType": ["datasource"]})),
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&sources_only["data"], "name"), vec!["PII", "Sales"]);
    let without_pii = expect(
        search(json!({"dataSourceIds": [3], "excludedHierarchies": ["PII"]})),
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&without_pii["data"], "name"), vec!["Sales"]);
    let paged = expect(search(json!({"offset": 4, "limit": 2})), StatusCode::OK).await;
    assert_eq!(paged["total"], 10);
    assert_eq!(names(&paged["data"], "name"), vec!["Financial.AccountNumber", "PII"]);
    let first = &customers["data"][0];
    assert_eq!(first["tagId"], 1);
    assert_eq!(first["deleted"], false);
    assert_eq!(first["createdBy"], Value::Null);
    let answer = expect(search(json!({"modelType": "table"})), StatusCode::BAD_REQUEST).await;
    assert_eq!(
        error_message(&answer, 400),
        json!(["modelType must be one of the following values: datasource, column"])
    );
    expect(
        search(json!({"dataProductId": "cm0000000000000000000000"})),
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn the_caller_sees_their_permissions_groups_and_attributes() {
    let app = spawn_app().await;
    let token = app.token("fran").await;
    let me = expect(app.get("/api/auth/user").bearer_auth(&token), StatusCode::OK).await;
    assert_eq!(me["displayName"], "Fran Finance");
    assert_eq!(me["username"], "fran");
    assert_eq!(me["email"], "fran@demo-retail.example");
    assert_eq!(me["globalPermissions"], json!([]));
    assert_eq!(me["groups"], json!(["Finance Analysts"]));
    assert_eq!(
        me["authorizations"],
        json!({"Department": ["Finance"], "Region": ["North America"]})
    );
    let grants = me["collectionPermissions"][FINANCE].as_array().unwrap();
    let permissions: Vec<_> = grants.iter().map(|g| g["permission"].as_str().unwrap()).collect();
    assert_eq!(permissions.len(), 2);
    assert!(permissions.contains(&"Manage Data Products") && permissions.contains(&"Manage Policies"));
    assert_eq!(grants[0]["collectionId"], FINANCE);
    assert_eq!(grants[0]["profileId"], 4);
    assert_eq!(grants[0]["groupId"], Value::Null);
    assert_eq!(me["tenantInfo"]["fqdn"], "demo.hosted.marketplace.local");
    assert_eq!(me["tenantInfo"]["globalSegment"], "na");

    // Permissions held through a group are the caller's too.
    let admin = app.token("admin").await;
    let me = expect(app.get("/api/auth/user").bearer_auth(&admin), StatusCode::OK).await;
    assert_eq!(
        me["globalPermissions"],
        json!(["APPLICATION_ADMIN", "GOVERNANCE", "USER_ADMIN"])
    );
    let audit = &me["collectionPermissions"][SALES][0];
    assert_eq!(audit["permission"], "Audit Activity");
    assert_eq!(audit["groupId"], 4);
    assert_eq!(audit["profileId"], Value::Null);

    let settings = expect(app.get("/api/settings/frontend").bearer_auth(&token), StatusCode::OK).await;
    assert_eq!(
        settings,
        json!({
            "theme": {"primaryColor": "#1F4E79", "accentColor": "#F2A541", "lightModeImage": null, "darkModeImage": null},
            "featureFlags": {"statsigClientKey": null, "statsigEnvironment": null}
        })
    );
}
