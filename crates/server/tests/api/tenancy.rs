use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

const ACME: &str = r#"
tenant:
  shortKey: acme
  name: Acme Corp
domains:
  - id: acme-ops
    name: Operations
tags:
  - id: 1
    name: Internal
users:
  - id: 1
    globalUserId: 9a0c1e2f-3b4d-4e5f-8a6b-7c8d9e0f1a2b
    username: admin
    name: Acme Admin
    email: admin@acme.example
    permissions: [GOVERNANCE, APPLICATION_ADMIN]
    attributes:
      Department: [Operations]
groups:
  - id: 1
    name: Acme Ops
    members: [admin]
dataSources:
  - id: 1
    name: Shipments
    domain: Operations
    platform: PostgreSQL
    tags: [Internal]
    columns:
      - {name: shipment_id, type: integer}
"#;

#[tokio::test]
async fn a_tenant_never_sees_or_touches_another_tenants_records() {
    let app = spawn_app().await;
    app.import(ACME).await;
    let acme = app.token_in("acme", "admin", None).await;
    let demo = app.token("admin").await;

    // Another tenant's domain, by id, does not exist for this one.
    let answer = expect(
        app.get(&format!("/api/metadata/domain/{SALES}")).bearer_auth(&acme),
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(error_message(&answer, 404), "Domain not found.");
    expect(
        app.get(&format!("/api/metadata/domain/{SALES}/datasources"))
            .bearer_auth(&acme),
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(
        app.get("/api/metadata/domain/acme-ops").bearer_auth(&demo),
        StatusCode::NOT_FOUND,
    )
    .await;

    // Lists hold only the caller's tenant.
    let domains = expect(app.get("/api/metadata/domain").bearer_auth(&acme), StatusCode::OK).await;
    assert_eq!(
        domains,
        json!({"domains": [{"id": "acme-ops", "name": "Operations", "description": ""}]})
    );
    let users = expect(app.get("/api/metadata/users").bearer_auth(&acme), StatusCode::OK).await;
    assert_eq!(users["users"].as_array().unwrap().len(), 1);
    assert_eq!(users["users"][0]["name"], "Acme Admin");
    let groups = expect(app.get("/api/metadata/groups").bearer_auth(&acme), StatusCode::OK).await;
    assert_eq!(groups["groups"].as_array().unwrap().len(), 1);
    let attributes = expect(app.get("/api/metadata/attributes").bearer_auth(&acme), StatusCode::OK).await;
    assert_eq!(
        attributes,
        json!({"attributes": [{"type": "Department", "value": "Operations"}]})
    );
    let tags = expect(app.get("/api/metadata/tags").bearer_auth(&acme), StatusCode::OK).await;
    assert_eq!(tags.as_array().unwrap().len(), 1);
    let applied = expect(
        app.post("/api/metadata/tags/applied/search")
            .bearer_auth(&acme)
            .json(&json!({"dataSourceIds": [1, 3]})),
        StatusCode::OK,
    )
    .await;
    assert_eq!(applied["total"], 1);
    assert_eq!(applied["data"][0]["name"], "Internal");

    // Tokens: the same username in two tenants are two people.
    let demo_tokens = expect(app.get("/api/auth/tokens").bearer_auth(&demo), StatusCode::OK).await;
    let demo_token_path = format!("/api/auth/tokens/{}", demo_tokens[0]["tokenId"].as_str().unwrap());
    expect(app.get(&demo_token_path).bearer_auth(&acme), StatusCode::NOT_FOUND).await;
    expect(app.delete(&demo_token_path).bearer_auth(&acme), StatusCode::NOT_FOUND).await;
    expect(app.get("/api/auth/user").bearer_auth(&demo), StatusCode::OK).await;
    let acme_tokens = expect(app.get("/api/auth/tokens").bearer_auth(&acme), StatusCode::OK).await;
    assert_eq!(acme_tokens.as_array().unwrap().len(), 1);
    assert_ne!(acme_tokens[0]["tenantId"], demo_tokens[0]["tenantId"]);

    let me = expect(app.get("/api/auth/user").bearer_auth(&acme), StatusCode::OK).await;
    assert_eq!(me["tenantInfo"]["organizationName"], "Acme Corp");
    assert_eq!(me["tenantInfo"]["fqdn"], "acme.marketplace.local");
    let settings = expect(app.get("/api/settings/frontend").bearer_auth(&acme), StatusCode::OK).await;
    assert_eq!(settings["theme"]["primaryColor"], "#3C5BDC");
}

#[tokio::test]
async fn a_token_names_its_tenant_and_cannot_be_replayed_in_another() {
    let app = spawn_app().await;
    app.import(ACME).await;
    // Both tenants have a user `admin`; a demo admin token authenticates as the demo admin only.
    let demo = app.token("admin").await;
    let me = expect(app.get("/api/auth/user").bearer_auth(&demo), StatusCode::OK).await;
    assert_eq!(me["displayName"], "Ada Admin");
    assert_eq!(me["tenantInfo"]["organizationName"], "Demo Retail Co.");
}
