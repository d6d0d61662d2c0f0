//! How the cost of a catalog page grows with the catalog: the same requests against 10 and 100,000 data
//! products, over HTTP, on SQLite. Run with `cargo bench -p marketplace-server --bench catalog_search`
//! (`MARKETPLACE_BENCH_PRODUCTS=1000` for a quicker run).

mod support;

use marketplace_domain::Timestamp;
use marketplace_domain::directory::parse_directory;
use marketplace_domain::review_flow::ReviewFlow;
use marketplace_server::app::{AppState, Application};
use marketplace_server::routes::products::encode_token;
use marketplace_store::{DatabaseUrl, ProductDraft};
use std::time::Instant;
use support::{Timing, measure, print_comparison, size_from_env};
use uuid::Uuid;

const SAMPLES: usize = 300;
const SALES: &str = "4d004a3a-4568-4c1d-822e-30958ef898dc";

async fn catalog_of(size: usize) -> Vec<(String, Timing)> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = DatabaseUrl::parse(&format!(
        "sqlite://{}?synchronous=normal",
        dir.path().join("bench.db").display()
    ))
    .unwrap();
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
    let admin = store.user_by_username(tenant.id, "admin").await.unwrap().unwrap();
    let seeding = Instant::now();
    let mut middle = String::new();
    for index in 0..size {
        let draft = ProductDraft {
            id: None,
            name: format!("Product {index:06}"),
            description: Some("Benchmark product".into()),
            metadata: None,
            suspended: false,
            domains: vec![SALES.into()],
            data_access_form_id: None,
            masking_exception_form_id: None,
            data_access_policy: ReviewFlow::default_for_target(),
            masking_exception_policy: ReviewFlow::default_for_target(),
            data_sources: Some(vec![3, 6]),
        };
        let product = store
            .create_product(tenant.id, draft, admin.global_user_id, Timestamp::now())
            .await
            .unwrap();
        if index == size / 2 {
            middle = product.id.0;
        }
    }
    eprintln!("seeded {size} products in {:.1?}", seeding.elapsed());
    let token = state
        .app
        .issue_token("demo", "admin", "bench", None)
        .await
        .unwrap()
        .token;
    let app = Application::bind("127.0.0.1:0".parse().unwrap(), state, Default::default())
        .await
        .unwrap();
    let base = format!("http://{}/marketplace/api", app.local_addr().unwrap());
    tokio::spawn(app.run_until(std::future::pending()));
    let client = reqwest::Client::new();
    let middle_token = encode_token(&(format!("Product {:06}", size / 2), Uuid::nil().to_string()));
    let requests = [
        ("first page of products", format!("{base}/data-product?limit=10")),
        (
            "page in the middle",
            format!("{base}/data-product?limit=10&nextToken={middle_token}"),
        ),
        ("one product", format!("{base}/data-product/{middle}")),
        (
            "columns of a product",
            format!("{base}/data-product/{middle}/columns?limit=10"),
        ),
        (
            "masked columns",
            format!("{base}/data-product/{middle}/columns?maskedOnly=true"),
        ),
    ];
    let mut results = Vec::new();
    for (name, url) in requests {
        results.push((name.to_owned(), measure(&client, &url, &token, SAMPLES).await));
    }
    results
}

#[tokio::main]
async fn main() {
    let large = size_from_env("MARKETPLACE_BENCH_PRODUCTS", 100_000);
    let small = catalog_of(10).await;
    let big = catalog_of(large).await;
    print_comparison("request", [10, large], &small, &big);
}
