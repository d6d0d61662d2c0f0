//! Provisioning into a real PostgreSQL: approved access becomes privileges the user's own role holds within
//! seconds, masked columns are read through the masked view until an exception is approved, and access ends
//! with revocation, product deletion, source removal or the user's removal from the directory.

use crate::agreements::create_agreement;
use crate::forms::{create_form, sales_form};
use crate::helpers::*;
use crate::products::{product, publish};
use crate::requests::{CASEY, answers};
use crate::warehouse::{Warehouse, directory, provisioned_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A Sales product of the warehouse's sources whose requests are approved at once; (product id, agreement id).
pub async fn warehouse_product(app: &TestApp, name: &str, sources: &[&str]) -> (String, String) {
    let dana = app.token("dana").await;
    let terms = create_agreement(app, &dana, &format!("{name} terms"), "No exports.").await;
    let agreement = terms["id"].as_str().unwrap().to_owned();
    let mut form = sales_form(&format!("{name} form"), &[agreement.as_str()]);
    form["policy"] = json!({"rules": [], "defaultEvent": {"type": "approve", "params": {}}});
    let form = create_form(app, &dana, &form).await;
    let mut body = product(name, SALES, sources);
    body["dataAccessRequestFormId"] = form["id"].clone();
    body["maskingExceptionRequestFormId"] = form["id"].clone();
    let published = publish(app, &dana, &body).await;
    (published["id"].as_str().unwrap().to_owned(), agreement)
}

/// Casey's request for the product (approved at once by its form); its id.
pub async fn casey_requests(app: &TestApp, product: &str, agreement: &str) -> String {
    let casey = app.token("casey").await;
    let body = json!({"user": CASEY, "form": answers("Marketing", agreement)});
    let path = format!("/api/data-product/{product}/request");
    let approved = expect(app.post(&path).bearer_auth(&casey).json(&body), StatusCode::CREATED).await;
    assert_eq!(approved["status"], "APPROVED");
    approved["id"].as_str().unwrap().to_owned()
}

pub async fn provisioning(app: &TestApp, token: &str, request: &str) -> Value {
    let path = format!("/api/access-request/{request}/provisioning");
    expect(app.get(&path).bearer_auth(token), StatusCode::OK).await
}

/// The request's provisioning once its state is `state`, or as it is after 5 s.
pub async fn provisioning_when(app: &TestApp, token: &str, request: &str, state: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let shown = provisioning(app, token, request).await;
        if shown["state"] == state || std::time::Instant::now() > deadline {
            return shown;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

const DENIED: &str = "permission denied";

#[track_caller]
fn refused(outcome: Result<Vec<String>, String>) {
    let error = outcome.expect_err("refused");
    assert!(error.starts_with(DENIED), "{error}");
}

#[tokio::test]
async fn approval_grants_within_seconds_and_revocation_takes_it_back() {
    let Some(warehouse) = Warehouse::create().await else {
        return;
    };
    let app = provisioned_app(&warehouse, "revoke").await;
    let (dana, casey, sam) = (
        app.token("dana").await,
        app.token("casey").await,
        app.token("sam").await,
    );
    refused(warehouse.select_as("casey", "SELECT total FROM sales.orders").await);

    let (product, agreement) = warehouse_product(&app, "Warehouse 1", &["101", "102"]).await;
    let request = casey_requests(&app, &product, &agreement).await;
    let totals = warehouse
        .eventually("casey", "SELECT total FROM sales.orders ORDER BY id", true)
        .await;
    assert_eq!(totals.unwrap(), vec!["10.5", "20"]);
    // Masked columns are withheld from the table, and shown through the masked view.
    refused(warehouse.select_as("casey", "SELECT email FROM sales.customers").await);
    assert_eq!(
        warehouse
            .select_as("casey", "SELECT id FROM sales.customers")
            .await
            .unwrap(),
        vec!["1"]
    );
    let masked = warehouse
        .select_as(
            "casey",
            "SELECT email || ' ' || coalesce(phone, 'NULL') FROM sales_masked.customers",
        )
        .await
        .unwrap();
    let hash = warehouse
        .select_as("casey", "SELECT encode(sha256('ada@example.com'), 'hex')")
        .await
        .unwrap();
    assert_eq!(masked, vec![format!("{} NULL", hash[0])]);

    let shown = provisioning_when(&app, &casey, &request, "APPLIED").await;
    assert_eq!(shown["state"], "APPLIED", "{shown}");
    let grants = shown["grants"].as_array().unwrap();
    assert!(
        grants
            .iter()
            .all(|grant| grant["state"] == "APPLIED" && grant["role"] == warehouse.role("casey"))
    );
    assert!(
        grants
            .iter()
            .any(|grant| grant["table"] == "orders" && grant["column"].is_null())
    );
    assert!(
        grants
            .iter()
            .any(|grant| grant["schema"] == "sales_masked" && grant["table"] == "customers")
    );
    // Sam has no part in this request: not his to see.
    expect(
        app.get(&format!("/api/access-request/{request}/provisioning"))
            .bearer_auth(&sam),
        StatusCode::NOT_FOUND,
    )
    .await;

    let revoke = format!("/api/data-product/{product}/request/{request}");
    expect(app.delete(&revoke).bearer_auth(&dana), StatusCode::NO_CONTENT).await;
    refused(
        warehouse
            .eventually("casey", "SELECT total FROM sales.orders", false)
            .await,
    );
    refused(warehouse.select_as("casey", "SELECT id FROM sales.customers").await);
    refused(
        warehouse
            .select_as("casey", "SELECT email FROM sales_masked.customers")
            .await,
    );
    let shown = provisioning_when(&app, &casey, &request, "REVOKED").await;
    assert_eq!(shown["state"], "REVOKED", "{shown}");

    // Every statement is recorded once, with why.
    let admin = app.token("admin").await;
    let status = expect(app.get("/api/provisioning/status").bearer_auth(&admin), StatusCode::OK).await;
    assert_eq!(status[0]["connection"], "warehouse");
    assert_eq!(status[0]["reachable"], true);
    assert_eq!(
        (status[0]["applied"].clone(), status[0]["failed"].clone()),
        (json!(0), json!(0))
    );
    expect(
        app.get("/api/provisioning/status").bearer_auth(&casey),
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn a_masking_exception_adds_the_raw_column_and_its_revocation_only_that() {
    let Some(warehouse) = Warehouse::create().await else {
        return;
    };
    let app = provisioned_app(&warehouse, "revoke").await;
    let (dana, casey) = (app.token("dana").await, app.token("casey").await);
    let (product, agreement) = warehouse_product(&app, "Warehouse 2", &["101"]).await;
    casey_requests(&app, &product, &agreement).await;
    warehouse
        .eventually("casey", "SELECT id FROM sales.customers", true)
        .await
        .unwrap();
    refused(warehouse.select_as("casey", "SELECT email FROM sales.customers").await);

    let columns = json!([{"columnName": "email", "sourceId": "101"}]);
    let ask = json!({"user": CASEY, "form": answers("Marketing", &agreement), "columns": columns});
    let path = format!("/api/data-product/{product}/request/masking-exception");
    let exception = expect(app.post(&path).bearer_auth(&casey).json(&ask), StatusCode::CREATED).await;
    assert_eq!(exception["status"], "APPROVED");
    let emails = warehouse
        .eventually("casey", "SELECT email FROM sales.customers", true)
        .await;
    assert_eq!(emails.unwrap(), vec!["ada@example.com"]);
    refused(warehouse.select_as("casey", "SELECT phone FROM sales.customers").await);

    let revoke = format!(
        "/api/data-product/{product}/request/{}",
        exception["id"].as_str().unwrap()
    );
    expect(app.delete(&revoke).bearer_auth(&dana), StatusCode::NO_CONTENT).await;
    refused(
        warehouse
            .eventually("casey", "SELECT email FROM sales.customers", false)
            .await,
    );
    assert_eq!(
        warehouse
            .select_as("casey", "SELECT id FROM sales.customers")
            .await
            .unwrap(),
        vec!["1"]
    );
    assert_eq!(
        warehouse
            .select_as("casey", "SELECT count(*) FROM sales_masked.customers")
            .await
            .unwrap(),
        vec!["1"]
    );
}

#[tokio::test]
async fn access_ends_with_the_product_its_sources_and_the_user() {
    let Some(warehouse) = Warehouse::create().await else {
        return;
    };
    let app = provisioned_app(&warehouse, "revoke").await;
    let dana = app.token("dana").await;
    let orders = "SELECT count(*) FROM sales.orders";

    // A source removed from the product.
    let (product, agreement) = warehouse_product(&app, "Warehouse 3", &["101", "102"]).await;
    casey_requests(&app, &product, &agreement).await;
    warehouse.eventually("casey", orders, true).await.unwrap();
    let sources = format!("/api/data-product/{product}/datasources");
    let body = json!({"dataSources": [{"sourceId": "101"}]});
    expect(
        app.request(reqwest::Method::PUT, &sources)
            .bearer_auth(&dana)
            .json(&body),
        StatusCode::OK,
    )
    .await;
    refused(warehouse.eventually("casey", orders, false).await);
    warehouse
        .select_as("casey", "SELECT id FROM sales.customers")
        .await
        .unwrap();

    // The product deleted.
    expect(
        app.delete(&format!("/api/data-product/{product}")).bearer_auth(&dana),
        StatusCode::OK,
    )
    .await;
    refused(
        warehouse
            .eventually("casey", "SELECT id FROM sales.customers", false)
            .await,
    );

    // Casey removed from the directory.
    let (product, agreement) = warehouse_product(&app, "Warehouse 4", &["102"]).await;
    casey_requests(&app, &product, &agreement).await;
    warehouse.eventually("casey", orders, true).await.unwrap();
    let without_casey = remove_user(&directory(&warehouse.suffix, "revoke"), "casey");
    app.import(&without_casey).await;
    refused(warehouse.eventually("casey", orders, false).await);
}

/// The directory file without the user `username`.
fn remove_user(yaml: &str, username: &str) -> String {
    let mut document: Value = serde_saphyr::from_str(yaml).unwrap();
    let users = document["users"].as_array_mut().unwrap();
    users.retain(|user| user["username"] != username);
    for group in document["groups"].as_array_mut().unwrap() {
        if let Some(members) = group["members"].as_array_mut() {
            members.retain(|member| member != username);
        }
    }
    serde_json::to_string(&document).unwrap()
}
