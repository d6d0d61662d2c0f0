use crate::agreements::create_agreement;
use crate::forms::{create_form, sales_form};
use crate::helpers::*;
use reqwest::{Method, StatusCode};
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
