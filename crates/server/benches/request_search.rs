//! How the cost of a page of access requests grows with the table: the same searches against 1,000 and
//! 1,000,000 requests, over HTTP, on SQLite. Run with `cargo bench -p marketplace-server --bench request_search`
//! (`MARKETPLACE_BENCH_REQUESTS=100000` for a quicker run).
//!
//! Casey's 30 pending requests (reviewed by the Sales Stewards, Sam's group) are made through the API; the rest
//! are older decided requests of 100,000 other users, written straight into the database, each with the approval
//! record Sam's group decided, and counted as the store counts them.

mod support;

use marketplace_domain::Timestamp;
use marketplace_domain::directory::parse_directory;
use marketplace_domain::review_flow::ReviewFlow;
use marketplace_server::app::{AppState, Application};
use marketplace_store::{DatabaseUrl, ProductDraft};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Instant;
use support::{Timing, measure, print_comparison, size_from_env};

const SAMPLES: usize = 200;
const SALES: &str = "4d004a3a-4568-4c1d-822e-30958ef898dc";
const CASEY: &str = "4fc16ea8-7180-4d42-9e95-a06b1c2d3e45";
const PRODUCTS: usize = 30;

async fn get_json(client: &reqwest::Client, url: &str, token: &str) -> Value {
    let response = client.get(url).bearer_auth(token).send().await.expect("request");
    assert!(response.status().is_success(), "{url}: {}", response.status());
    response.json().await.expect("JSON")
}

/// Older, decided requests of other users, each with the record Sam's group decided, as the store writes them.
fn seed_decided(database: &Path, tenant: &str, products: &[String], count: usize) {
    let db = rusqlite::Connection::open(database).expect("open the database");
    let product_rows = products
        .iter()
        .map(|id| format!("('{id}')"))
        .collect::<Vec<_>>()
        .join(",");
    let approvers = r#"[{"type":"GROUP","id":1,"name":"Sales Stewards"}]"#;
    let year_ago = Timestamp::now().millis() - 365 * 24 * 3600 * 1000;
    let script = format!(
        "BEGIN;
        CREATE TEMP TABLE bench_products (position INTEGER PRIMARY KEY, id TEXT);
        INSERT INTO bench_products (id) VALUES {product_rows};
        CREATE TEMP TABLE bench_numbers AS WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {count}) SELECT i FROM n;
        INSERT INTO access_requests (tenant_id, id, request_type, status, data_product_id, requesting_user_id, user_id,
            form_version, form, created_at, updated_at, target_name, target_type, domains)
        SELECT '{tenant}', 'bench' || i, 'DATA_ACCESS', CASE i % 3 WHEN 0 THEN 'APPROVED' WHEN 1 THEN 'DENIED' ELSE 'REVOKED' END,
            (SELECT id FROM bench_products WHERE position = 1 + i % {PRODUCTS}), 1000 + i % 100000, 1000 + i % 100000,
            'bench', '{{}}', {year_ago} + i * 10, {year_ago} + i * 10 + 5, 'Bench product', 'DATA_PRODUCT', '[\"{SALES}\"]'
        FROM bench_numbers;
        INSERT INTO access_request_domains (tenant_id, domain_id, request_id)
            SELECT '{tenant}', '{SALES}', 'bench' || i FROM bench_numbers;
        INSERT INTO approval_records (tenant_id, id, request_id, position, approvers, prerequisites, status, action_by,
            reason, created_at, updated_at)
        SELECT '{tenant}', 'record' || i, 'bench' || i, 0, '{approvers}', '[]',
            CASE i % 3 WHEN 1 THEN 'DENIED' ELSE 'APPROVED' END, 3, 'Decided', {year_ago} + i * 10, {year_ago} + i * 10 + 5
        FROM bench_numbers;
        INSERT INTO approval_record_keys (tenant_id, approver_key, request_id, record_id)
            SELECT '{tenant}', 'group:1', 'bench' || i, 'record' || i FROM bench_numbers;
        DELETE FROM access_request_counts WHERE tenant_id = '{tenant}';
        INSERT INTO access_request_counts (tenant_id, scope, status, request_type, count)
            SELECT tenant_id, '', status, request_type, COUNT(*) FROM access_requests
            WHERE tenant_id = '{tenant}' GROUP BY tenant_id, status, request_type;
        INSERT INTO access_request_counts (tenant_id, scope, status, request_type, count)
            SELECT tenant_id, 'product:' || data_product_id, status, request_type, COUNT(*) FROM access_requests
            WHERE tenant_id = '{tenant}' GROUP BY tenant_id, data_product_id, status, request_type;
        COMMIT;
        ANALYZE;"
    );
    db.execute_batch(&script).expect("seed decided requests");
}

async fn requests_of(size: usize) -> Vec<(String, Timing)> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("bench.db");
    let url = DatabaseUrl::parse(&format!("sqlite://{}?synchronous=normal", file.display())).unwrap();
    let state = AppState::open(&url, marketplace_domain::Segment::Na, None)
        .await
        .expect("open");
    // Seeding writes straight to the database, underneath the API being timed.
    let store = marketplace_store::Store::open(&url).expect("open the store");
    let directory = parse_directory(include_str!("../../../examples/directory.yaml")).unwrap();
    store
        .import_directory(&directory, false, Timestamp::now(), &mut |_| {})
        .await
        .unwrap();
    let tenant = store.tenant_by_short_key("demo").await.unwrap().unwrap();
    let mut people = Vec::new();
    for name in ["admin", "casey", "sam"] {
        people.push(store.user_by_username(tenant.id, name).await.unwrap().unwrap());
    }
    let [admin, casey, sam] = <[_; 3]>::try_from(people).unwrap();
    let review = serde_json::from_value::<ReviewFlow>(json!({"rules": [], "defaultEvent": {"type": "review",
        "params": {"stages": [{"any": [{"type": "GROUP", "id": 1, "name": "Sales Stewards"}]}]}}}))
    .unwrap();
    let mut products = Vec::new();
    for index in 0..PRODUCTS {
        let draft = ProductDraft {
            id: None,
            name: format!("Product {index:02}"),
            description: None,
            metadata: None,
            suspended: false,
            domains: vec![SALES.into()],
            data_access_form_id: None,
            masking_exception_form_id: None,
            data_access_policy: review.clone(),
            masking_exception_policy: review.clone(),
            data_sources: Some(vec![3]),
        };
        let product = store.create_product(tenant.id, draft, admin.global_user_id, Timestamp::now());
        products.push(product.await.unwrap().id.0);
    }
    let seeding = Instant::now();
    seed_decided(&file, &tenant.id.to_string(), &products, size - PRODUCTS);
    eprintln!("seeded {} requests in {:.1?}", size - PRODUCTS, seeding.elapsed());

    let mut tokens = Vec::new();
    for person in [&admin, &casey, &sam] {
        tokens.push(
            state
                .app
                .issue_token("demo", &person.username, "bench", None)
                .await
                .unwrap()
                .token,
        );
    }
    let [admin_token, casey_token, sam_token] = <[String; 3]>::try_from(tokens).unwrap();
    let app = Application::bind("127.0.0.1:0".parse().unwrap(), state.clone(), Default::default())
        .await
        .unwrap();
    let base = format!("http://{}/marketplace/api", app.local_addr().unwrap());
    tokio::spawn(app.run_until(std::future::pending()));
    let client = reqwest::Client::new();
    for product in &products {
        let forms = format!("{base}/data-product/{product}/request-forms");
        let forms = get_json(&client, &forms, &casey_token).await;
        let question = forms[0]["fields"][0]["id"].clone();
        let answers = json!({"answers": [{"fieldId": question, "value": "Churn"}], "acceptedDataUseAgreementIds": []});
        let created = client
            .post(format!("{base}/data-product/{product}/request"))
            .bearer_auth(&casey_token)
            .json(&json!({"user": CASEY, "form": answers}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), reqwest::StatusCode::CREATED);
    }
    let all = get_json(&client, &format!("{base}/access-request?limit=1"), &admin_token).await;
    assert_eq!(all["meta"]["totalCount"], size, "every request is counted");
    let middle = &products[PRODUCTS / 2];
    let searches = [
        ("casey: own, first page", casey_token.clone(), "/access-request"),
        (
            "casey: pending",
            casey_token.clone(),
            "/access-request?role=requestor&status=PENDING",
        ),
        (
            "sam: awaiting review",
            sam_token.clone(),
            "/access-request?reviewStatus=awaitingReviewFromYou",
        ),
        ("sam: all he reviews", sam_token.clone(), "/access-request"),
        ("admin: all, first page", admin_token.clone(), "/access-request"),
        ("admin: all, page 50", admin_token.clone(), "/access-request?offset=500"),
        ("admin: pending", admin_token.clone(), "/access-request?status=PENDING"),
        (
            "admin: casey's",
            admin_token.clone(),
            &format!("/access-request?userIds={CASEY}") as &str,
        ),
        (
            "admin: a product's",
            admin_token.clone(),
            &format!("/data-product/{middle}/request") as &str,
        ),
    ]
    .map(|(name, token, path)| (name, token, path.to_owned()));
    let mut results = Vec::new();
    for (name, token, path) in searches {
        let page = get_json(&client, &format!("{base}{path}"), &token).await;
        assert!(
            !page["data"].as_array().expect("a page").is_empty(),
            "{path} finds nothing"
        );
        results.push((
            name.to_owned(),
            measure(&client, &format!("{base}{path}"), &token, SAMPLES).await,
        ));
    }
    results
}

#[tokio::main]
async fn main() {
    let large = size_from_env("MARKETPLACE_BENCH_REQUESTS", 1_000_000);
    let small = requests_of(1_000).await;
    let big = requests_of(large).await;
    print_comparison("search", [1_000, large], &small, &big);
}
