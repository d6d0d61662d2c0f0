use super::*;
use crate::DatabaseUrl;
use crate::testing::TestDatabase;
use marketplace_domain::Timestamp;
use marketplace_domain::directory::parse_directory;

/// A tenant of `count` users, each with an attribute naming the tenant and one of their own.
fn directory(tenant: &str, count: i64) -> String {
    let users: String = (1..=count)
        .map(|id| {
            format!(
                "  - {{id: {id}, globalUserId: 00000000-0000-4000-8000-{id:012}, username: u{id}, name: {tenant} {id}, \
                 attributes: {{Tenant: [{tenant}], Number: [n{id}]}}}}\n"
            )
        })
        .collect();
    format!("tenant: {{shortKey: {tenant}, name: {tenant}}}\nusers:\n{users}")
}

async fn import(store: &Store, tenant: &str, count: i64) -> TenantId {
    let directory = parse_directory(&directory(tenant, count)).unwrap();
    let report = store
        .import_directory(&directory, false, Timestamp::now(), &mut |_| {})
        .await
        .unwrap();
    report.tenant_id
}

/// Users are read by a list of ids bound as one value: lists of every length find exactly the tenant's users
/// among them, with their own attributes, on either database.
#[tokio::test]
async fn users_by_ids_finds_the_tenants_users_named_for_lists_of_any_length() {
    let database = TestDatabase::create().await;
    let store = Store::open(&DatabaseUrl::parse(database.url()).unwrap()).unwrap();
    store.migrate().await.unwrap();
    let acme = import(&store, "acme", 300).await;
    let other = import(&store, "other", 300).await;

    assert!(store.users_by_ids(acme, &[]).await.unwrap().is_empty());
    let lists: [Vec<i64>; 4] = [vec![7], vec![3, 1, 2], (1..=300).rev().collect(), vec![5, 5, 999, -1]];
    for list in lists {
        let ids: Vec<UserId> = list.iter().copied().map(UserId).collect();
        let found = store.users_by_ids(acme, &ids).await.unwrap();
        let mut expected: Vec<i64> = list.iter().copied().filter(|id| (1..=300).contains(id)).collect();
        expected.sort();
        expected.dedup();
        assert_eq!(found.keys().map(|id| id.0).collect::<Vec<_>>(), expected);
        for (id, (user, attributes)) in &found {
            assert_eq!(user.name, format!("acme {}", id.0));
            assert_eq!(attributes["Tenant"], ["acme"]);
            assert_eq!(attributes["Number"], [format!("n{}", id.0)]);
        }
    }
    let theirs = store.users_by_ids(other, &[UserId(1)]).await.unwrap();
    assert_eq!(theirs[&UserId(1)].0.name, "other 1");
}
