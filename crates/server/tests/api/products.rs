//! Publishing data products and reading them back, and how a product is validated. Changing and deleting one
//! is in `product_changes`, searching in `product_search`.

use crate::agreements::create_agreement;
use crate::forms::{create_form, sales_form};
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub fn product(name: &str, domain: &str, sources: &[&str]) -> Value {
    json!({
        "name": name,
        "description": format!("{name}, curated."),
        "metadata": null,
        "domains": [domain],
        "dataSources": sources.iter().map(|id| json!({"sourceId": id})).collect::<Vec<_>>(),
    })
}

pub async fn publish(app: &TestApp, token: &str, body: &Value) -> Value {
    expect(
        app.post("/api/data-product").bearer_auth(token).json(body),
        StatusCode::CREATED,
    )
    .await
}

#[tokio::test]
async fn a_product_is_published_with_a_new_form_and_agreement_and_read_back() {
    let app = spawn_app().await;
    let dana = app.token("dana").await;
    let terms = create_agreement(&app, &dana, "Customer data terms", "No exports.").await;
    let form = create_form(
        &app,
        &dana,
        &sales_form("Customer access", &[terms["id"].as_str().unwrap()]),
    )
    .await;
    let mut body = product("Customer 360", SALES, &["3", "1"]);
    body["metadata"] =
        json!({"subjectMatterExpert": {"id": "2daf4c86-5f6e-4b20-9c73-8e4f9a0b1c23", "name": "Sam Steward"}});
    body["dataAccessRequestFormId"] = form["id"].clone();
    let published = publish(&app, &dana, &body).await;
    let id = published["id"].as_str().unwrap().to_owned();
    assert!(id.len() >= 20, "a cuid: {id}");
    assert_eq!(published["name"], "Customer 360");
    assert_eq!(published["description"], "Customer 360, curated.");
    assert_eq!(published["domains"], json!([SALES]));
    assert_eq!(published["suspended"], false);
    assert_eq!(published["createdBy"], "1c9e3b75-4e5d-4a1f-8b62-7d3e8f9a0b12");
    assert_eq!(published["status"], "PUBLISHER");
    assert_eq!(
        published["metadata"]["subjectMatterExpert"]["id"],
        "2daf4c86-5f6e-4b20-9c73-8e4f9a0b1c23"
    );
    assert_eq!(published["sourceTypes"], json!(["Snowflake"]));
    assert_eq!(
        published["stats"],
        json!({"dataSourceCount": 2, "pendingRequestCount": 0, "approvedRequestCount": 0, "revokedRequestCount": 0,
               "canceledRequestCount": 0, "deniedRequestCount": 0, "expiredRequestCount": 0, "totalRequestCount": 0})
    );
    assert_eq!(
        published["dataAccessPolicy"]["defaultEvent"]["params"]["stages"][0]["any"][0]["permission"],
        "GOVERNANCE"
    );
    assert_eq!(published["dataAccessRequestFormId"], form["id"]);

    // A consumer reads the same product, from their own point of view.
    let casey = app.token("casey").await;
    let read = expect(
        app.get(&format!("/api/data-product/{id}")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["status"], "NONE");
    assert_eq!(read["name"], published["name"]);
    assert_eq!(read["stats"], published["stats"]);
    let by_name = expect(
        app.get("/api/data-product/Customer%20360/byName").bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_name, read);
    expect(
        app.get("/api/data-product/Nothing/byName").bearer_auth(&casey),
        StatusCode::NOT_FOUND,
    )
    .await;

    let all = expect(
        app.get(&format!("/api/data-product/{id}/datasources/all"))
            .bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(all, json!({"dataSources": [{"sourceId": "1"}, {"sourceId": "3"}]}));
    let sources = expect(
        app.get(&format!("/api/data-product/{id}/datasources"))
            .bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(sources["meta"], json!({"nextToken": null, "limit": 10}));
    assert_eq!(sources["data"][0]["name"], "Sales Orders");
    assert_eq!(sources["data"][0]["type"], "Snowflake");
    assert_eq!(sources["data"][0]["sourceId"], "1");
    assert_eq!(sources["data"][0]["status"], "NONE");
    assert_eq!(sources["data"][0]["table"], "ORDERS");

    // Another user's access status is for those who manage the product to see.
    let of_dana = format!("/api/data-product/{id}/datasources?user=1c9e3b75-4e5d-4a1f-8b62-7d3e8f9a0b12");
    expect(app.get(&of_dana).bearer_auth(&casey), StatusCode::FORBIDDEN).await;
    let of_casey = format!("/api/data-product/{id}/datasources?user=4fc16ea8-7180-4d42-9e95-a06b1c2d3e45&limit=1");
    let page = expect(app.get(&of_casey).bearer_auth(&dana), StatusCode::OK).await;
    assert_eq!(page["data"][0]["status"], "NONE");
    let next = page["meta"]["nextToken"].as_str().unwrap();
    let rest = expect(
        app.get(&format!("{of_casey}&nextToken={next}")).bearer_auth(&dana),
        StatusCode::OK,
    )
    .await;
    assert_eq!(rest["data"][0]["sourceId"], "3");
    assert_eq!(rest["meta"]["nextToken"], Value::Null);
    let unknown = format!("/api/data-product/{id}/datasources?user=00000000-0000-4000-8000-000000000009");
    expect(app.get(&unknown).bearer_auth(&dana), StatusCode::BAD_REQUEST).await;

    let forms = expect(
        app.get(&format!("/api/data-product/{id}/request-forms"))
            .bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(forms[0]["requestType"], "DATA_ACCESS");
    assert_eq!(forms[0]["name"], "Customer access");
    assert_eq!(forms[0]["dataUseAgreements"][0]["body"], "No exports.");
    assert_eq!(forms[1]["requestType"], "MASKING_EXCEPTION");
    assert_eq!(forms[1]["name"], "Standard Request Form");

    let linked = expect(
        app.get(&format!(
            "/api/request-form/{}/data-products",
            form["id"].as_str().unwrap()
        ))
        .bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        linked,
        json!([{"id": id, "name": "Customer 360", "requestTypes": ["DATA_ACCESS"]}])
    );
    let listed = expect(
        app.get("/api/request-form?nameFilter=Customer access")
            .bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["data"][0]["associatedDomains"], json!([SALES]));
    // A form in use cannot be deleted.
    let answer = expect(
        app.delete(&format!("/api/request-form/{}", form["id"].as_str().unwrap()))
            .bearer_auth(&dana),
        StatusCode::CONFLICT,
    )
    .await;
    assert!(error_message(&answer, 409).as_str().unwrap().contains("Customer 360"));
}

#[tokio::test]
async fn publishing_follows_domains_and_permissions() {
    let app = spawn_app().await;
    let dana = app.token("dana").await;
    let casey = app.token("casey").await;
    let answer = expect(
        app.post("/api/data-product")
            .bearer_auth(&casey)
            .json(&product("Mine", SALES, &["1"])),
        StatusCode::FORBIDDEN,
    )
    .await;
    error_message(&answer, 403);
    expect(
        app.post("/api/data-product")
            .bearer_auth(&dana)
            .json(&product("Ledger", FINANCE, &["8"])),
        StatusCode::FORBIDDEN,
    )
    .await;
    let answer = expect(
        app.post("/api/data-product")
            .bearer_auth(&dana)
            .json(&product("Mixed", SALES, &["1", "8"])),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        error_message(&answer, 400),
        json!(["dataSources: data source 8 (General Ledger) is not in the product's domains"])
    );
    let answer = expect(
        app.post("/api/data-product")
            .bearer_auth(&dana)
            .json(&product("Ghost", SALES, &["99"])),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        error_message(&answer, 400),
        json!(["dataSources: no data source has the id 99"])
    );
    let fran = app.token("fran").await;
    publish(&app, &fran, &product("Ledger", FINANCE, &["8"])).await;
    let admin = app.token("admin").await;
    let both = publish(&app, &admin, &json!({"name": "Everything", "metadata": null, "domains": [SALES, FINANCE], "dataSources": [{"sourceId": 1}, {"sourceId": "8"}]})).await;
    assert_eq!(both["domains"].as_array().unwrap().len(), 2);
    assert_eq!(both["status"], "PUBLISHER");
    let read = expect(
        app.get(&format!("/api/data-product/{}", both["id"].as_str().unwrap()))
            .bearer_auth(&dana),
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["status"], "NONE", "dana manages Sales only, not Finance");
    // Nothing was created by the refused requests.
    let all = expect(
        app.get("/api/data-product?limit=100").bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["data"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn products_are_validated_with_every_problem_named() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    publish(&app, &admin, &product("Taken", SALES, &[])).await;
    let answer = expect(
        app.post("/api/data-product")
            .bearer_auth(&admin)
            .json(&product("Taken", SALES, &[])),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(error_message(&answer, 409), "Data Product name in use.");

    let mut bad = product("Bad; name", "no-such-domain", &[]);
    bad["dataAccessReviewFlow"] = json!({"rules": [{"conditions": {"any": [{"fact": "horoscope", "operator": "equal", "value": 1}]},
                                                    "event": {"type": "approve", "params": {}}}],
                                         "defaultEvent": {"type": "deny"}});
    bad["dataAccessRequestFormId"] = json!("not-a-form");
    let answer = expect(
        app.post("/api/data-product").bearer_auth(&admin).json(&bad),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let messages = error_message(&answer, 400).to_string();
    for expected in [
        "dataAccessRequestFormId: no request form has the id not-a-form",
        "name may contain only",
        "fact `horoscope` is unknown",
        "dataAccessReviewFlow.defaultEvent must be of type approve or review",
    ] {
        assert!(messages.contains(expected), "{expected} in {messages}");
    }
    let mut unknown = product("Unknown things", "no-such-domain", &[]);
    unknown["maskingExceptionReviewFlow"] = json!({"rules": [], "defaultEvent": {"type": "review", "params": {"stages": [{"all": [{"type": "USER", "id": "00000000-0000-4000-8000-000000000001"}]}]}}});
    unknown["domains"] = json!(["no-such-domain"]);
    let answer = expect(
        app.post("/api/data-product").bearer_auth(&admin).json(&unknown),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let messages = error_message(&answer, 400).to_string();
    assert!(
        messages.contains("domains: no domain has the id `no-such-domain`"),
        "{messages}"
    );
    assert!(
        messages.contains("maskingExceptionReviewFlow: no user has the global user id"),
        "{messages}"
    );
    let answer = expect(
        app.post("/api/data-product")
            .bearer_auth(&admin)
            .json(&json!({"name": "x", "metadata": null, "domains": [], "dataSources": []})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        error_message(&answer, 400),
        json!(["domains must contain at least 1 elements"])
    );
    let mut expert = product("With expert", SALES, &[]);
    expert["metadata"] = json!({"subjectMatterExpert": {"id": "00000000-0000-4000-8000-000000000002"}});
    let answer = expect(
        app.post("/api/data-product").bearer_auth(&admin).json(&expert),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        error_message(&answer, 400)[0]
            .as_str()
            .unwrap()
            .contains("subjectMatterExpert")
    );
}
