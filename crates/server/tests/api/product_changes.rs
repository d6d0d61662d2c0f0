//! Changing a published product, field by field or its data sources alone, and deleting it: who may, and what
//! each change is checked against. Publishing and reading products is in `products`.

use crate::forms::{create_form, sales_form};
use crate::helpers::*;
use crate::products::{product, publish};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn a_product_is_changed_field_by_field() {
    let app = spawn_app().await;
    let dana = app.token("dana").await;
    let published = publish(&app, &dana, &product("Orders", SALES, &["1", "2"])).await;
    let path = format!("/api/data-product/{}", published["id"].as_str().unwrap());
    let changed = expect(
        app.request(Method::PUT, &path)
            .bearer_auth(&dana)
            .json(&json!({"description": null, "suspended": true})),
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["description"], Value::Null);
    assert_eq!(changed["suspended"], true);
    assert_eq!(changed["name"], "Orders");
    assert_eq!(changed["stats"]["dataSourceCount"], 2);
    assert!(changed["updatedAt"].as_str().unwrap() >= published["updatedAt"].as_str().unwrap());

    // Moving it to Finance is refused: dana manages Sales only, and its sources are Sales sources.
    expect(
        app.request(Method::PUT, &path)
            .bearer_auth(&dana)
            .json(&json!({"domains": [FINANCE]})),
        StatusCode::FORBIDDEN,
    )
    .await;
    let admin = app.token("admin").await;
    let answer = expect(
        app.request(Method::PUT, &path)
            .bearer_auth(&admin)
            .json(&json!({"domains": [FINANCE]})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        error_message(&answer, 400)[0]
            .as_str()
            .unwrap()
            .contains("is not in the product's domains")
    );

    let sources_path = format!("{path}/datasources");
    let replaced = expect(
        app.request(Method::PUT, &sources_path)
            .bearer_auth(&dana)
            .json(&json!({"dataSources": [{"sourceId": "5"}]})),
        StatusCode::OK,
    )
    .await;
    assert_eq!(replaced["stats"]["dataSourceCount"], 1);
    assert_eq!(replaced["sourceTypes"], json!(["Databricks"]));
    expect(
        app.request(Method::PUT, &sources_path)
            .bearer_auth(&dana)
            .json(&json!({"dataSources": [{"sourceId": "9"}]})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let casey = app.token("casey").await;
    expect(
        app.request(Method::PUT, &sources_path)
            .bearer_auth(&casey)
            .json(&json!({"dataSources": []})),
        StatusCode::FORBIDDEN,
    )
    .await;
    expect(
        app.request(Method::PUT, &path)
            .bearer_auth(&casey)
            .json(&json!({"name": "Mine"})),
        StatusCode::FORBIDDEN,
    )
    .await;
    publish(&app, &dana, &product("Other", SALES, &[])).await;
    let answer = expect(
        app.request(Method::PUT, &path)
            .bearer_auth(&dana)
            .json(&json!({"name": "Other"})),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(error_message(&answer, 409), "Data Product name in use.");
}

#[tokio::test]
async fn deleting_a_product_frees_its_form() {
    let app = spawn_app().await;
    let dana = app.token("dana").await;
    let form = create_form(&app, &dana, &sales_form("Short lived", &[])).await;
    let mut body = product("Short lived", SALES, &["1"]);
    body["requestFormId"] = form["id"].clone();
    let published = publish(&app, &dana, &body).await;
    assert_eq!(published["maskingExceptionRequestFormId"], form["id"]);
    let path = format!("/api/data-product/{}", published["id"].as_str().unwrap());
    let casey = app.token("casey").await;
    expect(app.delete(&path).bearer_auth(&casey), StatusCode::FORBIDDEN).await;
    assert_eq!(
        expect(app.delete(&path).bearer_auth(&dana), StatusCode::OK).await,
        Value::Null
    );
    expect(app.get(&path).bearer_auth(&dana), StatusCode::NOT_FOUND).await;
    expect(app.delete(&path).bearer_auth(&dana), StatusCode::NOT_FOUND).await;
    expect(
        app.delete(&format!("/api/request-form/{}", form["id"].as_str().unwrap()))
            .bearer_auth(&dana),
        StatusCode::NO_CONTENT,
    )
    .await;
}
