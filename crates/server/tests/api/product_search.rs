//! Finding products: the catalog's search, paged by cursor and filtered by the caller's role and status, and the
//! search over the columns of a product's data sources.

use crate::helpers::*;
use crate::products::{product, publish};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn search_pages_by_cursor_and_filters_by_the_callers_role() {
    let app = spawn_app().await;
    let dana = app.token("dana").await;
    let fran = app.token("fran").await;
    for name in ["Delta", "Alpha", "Echo", "Bravo"] {
        publish(&app, &dana, &product(name, SALES, &[])).await;
    }
    publish(&app, &fran, &product("Charlie", FINANCE, &[])).await;
    let casey = app.token("casey").await;
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let path = match &token {
            Some(token) => format!("/api/data-product?limit=2&nextToken={token}"),
            None => "/api/data-product?limit=2".to_owned(),
        };
        let page = expect(app.get(&path).bearer_auth(&casey), StatusCode::OK).await;
        assert_eq!(page["meta"]["limit"], 2);
        names.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_owned()),
        );
        match page["meta"]["nextToken"].as_str() {
            Some(next) => token = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(names, vec!["Alpha", "Bravo", "Charlie", "Delta", "Echo"]);
    let desc = expect(
        app.get("/api/data-product?sortOrder=desc&sortBy=name&limit=2.0")
            .bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(desc["data"][0]["name"], "Echo");
    let filtered = expect(
        app.get("/api/data-product?nameFilter=HAR").bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(filtered["data"][0]["name"], "Charlie");

    let managed = expect(
        app.get("/api/data-product?roleFilter=manager&limit=100")
            .bearer_auth(&dana),
        StatusCode::OK,
    )
    .await;
    assert_eq!(managed["data"].as_array().unwrap().len(), 4);
    let published = expect(
        app.get("/api/data-product?statusFilter=PUBLISHER&limit=1")
            .bearer_auth(&fran),
        StatusCode::OK,
    )
    .await;
    assert_eq!(published["data"][0]["name"], "Charlie");
    assert_eq!(published["meta"]["nextToken"], Value::Null);
    let none = expect(
        app.get("/api/data-product?roleFilter=noRole&statusFilter=NONE")
            .bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(none["data"].as_array().unwrap().len(), 5);
    let stewarded = expect(
        app.get("/api/data-product?roleFilter=steward").bearer_auth(&fran),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        stewarded["data"].as_array().unwrap().len(),
        1,
        "the default flow names Manage Data Products in the product's domain"
    );
    let expiring = expect(
        app.get("/api/data-product?expiration=true").bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(expiring["data"], json!([]));

    for (query, field) in [
        ("limit=101", "limit"),
        ("nextToken=garbage", "nextToken"),
        ("roleFilter=owner", "roleFilter"),
        ("statusFilter=HAPPY", "statusFilter"),
        ("sortOrder=up", "sortOrder"),
    ] {
        let answer = expect(
            app.get(&format!("/api/data-product?{query}")).bearer_auth(&casey),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(
            error_message(&answer, 400)[0].as_str().unwrap().starts_with(field),
            "{query}: {answer}"
        );
    }
}

#[tokio::test]
async fn columns_are_searched_across_the_products_sources() {
    let app = spawn_app().await;
    let dana = app.token("dana").await;
    let published = publish(&app, &dana, &product("People", SALES, &["3", "6"])).await;
    let path = format!("/api/data-product/{}/columns", published["id"].as_str().unwrap());
    let casey = app.token("casey").await;
    let all = expect(
        app.get(&format!("{path}?limit=100")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["meta"]["totalCount"], 13);
    let masked = expect(
        app.get(&format!("{path}?maskedOnly=true")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    let names: Vec<_> = masked["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["email", "full_name", "owner_email", "phone"]);
    assert_eq!(
        masked["data"][0],
        json!({"name": "email", "sourceId": "3", "sourceName": "Customers", "tags": ["PII.Email"], "type": "Snowflake",
               "globalPolicyInfo": {"maskingType": "Hashing"}, "localPolicyInfo": null})
    );
    let by_tag = expect(app.get(&format!("{path}?tagIds=2")).bearer_auth(&casey), StatusCode::OK).await;
    assert_eq!(by_tag["meta"]["totalCount"], 2);
    let by_source = expect(
        app.get(&format!("{path}?dataSourceIds=6&searchText=AM&dir=DESC"))
            .bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    let names: Vec<_> = by_source["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["amount", "account_name"]);
    let paged = expect(
        app.get(&format!("{path}?offset=12&limit=5")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(paged["meta"]["pageCount"], 1);
    assert_eq!(paged["meta"]["currentPage"], 3);
    expect(
        app.get(&format!("{path}?tagIds=pii")).bearer_auth(&casey),
        StatusCode::BAD_REQUEST,
    )
    .await;
    expect(
        app.get("/api/data-product/nope/columns").bearer_auth(&casey),
        StatusCode::NOT_FOUND,
    )
    .await;
}
