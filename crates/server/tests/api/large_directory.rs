//! A real company's directory: 50,000 users with attributes and permissions, 5,000 groups with members and
//! 20,000 data sources with columns, imported in one transaction. Each stage's time is printed with
//! `cargo test --release -p marketplace-server --test api large_directory -- --nocapture`; nothing here asserts one.

use crate::company::{CompanySize, company_yaml, username};
use crate::helpers::*;
use marketplace_domain::Segment;
use marketplace_domain::directory::parse_directory;
use reqwest::StatusCode;
use std::time::Instant;

#[tokio::test]
async fn a_real_companys_directory_imports_whole_and_reimports_by_difference() {
    let started = Instant::now();
    let app = TestApp::start(TestDb::new().await, Segment::Na, None).await;
    let size = CompanySize::LARGE;
    let yaml = company_yaml("acme", size);
    eprintln!("generated {} MB in {:.1?}", yaml.len() / 1_000_000, started.elapsed());
    let parsing = Instant::now();
    let mut desired = parse_directory(&yaml).expect("a real company's directory parses");
    eprintln!("parsed in {:.1?}", parsing.elapsed());
    assert_eq!(desired.users.len(), size.users);
    assert_eq!(desired.groups.len(), size.groups);
    assert_eq!(desired.data_sources.len(), size.data_sources);

    let importing = Instant::now();
    let report = app.state.app.import_directory(&desired, false).await.unwrap();
    eprintln!("imported in {:.1?}", importing.elapsed());
    assert_eq!(
        report.changes.len(),
        1 + 25 + 60 + size.users + size.groups + size.data_sources
    );
    desired.tenant.id = Some(report.tenant_id);
    let loading = Instant::now();
    assert!(
        app.state.app.stored_directory("acme").await.unwrap().unwrap() == desired,
        "stored as in the file"
    );
    eprintln!("loaded and compared in {:.1?}", loading.elapsed());
    let again = Instant::now();
    assert!(app.import(&yaml).await.changes.is_empty());
    eprintln!("reimported unchanged in {:.1?}", again.elapsed());

    let last = username(size.users - 1);
    let token = app.token_in("acme", &last, None).await;
    let me = expect(app.get("/api/auth/user").bearer_auth(&token), StatusCode::OK).await;
    assert_eq!(me["username"], last.as_str());
    // The user picker finds the last user of the file among all the others.
    let path = format!("/api/metadata/users?filter={last}");
    let found = expect(app.get(&path).bearer_auth(&token), StatusCode::OK).await;
    assert_eq!(found["users"].as_array().map(Vec::len), Some(1));
    assert_eq!(found["users"][0]["username"], last.as_str());
    eprintln!("total {:.1?}", started.elapsed());
}
