use crate::agreements::create_agreement;
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const DURATION_LABEL: &str = "How long do you need access to this data?";

/// A form with a question of each kind, reviewed by the Sales Stewards group.
pub fn sales_form(name: &str, agreement_ids: &[&str]) -> Value {
    json!({
        "name": name,
        "fields": [
            {"id": "0c4b9a52-0001-4c1e-9a51-6c2d7e8f9a01", "type": "SHORT_ANSWER", "label": "What will you use the data for?"},
            {"id": "0c4b9a52-0002-4c1e-9a51-6c2d7e8f9a01", "type": "DROPDOWN", "label": "Team", "required": true,
             "options": [{"value": "Marketing"}, {"value": "Finance"}]},
            {"id": "0c4b9a52-0003-4c1e-9a51-6c2d7e8f9a01", "type": "CHECKBOXES", "label": "Regions", "required": false,
             "options": [{"value": "EU"}, {"value": "US"}]},
            {"id": "0c4b9a52-0004-4c1e-9a51-6c2d7e8f9a01", "type": "ACCESS_DURATION", "label": DURATION_LABEL, "required": true}
        ],
        "policy": {"rules": [], "defaultEvent": {"type": "review", "params": {"stages": [
            {"any": [{"type": "GROUP", "id": 1, "name": "Sales Stewards"}]}]}}},
        "dataUseAgreementIds": agreement_ids,
    })
}

pub async fn create_form(app: &TestApp, token: &str, body: &Value) -> Value {
    expect(
        app.post("/api/request-form").bearer_auth(token).json(body),
        StatusCode::CREATED,
    )
    .await
}

#[tokio::test]
async fn a_form_is_created_with_its_agreements_and_read_back() {
    let app = spawn_app().await;
    let dana = app.token("dana").await;
    let terms = create_agreement(&app, &dana, "Sales terms", "Use for sales analysis only.").await;
    let form = create_form(
        &app,
        &dana,
        &sales_form("Sales access", &[terms["id"].as_str().unwrap()]),
    )
    .await;
    assert_eq!(form["name"], "Sales access");
    assert_eq!(form["fields"].as_array().unwrap().len(), 4);
    assert_eq!(
        form["fields"][0]["required"], true,
        "questions are required unless they say otherwise"
    );
    assert_eq!(form["fields"][2]["required"], false);
    assert_eq!(
        form["dataUseAgreements"],
        json!([{"id": terms["id"], "name": "Sales terms", "body": "Use for sales analysis only."}])
    );
    assert_eq!(form["createdBy"]["name"], "Dana Data-Owner");
    let version = form["version"].as_str().unwrap();
    assert!(
        version.len() >= 20 && version.chars().all(|c| c.is_ascii_alphanumeric()),
        "{version}"
    );

    let casey = app.token("casey").await;
    let path = format!("/api/request-form/{}", form["id"].as_str().unwrap());
    assert_eq!(expect(app.get(&path).bearer_auth(&casey), StatusCode::OK).await, form);
    let by_version = expect(
        app.get(&format!("/api/request-form/version/{version}"))
            .bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_version, form);
    let linked = expect(
        app.get(&format!(
            "/api/data-use-agreement/{}/request-forms",
            terms["id"].as_str().unwrap()
        ))
        .bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(linked, json!([{"id": form["id"], "name": "Sales access"}]));
    // An agreement a form carries cannot be deleted.
    let answer = expect(
        app.delete(&format!("/api/data-use-agreement/{}", terms["id"].as_str().unwrap()))
            .bearer_auth(&dana),
        StatusCode::CONFLICT,
    )
    .await;
    assert!(error_message(&answer, 409).as_str().unwrap().contains("Sales access"));
}

#[tokio::test]
async fn every_save_is_a_new_version_and_old_versions_never_change() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    let terms = create_agreement(&app, &admin, "Terms", "Version one of the terms.").await;
    let terms_path = format!("/api/data-use-agreement/{}", terms["id"].as_str().unwrap());
    let first = create_form(&app, &admin, &sales_form("Versioned", &[terms["id"].as_str().unwrap()])).await;
    let path = format!("/api/request-form/{}", first["id"].as_str().unwrap());

    let second = expect(
        app.request(Method::PUT, &path)
            .bearer_auth(&admin)
            .json(&json!({"name": "Versioned form"})),
        StatusCode::CREATED,
    )
    .await;
    assert_ne!(second["version"], first["version"]);
    assert_eq!(second["fields"], first["fields"]);
    assert_eq!(second["createdAt"], first["createdAt"]);

    // Editing the agreement gives the form a new version with the new text; the earlier versions keep theirs.
    expect(
        app.request(Method::PUT, &terms_path)
            .bearer_auth(&admin)
            .json(&json!({"body": "Version two."})),
        StatusCode::CREATED,
    )
    .await;
    let third = expect(app.get(&path).bearer_auth(&admin), StatusCode::OK).await;
    assert_ne!(third["version"], second["version"]);
    assert_eq!(third["dataUseAgreements"][0]["body"], "Version two.");
    for (version, body) in [
        (&first, "Version one of the terms."),
        (&second, "Version one of the terms."),
    ] {
        let old = expect(
            app.get(&format!(
                "/api/request-form/version/{}",
                version["version"].as_str().unwrap()
            ))
            .bearer_auth(&admin),
            StatusCode::OK,
        )
        .await;
        assert_eq!(old, *version);
        assert_eq!(old["dataUseAgreements"][0]["body"], body);
    }

    // Deleting the form leaves its versions readable.
    expect(
        app.request(Method::PUT, &path)
            .bearer_auth(&admin)
            .json(&json!({"dataUseAgreementIds": []})),
        StatusCode::CREATED,
    )
    .await;
    expect(app.delete(&path).bearer_auth(&admin), StatusCode::NO_CONTENT).await;
    expect(app.get(&path).bearer_auth(&admin), StatusCode::NOT_FOUND).await;
    let old = expect(
        app.get(&format!(
            "/api/request-form/version/{}",
            first["version"].as_str().unwrap()
        ))
        .bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(old["name"], "Versioned");
    expect(
        app.get("/api/request-form/version/nope").bearer_auth(&admin),
        StatusCode::NOT_FOUND,
    )
    .await;
    // The agreement is free again.
    expect(app.delete(&terms_path).bearer_auth(&admin), StatusCode::NO_CONTENT).await;
}

#[tokio::test]
async fn the_standard_request_form_exists_and_cannot_be_changed() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    let forms = expect(
        app.get("/api/request-form?nameFilter=Standard Request Form&exactMatch=true")
            .bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(forms["meta"]["totalCount"], 1);
    let standard = &forms["data"][0];
    assert_eq!(standard["policy"]["defaultEvent"]["type"], "dataProductPolicy");
    assert_eq!(standard["associatedDomains"], json!([]));
    let path = format!("/api/request-form/{}", standard["id"].as_str().unwrap());
    let answer = expect(
        app.request(Method::PUT, &path)
            .bearer_auth(&admin)
            .json(&json!({"name": "Mine"})),
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(
        error_message(&answer, 403),
        "The Standard Request Form cannot be edited or deleted."
    );
    expect(app.delete(&path).bearer_auth(&admin), StatusCode::FORBIDDEN).await;
    let answer = expect(
        app.post("/api/request-form")
            .bearer_auth(&admin)
            .json(&sales_form("Standard Request Form", &[])),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(error_message(&answer, 409), "Request form with name already exists.");
}

#[tokio::test]
async fn forms_are_validated_with_every_problem_named() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    let answer = expect(
        app.post("/api/request-form").bearer_auth(&admin).json(&json!({})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        error_message(&answer, 400),
        json!([
            "name should not be empty",
            "fields must be an array",
            "policy should not be empty"
        ])
    );
    let mut bad = sales_form("Bad", &[]);
    bad["fields"][3]["label"] = json!("How long?");
    bad["fields"][1]["options"] = json!([]);
    bad["policy"]["rules"] = json!([{"conditions": {"all": [{"fact": "mood", "operator": "equal", "value": "good"}]},
                                      "event": {"type": "approve", "params": {}}}]);
    let answer = expect(
        app.post("/api/request-form").bearer_auth(&admin).json(&bad),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let messages = error_message(&answer, 400);
    let messages: Vec<&str> = messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].starts_with("fields[1].options"));
    assert!(messages[1].starts_with("fields[3].label must be"));
    assert!(messages[2].contains("policy.rules[0].conditions.all[0].fact `mood` is unknown"));

    let mut unknown = sales_form("Unknown approvers", &["7d3e8f9a-0b12-4e5d-8b62-1c9e3b754a1f"]);
    unknown["policy"]["defaultEvent"]["params"]["stages"][0]["any"] = json!([
        {"type": "USER", "id": "00000000-0000-4000-8000-000000000000"},
        {"type": "GROUP", "name": "Nobody's group"},
        {"type": "DOMAIN PERMISSION", "permission": "Manage Policies", "domainId": "no-such-domain"}
    ]);
    let answer = expect(
        app.post("/api/request-form").bearer_auth(&admin).json(&unknown),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let messages = error_message(&answer, 400).to_string();
    assert!(messages.contains("no user has the global user id"), "{messages}");
    assert!(messages.contains("no group is `Nobody's group`"), "{messages}");
    assert!(messages.contains("no domain has the id `no-such-domain`"), "{messages}");

    let answer = expect(
        app.post("/api/request-form").bearer_auth(&admin).json(&sales_form(
            "Missing agreement",
            &["7d3e8f9a-0b12-4e5d-8b62-1c9e3b754a1f"],
        )),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        error_message(&answer, 400)[0]
            .as_str()
            .unwrap()
            .contains("no data use agreement has the id")
    );
    let form = create_form(&app, &admin, &sales_form("Has no agreement", &[])).await;
    let answer = expect(
        app.request(
            reqwest::Method::PUT,
            &format!("/api/request-form/{}", form["id"].as_str().unwrap()),
        )
        .bearer_auth(&admin)
        .json(&json!({"dataUseAgreementIds": ["7d3e8f9a-0b12-4e5d-8b62-1c9e3b754a1f"]})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        error_message(&answer, 400)[0]
            .as_str()
            .unwrap()
            .contains("no data use agreement has the id"),
        "an edit naming a missing agreement is refused like a creation: {answer}"
    );
    let answer = expect(
        app.post("/api/request-form")
            .bearer_auth(&admin)
            .json(&json!({"name": "x", "fields": [{"type": "ESSAY"}], "policy": {}})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        error_message(&answer, 400)[0].as_str().unwrap().contains("fields"),
        "{answer}"
    );
    // Nothing was created by the refused requests: the standard form and the one made to be edited.
    let forms = expect(app.get("/api/request-form").bearer_auth(&admin), StatusCode::OK).await;
    assert_eq!(forms["meta"]["totalCount"], 2);
}

#[tokio::test]
async fn who_may_create_edit_and_delete_forms() {
    let app = spawn_app().await;
    let casey = app.token("casey").await;
    let sam = app.token("sam").await;
    let dana = app.token("dana").await;
    expect(
        app.post("/api/request-form")
            .bearer_auth(&casey)
            .json(&sales_form("Casey's", &[])),
        StatusCode::FORBIDDEN,
    )
    .await;
    expect(
        app.post("/api/request-form")
            .bearer_auth(&sam)
            .json(&sales_form("Sam's", &[])),
        StatusCode::FORBIDDEN,
    )
    .await;
    let form = create_form(&app, &dana, &sales_form("Sales access", &[])).await;
    let path = format!("/api/request-form/{}", form["id"].as_str().unwrap());

    // Sam is a steward named by the form's review flow (through Sales Stewards): he may edit it, not delete it.
    let edited = expect(
        app.request(Method::PUT, &path)
            .bearer_auth(&sam)
            .json(&json!({"name": "Sales access (reviewed)"})),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(edited["updatedBy"]["name"], "Sam Steward");
    expect(app.delete(&path).bearer_auth(&sam), StatusCode::FORBIDDEN).await;
    expect(
        app.request(Method::PUT, &path)
            .bearer_auth(&casey)
            .json(&json!({"name": "x"})),
        StatusCode::FORBIDDEN,
    )
    .await;
    expect(app.delete(&path).bearer_auth(&casey), StatusCode::FORBIDDEN).await;
    let fran = app.token("fran").await;
    expect(app.delete(&path).bearer_auth(&fran), StatusCode::NO_CONTENT).await;
}

#[tokio::test]
async fn forms_are_searched_sorted_and_paginated() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    for name in ["Zeta form", "Alpha form", "Mid form"] {
        create_form(&app, &admin, &sales_form(name, &[])).await;
    }
    let page = expect(
        app.get("/api/request-form?limit=2&offset=1").bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    let names: Vec<_> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Mid form", "Standard Request Form"]);
    assert_eq!(page["meta"]["totalCount"], 4);
    assert_eq!(page["meta"]["currentPage"], 1);
    let updated_last = expect(
        app.get("/api/request-form?sortBy=updatedAt&sortOrder=desc&limit=1")
            .bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated_last["data"][0]["name"], "Mid form");
    let filtered = expect(
        app.get("/api/request-form?nameFilter=form").bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(filtered["meta"]["totalCount"], 4);
    let linked = expect(
        app.get(&format!(
            "/api/request-form/{}/data-products",
            page["data"][0]["id"].as_str().unwrap()
        ))
        .bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(linked, json!([]));
}
