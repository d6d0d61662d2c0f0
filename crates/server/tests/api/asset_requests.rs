//! Requests for assets: data objects governed by the forms and flows they set or inherit, masking exceptions
//! on the columns they hold, and data products reached by their asset id.

use crate::forms::{create_form, sales_form};
use crate::helpers::*;
use crate::products::{product, publish};
use crate::requests::{CASEY, answers, decide, records, request};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn object_id(app: &TestApp, token: &str, name: &str) -> String {
    let path = format!("/api/asset/byMetadata?fullyQualifiedName={name}");
    let object = expect(app.get(&path).bearer_auth(token), StatusCode::OK).await;
    object["id"].as_str().unwrap().to_owned()
}

/// An answer to the standard form's one question, whose field id each tenant's form chooses.
async fn standard_answer(app: &TestApp, token: &str, asset: &str, form: &str) -> Value {
    let forms = expect(
        app.get(&format!("/api/asset/{asset}/request-forms")).bearer_auth(token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(forms[form]["name"], "Standard Request Form");
    let field = forms[form]["fields"][0]["id"].clone();
    json!({"answers": [{"fieldId": field, "value": "Churn analysis"}], "acceptedDataUseAgreementIds": []})
}

#[tokio::test]
async fn a_data_object_is_requested_reviewed_by_governance_and_revoked() {
    let app = spawn_app().await;
    let (casey, sam, admin) = (
        app.token("casey").await,
        app.token("sam").await,
        app.token("admin").await,
    );
    let table = object_id(&app, &casey, "SALES.PUBLIC.CUSTOMERS").await;
    let path = format!("/api/asset/{table}/request");

    let unanswered = json!({"requestType": "DATA_ACCESS", "user": CASEY, "form": {"answers": []}});
    expect(
        app.post(&path).bearer_auth(&casey).json(&unanswered),
        StatusCode::BAD_REQUEST,
    )
    .await;
    for body in [
        json!({"requestType": "READ", "user": CASEY}),
        json!({"user": CASEY}),
        json!({"requestType": "DATA_ACCESS", "user": CASEY, "extra": 1}),
        json!({"requestType": "DATA_ACCESS", "user": CASEY, "asset": {"type": "TABLE"}}),
    ] {
        expect(app.post(&path).bearer_auth(&casey).json(&body), StatusCode::BAD_REQUEST).await;
    }
    let missing = format!("/api/asset/{}/request", uuid::Uuid::nil());
    let form = standard_answer(&app, &casey, &table, "dataAccessForm").await;
    let ask = json!({"requestType": "DATA_ACCESS", "user": CASEY, "form": form});
    expect(app.post(&missing).bearer_auth(&casey).json(&ask), StatusCode::NOT_FOUND).await;

    // Nothing set on the table or above it: the default flow, which only GOVERNANCE meets for an object.
    let created = expect(app.post(&path).bearer_auth(&casey).json(&ask), StatusCode::CREATED).await;
    assert_eq!(created["status"], "PENDING");
    assert_eq!(created["asset"]["id"], table.as_str());
    assert_eq!(created["asset"]["type"], "DATA_OBJECT");
    assert_eq!(created["asset"]["metadata"]["legacyType"], "table");
    assert!(created.get("dataProduct").is_none());
    let id = created["id"].as_str().unwrap().to_owned();
    expect(app.post(&path).bearer_auth(&casey).json(&ask), StatusCode::CONFLICT).await;

    let asset = expect(
        app.get(&format!("/api/asset/{table}")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (asset["status"].clone(), asset["requestId"].clone()),
        (json!("PENDING"), json!(id))
    );
    let listed = expect(
        app.get(&format!(
            "/api/access-request?assetType=DATA_OBJECT&targetType=table&assetId={table}"
        ))
        .bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["data"][0]["id"], id.as_str());
    assert_eq!(listed["data"][0]["asset"]["name"], "CUSTOMERS");

    let record = records(&app, &casey, &id).await.remove(0);
    decide(
        &app,
        &sam,
        &record,
        json!({"status": "APPROVED", "reason": "ok"}),
        StatusCode::NOT_FOUND,
    )
    .await;
    decide(
        &app,
        &admin,
        &record,
        json!({"status": "APPROVED", "reason": "Churn work"}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(request(&app, &casey, &id).await["status"], "APPROVED");

    let determinations = format!("/api/asset/{table}/recent-determinations");
    expect(app.get(&determinations).bearer_auth(&sam), StatusCode::FORBIDDEN).await;
    let recent = expect(app.get(&determinations).bearer_auth(&admin), StatusCode::OK).await;
    assert_eq!(recent["determinations"].as_array().unwrap().len(), 1);
    assert_eq!(recent["determinations"][0]["reason"], "Churn work");
    expect(
        app.get(&format!("{determinations}?type=COLUMNS")).bearer_auth(&admin),
        StatusCode::BAD_REQUEST,
    )
    .await;

    let revoke = format!("/api/asset/{table}/request/{id}");
    expect(app.delete(&revoke).bearer_auth(&casey), StatusCode::FORBIDDEN).await;
    let schema = object_id(&app, &casey, "SALES.PUBLIC").await;
    let elsewhere = format!("/api/asset/{schema}/request/{id}");
    expect(app.delete(&elsewhere).bearer_auth(&admin), StatusCode::NOT_FOUND).await;
    expect(app.delete(&revoke).bearer_auth(&admin), StatusCode::NO_CONTENT).await;
    assert_eq!(request(&app, &casey, &id).await["status"], "REVOKED");
    expect(app.delete(&revoke).bearer_auth(&admin), StatusCode::CONFLICT).await;
    let asset = expect(
        app.get(&format!("/api/asset/{table}")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(asset["status"], "REVOKED");
}

#[tokio::test]
async fn a_table_inherits_its_schemas_flow_and_takes_masking_exceptions_on_the_columns_it_holds() {
    let app = spawn_app().await;
    let (casey, admin) = (app.token("casey").await, app.token("admin").await);
    let schema = object_id(&app, &admin, "SALES.PUBLIC").await;
    let table = object_id(&app, &admin, "SALES.PUBLIC.CUSTOMERS").await;
    let form = create_form(&app, &admin, &sales_form("Warehouse form", &[])).await;
    let flow =
        json!({"rules": [], "defaultEvent": {"type": "approve", "params": {"duration": 7, "durationUnit": "DAYS"}}});
    expect(
        app.request(Method::PATCH, &format!("/api/asset/{schema}"))
            .bearer_auth(&admin)
            .json(&json!({"type": "DATA_OBJECT", "dataAccessRequestFormId": form["id"],
                          "maskingExceptionReviewFlow": flow})),
        StatusCode::OK,
    )
    .await;

    // The schema's form applies to the table, and its own policy (Sales Stewards review) overrides flows.
    let ask = json!({"requestType": "DATA_ACCESS", "user": CASEY, "form": answers("Marketing", "")});
    let mut ask = ask;
    ask["form"]["acceptedDataUseAgreementIds"] = json!([]);
    let created = expect(
        app.post(&format!("/api/asset/{table}/request"))
            .bearer_auth(&casey)
            .json(&ask),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["status"], "PENDING");
    assert_eq!(created["formVersion"], form["version"]);
    let approvers = &records(&app, &casey, created["id"].as_str().unwrap()).await[0]["approvers"];
    assert_eq!(approvers[0]["name"], "Sales Stewards");

    // Masking exceptions use the standard form, which leaves the review to the flow the schema sets.
    let standard = standard_answer(&app, &casey, &schema, "maskingExceptionForm").await;
    let masking = |columns: Value| json!({"requestType": "MASKING_EXCEPTION", "user": CASEY, "form": standard, "columns": columns});
    let path = format!("/api/asset/{schema}/request");
    let refused = expect(
        app.post(&path).bearer_auth(&casey).json(&masking(json!([
            {"columnName": "city", "sourceId": "3"}, {"columnName": "owner_email", "sourceId": "6"}]))),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        error_message(&refused, 400),
        json!([
            "columns[0]: `city` is not a masked column of data source 3 in this asset",
            "columns[1]: `owner_email` is not a masked column of data source 6 in this asset"
        ])
    );
    let mut without_columns = masking(json!([]));
    without_columns.as_object_mut().unwrap().remove("columns");
    expect(
        app.post(&path).bearer_auth(&casey).json(&without_columns),
        StatusCode::BAD_REQUEST,
    )
    .await;

    // A masking exception on the schema names a masked column of a table below it; the schema's flow approves.
    let created = expect(
        app.post(&path)
            .bearer_auth(&casey)
            .json(&masking(json!([{"columnName": "email", "sourceId": "3"}]))),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (created["type"].clone(), created["status"].clone()),
        (json!("MASKING_EXCEPTION"), json!("APPROVED"))
    );
    assert!(created["expiration"].is_string());
    let id = created["id"].as_str().unwrap();
    let columns = expect(
        app.get(&format!("/api/access-request/{id}/masking-exception-columns"))
            .bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(columns["data"][0]["name"], "email");
    assert_eq!(columns["data"][0]["sourceId"], "3");
}

#[tokio::test]
async fn a_data_product_is_requested_by_its_asset_id_too() {
    let app = spawn_app().await;
    let (dana, casey, sam) = (
        app.token("dana").await,
        app.token("casey").await,
        app.token("sam").await,
    );
    let form = create_form(&app, &dana, &sales_form("Asset path form", &[])).await;
    let mut body = product("Asset path product", SALES, &["3"]);
    body["dataAccessRequestFormId"] = form["id"].clone();
    let published = publish(&app, &dana, &body).await;
    let product_id = published["id"].as_str().unwrap();
    let mut ask = json!({"requestType": "DATA_ACCESS", "user": CASEY, "form": answers("Finance", "")});
    ask["form"]["acceptedDataUseAgreementIds"] = json!([]);
    let created = expect(
        app.post(&format!("/api/asset/{product_id}/request"))
            .bearer_auth(&casey)
            .json(&ask),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["dataProduct"]["id"], product_id);
    assert!(created.get("asset").is_none());
    let id = created["id"].as_str().unwrap();
    let record = records(&app, &sam, id).await.remove(0);
    decide(
        &app,
        &sam,
        &record,
        json!({"status": "APPROVED", "reason": "Fine"}),
        StatusCode::OK,
    )
    .await;
    let recent = expect(
        app.get(&format!("/api/asset/{product_id}/recent-determinations"))
            .bearer_auth(&sam),
        StatusCode::OK,
    )
    .await;
    assert_eq!(recent["determinations"][0]["status"], "APPROVED");
    expect(
        app.delete(&format!("/api/asset/{product_id}/request/{id}"))
            .bearer_auth(&sam),
        StatusCode::NO_CONTENT,
    )
    .await;
    assert_eq!(request(&app, &casey, id).await["status"], "REVOKED");
}
