use crate::forms::{create_form, sales_form};
use crate::helpers::*;
use crate::products::{product, publish};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn object(app: &TestApp, token: &str, name: &str) -> Value {
    expect(
        app.get(&format!("/api/asset/byMetadata?fullyQualifiedName={name}"))
            .bearer_auth(token),
        StatusCode::OK,
    )
    .await
}

#[tokio::test]
async fn data_objects_are_found_by_their_metadata() {
    let app = spawn_app().await;
    let casey = app.token("casey").await;
    let table = object(&app, &casey, "sales.public.customers").await;
    assert_eq!(table["type"], "DATA_OBJECT");
    assert_eq!(table["name"], "CUSTOMERS");
    assert_eq!(table["metadata"]["objectPath"], json!(["SALES", "PUBLIC", "CUSTOMERS"]));
    assert_eq!(table["metadata"]["technology"], "Snowflake");
    assert_eq!(table["metadata"]["host"], "demo-retail.snowflakecomputing.com");
    assert_eq!(table["metadata"]["legacyType"], "table");
    assert_eq!(table["metadata"]["dataSourceId"], 3);
    assert_eq!(table["stats"]["dataSourceCount"], 1);
    assert_eq!(table["registered"], true);
    let schema = object(&app, &casey, "SALES.PUBLIC").await;
    assert_eq!(schema["metadata"]["legacyType"], "schema");
    assert_eq!(schema["stats"]["dataSourceCount"], 4);
    let by_id = expect(
        app.get(&format!("/api/asset/{}", table["id"].as_str().unwrap()))
            .bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_id, table);
    let narrowed = "/api/asset/byMetadata?fullyQualifiedName=dw.sales.returns&technology=redshift&assetType=table&host=retail-dw.abc123.us-east-1.redshift.amazonaws.com&port=5439.0";
    assert_eq!(
        expect(app.get(narrowed).bearer_auth(&casey), StatusCode::OK).await["name"],
        "returns"
    );
    expect(
        app.get("/api/asset/byMetadata?fullyQualifiedName=dw.sales.returns&technology=Snowflake")
            .bearer_auth(&casey),
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(
        app.get("/api/asset/byMetadata?fullyQualifiedName=no.such.table")
            .bearer_auth(&casey),
        StatusCode::NOT_FOUND,
    )
    .await;
    let answer = expect(
        app.get("/api/asset/byMetadata").bearer_auth(&casey),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        error_message(&answer, 400),
        json!(["fullyQualifiedName should not be empty"])
    );
    expect(
        app.get("/api/asset/byMetadata?fullyQualifiedName=a&port=70000")
            .bearer_auth(&casey),
        StatusCode::BAD_REQUEST,
    )
    .await;
    expect(
        app.get("/api/asset/not-an-asset").bearer_auth(&casey),
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn a_data_product_is_an_asset_too() {
    let app = spawn_app().await;
    let dana = app.token("dana").await;
    let published = publish(&app, &dana, &product("Orders", SALES, &["1"])).await;
    let path = format!("/api/asset/{}", published["id"].as_str().unwrap());
    let asset = expect(app.get(&path).bearer_auth(&dana), StatusCode::OK).await;
    assert_eq!(asset["type"], "DATA_PRODUCT");
    assert_eq!(asset["domains"], json!([SALES]));
    assert_eq!(asset["stats"]["expiredRequestCount"], 0);
    assert_eq!(asset["subjectMatterExperts"], json!([]));
    let changed = expect(
        app.request(Method::PATCH, &path)
            .bearer_auth(&dana)
            .json(&json!({"type": "DATA_PRODUCT", "name": "Orders v2",
            "subjectMatterExperts": [{"id": "2daf4c86-5f6e-4b20-9c73-8e4f9a0b1c23"}]})),
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["name"], "Orders v2");
    assert_eq!(
        changed["subjectMatterExperts"][0]["id"],
        "2daf4c86-5f6e-4b20-9c73-8e4f9a0b1c23"
    );
    let product = expect(
        app.get(&format!("/api/data-product/{}", published["id"].as_str().unwrap()))
            .bearer_auth(&dana),
        StatusCode::OK,
    )
    .await;
    assert_eq!(product["name"], "Orders v2");
    let answer = expect(
        app.request(Method::PATCH, &path)
            .bearer_auth(&dana)
            .json(&json!({"type": "DATA_OBJECT"})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        error_message(&answer, 400),
        json!(["type must be DATA_PRODUCT for a data product"])
    );
    let casey = app.token("casey").await;
    expect(
        app.request(Method::PATCH, &path)
            .bearer_auth(&casey)
            .json(&json!({"type": "DATA_PRODUCT", "suspended": true})),
        StatusCode::FORBIDDEN,
    )
    .await;
    let forms = expect(
        app.get(&format!("{path}/request-forms")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(forms["dataAccessForm"]["name"], "Standard Request Form");
    assert!(forms["dataAccessForm"].get("inheritedFrom").is_none());
    let flows = expect(
        app.get(&format!("{path}/review-flows")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(flows["dataAccessReviewFlow"]["defaultEvent"]["type"], "review");
}

#[tokio::test]
async fn tables_inherit_forms_and_flows_from_their_schema_until_they_set_their_own() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    let schema = object(&app, &admin, "SALES.PUBLIC").await;
    let table = object(&app, &admin, "SALES.PUBLIC.ORDERS").await;
    let schema_path = format!("/api/asset/{}", schema["id"].as_str().unwrap());
    let table_path = format!("/api/asset/{}", table["id"].as_str().unwrap());
    let form = create_form(&app, &admin, &sales_form("Schema form", &[])).await;
    let flow = json!({"rules": [], "defaultEvent": {"type": "approve", "params": {"comment": "Public data", "duration": 7, "durationUnit": "DAYS"}}});
    let changed = expect(
        app.request(Method::PATCH, &schema_path).bearer_auth(&admin).json(&json!({"type": "DATA_OBJECT",
            "dataAccessRequestFormId": form["id"], "dataAccessReviewFlow": flow,
            "metadata": {"description": "The sales warehouse", "subjectMatterExperts": [{"id": "1c9e3b75-4e5d-4a1f-8b62-7d3e8f9a0b12"}]}})),
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["metadata"]["description"], "The sales warehouse");
    assert_eq!(
        changed["metadata"]["subjectMatterExperts"][0]["id"],
        "1c9e3b75-4e5d-4a1f-8b62-7d3e8f9a0b12"
    );

    let casey = app.token("casey").await;
    let forms = expect(
        app.get(&format!("{table_path}/request-forms")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(forms["dataAccessForm"]["name"], "Schema form");
    assert_eq!(forms["dataAccessForm"]["requestType"], "DATA_ACCESS");
    assert_eq!(forms["dataAccessForm"]["inheritedFrom"]["id"], schema["id"]);
    assert_eq!(forms["maskingExceptionForm"]["name"], "Standard Request Form");
    assert!(forms["maskingExceptionForm"].get("inheritedFrom").is_none());
    let flows = expect(
        app.get(&format!("{table_path}/review-flows")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(flows["dataAccessReviewFlow"]["defaultEvent"]["params"]["duration"], 7);
    assert_eq!(flows["dataAccessReviewFlow"]["inheritedFrom"]["id"], schema["id"]);
    assert_eq!(flows["maskingExceptionReviewFlow"]["defaultEvent"]["type"], "review");
    let schema_flows = expect(
        app.get(&format!("{schema_path}/review-flows")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert!(
        schema_flows["dataAccessReviewFlow"].get("inheritedFrom").is_none(),
        "its own flow"
    );

    // The table sets its own form; a PUT replaces everything set on it.
    let own = create_form(&app, &admin, &sales_form("Table form", &[])).await;
    expect(
        app.request(Method::PUT, &table_path)
            .bearer_auth(&admin)
            .json(&json!({"type": "DATA_OBJECT",
        "metadata": {"objectPath": ["SALES", "PUBLIC", "ORDERS"]}, "dataAccessRequestFormId": own["id"]})),
        StatusCode::OK,
    )
    .await;
    let forms = expect(
        app.get(&format!("{table_path}/request-forms")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(forms["dataAccessForm"]["name"], "Table form");
    assert!(forms["dataAccessForm"].get("inheritedFrom").is_none());
    let linked = expect(
        app.get(&format!("/api/request-form/{}/assets", own["id"].as_str().unwrap()))
            .bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        linked,
        json!([{"id": table["id"], "name": "ORDERS", "type": "DATA_OBJECT", "requestType": "DATA_ACCESS"}])
    );
    let answer = expect(
        app.delete(&format!("/api/request-form/{}", own["id"].as_str().unwrap()))
            .bearer_auth(&admin),
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        error_message(&answer, 409)
            .as_str()
            .unwrap()
            .contains("SALES.PUBLIC.ORDERS")
    );

    // Clearing it with null inherits again.
    expect(
        app.request(Method::PATCH, &table_path)
            .bearer_auth(&admin)
            .json(&json!({"type": "DATA_OBJECT", "dataAccessRequestFormId": null})),
        StatusCode::OK,
    )
    .await;
    let forms = expect(
        app.get(&format!("{table_path}/request-forms")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(forms["dataAccessForm"]["name"], "Schema form");
    // What was set survives a re-import of the directory.
    app.import(&DEMO.replace("name: Casey Consumer", "name: Casey C."))
        .await;
    let forms = expect(
        app.get(&format!("{table_path}/request-forms")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(forms["dataAccessForm"]["name"], "Schema form");
}

#[tokio::test]
async fn changing_a_data_object_takes_governance_and_valid_input() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    let dana = app.token("dana").await;
    let table = object(&app, &admin, "SALES.PUBLIC.ORDERS").await;
    let path = format!("/api/asset/{}", table["id"].as_str().unwrap());
    expect(
        app.request(Method::PATCH, &path)
            .bearer_auth(&dana)
            .json(&json!({"type": "DATA_OBJECT", "metadata": {"description": "x"}})),
        StatusCode::FORBIDDEN,
    )
    .await;
    let answer = expect(
        app.request(Method::PATCH, &path)
            .bearer_auth(&admin)
            .json(&json!({"type": "DATA_OBJECT", "metadata": {"objectPath": ["X"]}})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(error_message(&answer, 400)[0].as_str().unwrap().contains("objectPath"));
    let answer = expect(
        app.request(Method::PATCH, &path).bearer_auth(&admin).json(
            &json!({"type": "DATA_OBJECT", "dataAccessRequestFormId": "7d3e8f9a-0b12-4e5d-8b62-1c9e3b754a1f",
            "maskingExceptionReviewFlow": {"rules": [], "defaultEvent": {"type": "deny"}}}),
        ),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let messages = error_message(&answer, 400).to_string();
    assert!(
        messages.contains("maskingExceptionReviewFlow.defaultEvent must be of type approve or review"),
        "{messages}"
    );
    let answer = expect(
        app.request(Method::PATCH, &path)
            .bearer_auth(&admin)
            .json(&json!({"type": "DATA_OBJECT", "dataAccessRequestFormId": "7d3e8f9a-0b12-4e5d-8b62-1c9e3b754a1f"})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        error_message(&answer, 400)[0]
            .as_str()
            .unwrap()
            .contains("no request form has the id")
    );
    expect(
        app.request(Method::PATCH, &path)
            .bearer_auth(&admin)
            .json(&json!({"type": "TABLE"})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    // Nothing changed.
    assert_eq!(expect(app.get(&path).bearer_auth(&admin), StatusCode::OK).await, table);
}
