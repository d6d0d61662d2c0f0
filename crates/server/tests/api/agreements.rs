use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub async fn create_agreement(app: &TestApp, token: &str, name: &str, body: &str) -> Value {
    expect(
        app.post("/api/data-use-agreement")
            .bearer_auth(token)
            .json(&json!({"name": name, "body": body})),
        StatusCode::CREATED,
    )
    .await
}

#[tokio::test]
async fn agreements_are_created_read_updated_and_deleted() {
    let app = spawn_app().await;
    let dana = app.token("dana").await;
    let created = create_agreement(&app, &dana, "Internal use only", "You will not share this data.").await;
    assert_eq!(created["name"], "Internal use only");
    assert_eq!(created["createdBy"]["name"], "Dana Data-Owner");
    assert_eq!(
        created["createdBy"]["globalUserId"],
        "1c9e3b75-4e5d-4a1f-8b62-7d3e8f9a0b12"
    );
    assert_eq!(created["createdAt"], created["updatedAt"]);
    let id = created["id"].as_str().unwrap().to_owned();

    let casey = app.token("casey").await;
    let read = expect(
        app.get(&format!("/api/data-use-agreement/{id}")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(read, created);

    let admin = app.token("admin").await;
    let updated = expect(
        app.request(reqwest::Method::PUT, &format!("/api/data-use-agreement/{id}"))
            .bearer_auth(&admin)
            .json(&json!({"body": "Internal use only, within the EU."})),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(updated["name"], "Internal use only");
    assert_eq!(updated["body"], "Internal use only, within the EU.");
    assert_eq!(updated["updatedBy"]["name"], "Ada Admin");
    assert_eq!(updated["createdBy"]["name"], "Dana Data-Owner");

    expect(
        app.delete(&format!("/api/data-use-agreement/{id}")).bearer_auth(&dana),
        StatusCode::NO_CONTENT,
    )
    .await;
    expect(
        app.get(&format!("/api/data-use-agreement/{id}")).bearer_auth(&dana),
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(
        app.delete(&format!("/api/data-use-agreement/{id}")).bearer_auth(&dana),
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn a_client_may_choose_the_id() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    let id = "6a0e8f52-1c4b-4e8e-a2f1-0c9d8b7a6e51";
    let body = json!({"id": id, "name": "Chosen", "body": "text"});
    let created = expect(
        app.post("/api/data-use-agreement").bearer_auth(&admin).json(&body),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["id"], id);
    let again = json!({"id": id, "name": "Other", "body": "text"});
    expect(
        app.post("/api/data-use-agreement").bearer_auth(&admin).json(&again),
        StatusCode::CONFLICT,
    )
    .await;
}

#[tokio::test]
async fn agreements_are_validated_and_names_are_unique() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    let answer = expect(
        app.post("/api/data-use-agreement").bearer_auth(&admin).json(&json!({})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        error_message(&answer, 400),
        json!(["name should not be empty", "body should not be empty"])
    );
    create_agreement(&app, &admin, "Terms", "a").await;
    let answer = expect(
        app.post("/api/data-use-agreement")
            .bearer_auth(&admin)
            .json(&json!({"name": "Terms", "body": "b"})),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(
        error_message(&answer, 409),
        "There is already a data use agreement with this name."
    );
    let other = create_agreement(&app, &admin, "Other terms", "c").await;
    let answer = expect(
        app.request(
            reqwest::Method::PUT,
            &format!("/api/data-use-agreement/{}", other["id"].as_str().unwrap()),
        )
        .bearer_auth(&admin)
        .json(&json!({"name": "Terms"})),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(
        error_message(&answer, 409),
        "There is already a data use agreement with this name."
    );
    expect(
        app.get("/api/data-use-agreement/not-a-uuid").bearer_auth(&admin),
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn only_governance_and_product_managers_manage_agreements() {
    let app = spawn_app().await;
    let casey = app.token("casey").await;
    let answer = expect(
        app.post("/api/data-use-agreement")
            .bearer_auth(&casey)
            .json(&json!({"name": "Mine", "body": "x"})),
        StatusCode::FORBIDDEN,
    )
    .await;
    error_message(&answer, 403);
    let fran = app.token("fran").await;
    let created = create_agreement(&app, &fran, "Finance terms", "x").await;
    let path = format!("/api/data-use-agreement/{}", created["id"].as_str().unwrap());
    expect(
        app.request(reqwest::Method::PUT, &path)
            .bearer_auth(&casey)
            .json(&json!({"body": "y"})),
        StatusCode::FORBIDDEN,
    )
    .await;
    expect(app.delete(&path).bearer_auth(&casey), StatusCode::FORBIDDEN).await;
    expect(app.get(&path).bearer_auth(&casey), StatusCode::OK).await;
}

#[tokio::test]
async fn agreements_are_searched_sorted_and_paginated() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    for name in ["Charlie", "alpha", "Bravo", "Delta"] {
        create_agreement(&app, &admin, name, "text").await;
    }
    let names = |page: &Value| -> Vec<String> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = expect(
        app.get("/api/data-use-agreement?limit=2").bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&first), vec!["Bravo", "Charlie"]);
    assert_eq!(
        first["meta"],
        json!({"offset": 0, "limit": 2, "totalCount": 4, "pageCount": 2, "currentPage": 1, "totalPages": 2})
    );
    let desc = expect(
        app.get("/api/data-use-agreement?sortOrder=desc&limit=1")
            .bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&desc), vec!["alpha"]);
    let by_created = expect(
        app.get("/api/data-use-agreement?sortBy=createdAt").bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&by_created), vec!["Charlie", "alpha", "Bravo", "Delta"]);
    let filtered = expect(
        app.get("/api/data-use-agreement?nameFilter=AL").bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&filtered), vec!["alpha"]);
    let exact = expect(
        app.get("/api/data-use-agreement?nameFilter=Alpha&exactMatch=true")
            .bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(exact["meta"]["totalCount"], 0);
    let answer = expect(
        app.get("/api/data-use-agreement?sortBy=size").bearer_auth(&admin),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(error_message(&answer, 400)[0].as_str().unwrap().starts_with("sortBy"));
}

/// `/api/access-agreement`, the path in Immuta's documentation example, lists and reads data use agreements.
#[tokio::test]
async fn the_access_agreement_path_lists_and_reads_data_use_agreements() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    let casey = app.token("casey").await;
    for name in ["Charlie", "alpha", "Bravo"] {
        create_agreement(&app, &admin, name, "text").await;
    }
    for query in [
        "",
        "?limit=2",
        "?offset=1&limit=1&sortOrder=desc",
        "?sortBy=createdAt",
        "?nameFilter=AL",
        "?nameFilter=alpha&exactMatch=true",
    ] {
        let original = expect(
            app.get(&format!("/api/data-use-agreement{query}")).bearer_auth(&casey),
            StatusCode::OK,
        )
        .await;
        let alias = expect(
            app.get(&format!("/api/access-agreement{query}")).bearer_auth(&casey),
            StatusCode::OK,
        )
        .await;
        assert_eq!(alias, original, "{query}");
    }
    let all = expect(app.get("/api/access-agreement").bearer_auth(&casey), StatusCode::OK).await;
    assert_eq!(all["meta"]["totalCount"], 3);
    let id = all["data"][0]["id"].as_str().unwrap();
    let read = expect(
        app.get(&format!("/api/access-agreement/{id}")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(read, all["data"][0]);

    // Refusals are the data use agreement's too.
    let bad = expect(
        app.get("/api/access-agreement?sortBy=size").bearer_auth(&casey),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(error_message(&bad, 400)[0].as_str().unwrap().starts_with("sortBy"));
    let missing = expect(
        app.get("/api/access-agreement/6a0e8f52-1c4b-4e8e-a2f1-0c9d8b7a6e51")
            .bearer_auth(&casey),
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(error_message(&missing, 404), "Data use agreement not found.");
    expect_unauthenticated(app.get("/api/access-agreement")).await;
    expect_unauthenticated(app.get(&format!("/api/access-agreement/{id}"))).await;
    // Only reads have an alias.
    expect(
        app.post("/api/access-agreement")
            .bearer_auth(&admin)
            .json(&json!({"name": "x", "body": "y"})),
        StatusCode::METHOD_NOT_ALLOWED,
    )
    .await;
}

/// The aliases are documented as such, next to the operations they stand for.
#[test]
fn the_access_agreement_aliases_are_documented() {
    let document = serde_json::to_value(marketplace_server::openapi::document()).unwrap();
    let paths = &document["paths"];
    for (alias, original, id) in [
        (
            "/api/access-agreement",
            "/api/data-use-agreement",
            "getAccessAgreements",
        ),
        (
            "/api/access-agreement/{id}",
            "/api/data-use-agreement/{id}",
            "getAccessAgreementById",
        ),
    ] {
        let (alias_op, original_op) = (&paths[alias]["get"], &paths[original]["get"]);
        assert_eq!(alias_op["operationId"], id);
        assert_eq!(alias_op["tags"], json!(["Data Use Agreement"]));
        assert_eq!(alias_op["parameters"], original_op["parameters"], "{alias}");
        assert_eq!(alias_op["responses"], original_op["responses"], "{alias}");
        assert!(
            alias_op["description"]
                .as_str()
                .unwrap()
                .contains(&format!("Alias of `GET {original}`")),
            "{alias_op}"
        );
        assert_eq!(paths[alias].as_object().unwrap().len(), 1, "{alias} is read-only");
    }
}
