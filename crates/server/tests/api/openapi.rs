//! Our OpenAPI document against Immuta's: every reference operation we implement has the same method, path,
//! operation id, parameters, success status and response property names.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn reference() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/reference/immuta-request-app-openapi.yml"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"));
    serde_saphyr::from_str(&text).expect("the reference document parses")
}

fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            resolve(document, &document["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// The property names of a schema, following references, compositions and array items, down to `depth`
/// levels (`a.b.c`).
fn property_names(document: &Value, schema: &Value, prefix: &str, depth: usize, names: &mut BTreeSet<String>) {
    let schema = resolve(document, schema);
    for key in ["allOf", "oneOf", "anyOf"] {
        for member in schema[key].as_array().into_iter().flatten() {
            property_names(document, member, prefix, depth, names);
        }
    }
    if let Some(items) = schema.get("items") {
        property_names(document, items, prefix, depth, names);
    }
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        let full = format!("{prefix}{name}");
        names.insert(full.clone());
        if depth > 1 {
            property_names(document, property, &format!("{full}."), depth - 1, names);
        }
    }
}

fn json_schema(body: &Value) -> Option<&Value> {
    body.get("content")?.get("application/json")?.get("schema")
}

fn schema_type(document: &Value, schema: &Value) -> Option<String> {
    let schema = resolve(document, schema);
    match &schema["type"] {
        Value::String(kind) => Some(kind.clone()),
        // OpenAPI 3.1 writes nullable types as a list.
        Value::Array(kinds) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|kind| *kind != "null")
            .map(str::to_owned),
        // `oneOf: [{type: string}]` says the same as `type: string`.
        _ => ["oneOf", "anyOf", "allOf"]
            .iter()
            .flat_map(|key| schema[*key].as_array().into_iter().flatten())
            .find_map(|member| schema_type(document, member)),
    }
}

#[test]
fn our_document_matches_the_reference_for_every_operation_we_serve() {
    let reference = reference();
    let ours = serde_json::to_value(marketplace_server::openapi::document()).unwrap();
    let mut total = 0;
    let mut covered = Vec::new();
    let mut problems = Vec::new();
    for (path, item) in reference["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(theirs) = item.get(method) else { continue };
            total += 1;
            let Some(mine) = ours["paths"].get(path).and_then(|item| item.get(method)) else {
                continue;
            };
            let operation = format!("{} {path}", method.to_uppercase());
            covered.push(operation.clone());
            if theirs["operationId"] != mine["operationId"] {
                problems.push(format!(
                    "{operation}: operationId {} != {}",
                    mine["operationId"], theirs["operationId"]
                ));
            }
            for parameter in theirs["parameters"].as_array().into_iter().flatten() {
                let matching = mine["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|candidate| candidate["name"] == parameter["name"] && candidate["in"] == parameter["in"]);
                let Some(matching) = matching else {
                    problems.push(format!("{operation}: parameter {} is missing", parameter["name"]));
                    continue;
                };
                let required = |p: &Value| p["required"].as_bool().unwrap_or(false);
                if required(parameter) != required(matching) {
                    problems.push(format!("{operation}: parameter {} required differs", parameter["name"]));
                }
                let (want, got) = (
                    schema_type(&reference, &parameter["schema"]),
                    schema_type(&ours, &matching["schema"]),
                );
                if want != got {
                    problems.push(format!(
                        "{operation}: parameter {} is {got:?}, not {want:?}",
                        parameter["name"]
                    ));
                }
            }
            for (status, response) in theirs["responses"].as_object().unwrap() {
                if !status.starts_with('2') {
                    continue;
                }
                let Some(my_response) = mine["responses"].get(status) else {
                    problems.push(format!("{operation}: answers no {status}"));
                    continue;
                };
                if let Some(schema) = json_schema(response) {
                    let (mut want, mut got) = (BTreeSet::new(), BTreeSet::new());
                    property_names(&reference, schema, "", 3, &mut want);
                    if let Some(my_schema) = json_schema(my_response) {
                        property_names(&ours, my_schema, "", 3, &mut got);
                    }
                    let missing: Vec<_> = want.difference(&got).collect();
                    if !missing.is_empty() {
                        problems.push(format!("{operation}: {status} lacks {missing:?}"));
                    }
                }
            }
            if let Some(schema) = theirs.get("requestBody").and_then(json_schema) {
                let (mut want, mut got) = (BTreeSet::new(), BTreeSet::new());
                property_names(&reference, schema, "", 3, &mut want);
                if let Some(my_schema) = mine.get("requestBody").and_then(json_schema) {
                    property_names(&ours, my_schema, "", 3, &mut got);
                }
                let missing: Vec<_> = want.difference(&got).collect();
                if !missing.is_empty() {
                    problems.push(format!("{operation}: request body lacks {missing:?}"));
                }
            }
        }
    }
    println!("implemented {} of {total} reference operations", covered.len());
    for operation in &covered {
        println!("  {operation}");
    }
    assert_eq!(total, 83, "the reference has 83 operations");
    assert!(
        problems.is_empty(),
        "differences from the reference:\n{}",
        problems.join("\n")
    );
    assert!(covered.len() >= 17, "only {} operations covered", covered.len());
}

#[tokio::test]
async fn the_document_and_the_test_page_are_served_offline() {
    let app = spawn_app().await;
    let response = app.get("/api/openapi.yaml").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let yaml: Value = serde_saphyr::from_str(&response.text().await.unwrap()).unwrap();
    let json = expect(app.get("/api/openapi.json"), StatusCode::OK).await;
    assert_eq!(yaml, json);
    assert!(json["paths"]["/api/auth/tokens"]["post"].is_object());
    assert_eq!(json["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let servers: Vec<_> = json["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["url"].clone())
        .collect();
    assert_eq!(servers[0], "/marketplace");
    assert_eq!(
        json["servers"][1]["variables"]["global-segment"]["enum"],
        serde_json::json!(["na", "eu", "ap"])
    );

    let page = app.get("/api/docs/").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(!html.contains("https://"), "the page loads nothing from the internet");
    for asset in ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-initializer.js"] {
        let response = app.get(&format!("/api/docs/{asset}")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
    }
    let initializer = app
        .get("/api/docs/swagger-initializer.js")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(initializer.contains("/marketplace/api/openapi.json"), "{initializer}");
}
