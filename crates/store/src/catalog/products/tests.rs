use super::*;
use crate::requests::{RequestTarget, counts};
use crate::schema::AccessRequests;
use marketplace_domain::access_request::{RequestStatus, RequestType};
use marketplace_domain::directory::parse_directory;
use marketplace_domain::ids::{ProductId, TenantId, UserId};
use sea_query::Query;

const DIRECTORY: &str = r#"
tenant: {shortKey: t, name: T}
domains: [{id: d, name: D}]
users:
  - {id: 1, globalUserId: 1b4e28ba-2fa1-11d2-883f-0016d3cca427, username: ann, name: Ann, permissions: [GOVERNANCE]}
  - {id: 2, globalUserId: 2b4e28ba-2fa1-11d2-883f-0016d3cca427, username: bob, name: Bob}
dataSources: [{id: 1, name: S, domain: D, platform: Snowflake}]
"#;

async fn request(store: &Store, tenant_id: TenantId, product: &ProductId, id: &str, status: &str) {
    let insert = Query::insert()
        .into_table(AccessRequests::Table)
        .columns([
            AccessRequests::TenantId,
            AccessRequests::Id,
            AccessRequests::RequestType,
            AccessRequests::Status,
            AccessRequests::DataProductId,
            AccessRequests::RequestingUserId,
            AccessRequests::UserId,
            AccessRequests::FormVersion,
            AccessRequests::CreatedAt,
            AccessRequests::UpdatedAt,
        ])
        .values_panic([
            tenant_id.to_string().into(),
            id.into(),
            "DATA_ACCESS".into(),
            status.into(),
            product.as_str().into(),
            2i64.into(),
            2i64.into(),
            "v".into(),
            0i64.into(),
            0i64.into(),
        ])
        .take();
    let mut tx = store.backend.begin().await.unwrap();
    tx.execute(&insert).await.unwrap();
    let target = RequestTarget::Product(product.clone());
    let status = RequestStatus::parse(status).unwrap();
    let mut counts = counts::CountChanges::default();
    let scopes = counts::request_scopes(Some(&target), [UserId(2), UserId(2)], &[], &[]);
    counts.created(tenant_id, &scopes, RequestType::DataAccess, status);
    counts.apply(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
}

async fn statuses(store: &Store) -> Vec<(String, String)> {
    let query = Query::select()
        .columns([AccessRequests::Id, AccessRequests::Status])
        .from(AccessRequests::Table)
        .order_by(AccessRequests::Id, Order::Asc)
        .take();
    let rows = store.backend.read().await.unwrap().query(&query).await.unwrap();
    rows.iter()
        .map(|row| (row.get(0).unwrap(), row.get(1).unwrap()))
        .collect()
}

/// Deleting a product cancels what is pending and revokes what was granted, with the deletion; the requests
/// themselves stay, with their history.
#[tokio::test]
async fn deleting_a_product_ends_its_requests_in_the_same_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::migrated_sqlite_store(&dir).await;
    let report = store
        .import_directory(
            &parse_directory(DIRECTORY).unwrap(),
            false,
            Timestamp::now(),
            &mut |_| {},
        )
        .await
        .unwrap();
    let tenant_id = report.tenant_id;
    let draft = ProductDraft {
        id: None,
        name: "P".into(),
        description: None,
        metadata: None,
        suspended: false,
        domains: vec!["d".into()],
        data_access_form_id: None,
        masking_exception_form_id: None,
        data_access_policy: ReviewFlow::default_for_target(),
        masking_exception_policy: ReviewFlow::default_for_target(),
        data_sources: Some(vec![1]),
    };
    let ann = "1b4e28ba-2fa1-11d2-883f-0016d3cca427".parse().unwrap();
    let product = store
        .create_product(tenant_id, draft, ann, Timestamp::now())
        .await
        .unwrap();
    for (id, status) in [
        ("r1", "PENDING"),
        ("r2", "APPROVED"),
        ("r3", "DENIED"),
        ("r4", "APPROVED"),
    ] {
        request(&store, tenant_id, &product.id, id, status).await;
    }
    let stats = store
        .product_stats(tenant_id, std::slice::from_ref(&product.id))
        .await
        .unwrap();
    assert_eq!(stats[&product.id].requests["APPROVED"], 2);
    assert!(
        store
            .has_approved_access(tenant_id, UserId(2), &product.id)
            .await
            .unwrap()
    );

    assert!(
        store
            .delete_product(tenant_id, &product.id, UserId(1), Timestamp::now())
            .await
            .unwrap()
    );
    assert_eq!(
        statuses(&store).await,
        vec![
            ("r1".into(), "CANCELED".into()),
            ("r2".into(), "REVOKED".into()),
            ("r3".into(), "DENIED".into()),
            ("r4".into(), "REVOKED".into())
        ]
    );
    assert!(store.product(tenant_id, &product.id).await.unwrap().is_none());
    assert!(
        !store
            .delete_product(tenant_id, &product.id, UserId(1), Timestamp::now())
            .await
            .unwrap()
    );
}
