//! Property: importing directory A and then directory B leaves the database as importing B into an empty one
//! does, as the store reads it back and as the API serves it. The directories are small and drawn from shared
//! pools of ids and names, so that B adds, updates, removes and renames records of A.

use crate::helpers::*;
use marketplace_domain::Segment;
use marketplace_domain::directory::{data_objects, parse_directory};
use marketplace_domain::ids::TenantId;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestRunner;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

const TENANT: Uuid = Uuid::from_u128(0x7e7a_0001);
const DOMAINS: [&str; 3] = ["dom-a", "dom-b", "dom-c"];
const DOMAIN_NAMES: &[&str] = &["Sales", "Finance", "Legal"];
const TAG_NAMES: &[&str] = &["PII", "PII.Email", "Finance", "Internal"];
const USERNAMES: &[&str] = &["casey", "riley", "sam", "dana"];
const GROUP_NAMES: &[&str] = &["Stewards", "Analysts", "Auditors"];
const SOURCE_NAMES: &[&str] = &["Customers", "Orders", "Ledger", "Payroll"];
const PERMISSIONS: [&str; 3] = ["GOVERNANCE", "AUDIT", "USER_ADMIN"];
const DOMAIN_PERMISSIONS: [&str; 2] = ["Manage Data Products", "Manage Policies"];

fn shuffled(pool: &'static [&'static str]) -> impl Strategy<Value = Vec<&'static str>> {
    Just(pool.to_vec()).prop_shuffle()
}

/// Random picks for one record: whether it exists, and bits and indexes for its fields and references.
#[derive(Debug, Clone)]
struct Pick {
    present: bool,
    variant: usize,
    bits: Vec<bool>,
    refs: Vec<Index>,
}

fn picks(count: usize) -> impl Strategy<Value = Vec<Pick>> {
    let pick = (
        prop::bool::weighted(0.7),
        0usize..3,
        prop::collection::vec(any::<bool>(), 8),
        prop::collection::vec(any::<Index>(), 4),
    )
        .prop_map(|(present, variant, bits, refs)| Pick {
            present,
            variant,
            bits,
            refs,
        });
    prop::collection::vec(pick, count)
}

fn some<T>(on: bool, value: T) -> Option<T> {
    on.then_some(value)
}

/// One directory file, as JSON (which is YAML), with an administrator to read it back through the API.
fn any_directory() -> impl Strategy<Value = Value> {
    (
        (0usize..2, shuffled(DOMAIN_NAMES), picks(3)),
        (shuffled(TAG_NAMES), picks(4)),
        (shuffled(USERNAMES), picks(4), 0u32..4),
        (shuffled(GROUP_NAMES), picks(3)),
        (shuffled(SOURCE_NAMES), picks(4), picks(12)),
    )
        .prop_map(|(domains, tags, users, groups, sources)| render(domains, tags, users, groups, sources))
}

type Names = Vec<&'static str>;

fn render(
    (tenant_variant, domain_names, domain_picks): (usize, Names, Vec<Pick>),
    (tag_names, tag_picks): (Names, Vec<Pick>),
    (usernames, user_picks, id_shift): (Names, Vec<Pick>, u32),
    (group_names, group_picks): (Names, Vec<Pick>),
    (source_names, source_picks, column_picks): (Names, Vec<Pick>, Vec<Pick>),
) -> Value {
    let domains: Vec<(usize, &Pick)> = domain_picks.iter().enumerate().filter(|(_, p)| p.present).collect();
    let domain_ref = |index: &Index| {
        domains
            .get(index.index(domains.len().max(1)))
            .map(|(at, _)| domain_name_or_id(*at, &domain_names))
    };
    let tags: Vec<(usize, &Pick)> = tag_picks.iter().enumerate().filter(|(_, p)| p.present).collect();
    let tag_list = |bits: &[bool]| -> Vec<&str> {
        tags.iter()
            .zip(bits)
            .filter(|(_, on)| **on)
            .map(|((at, _), _)| tag_names[*at])
            .collect()
    };
    let users: Vec<(usize, &Pick)> = user_picks.iter().enumerate().filter(|(_, p)| p.present).collect();
    let grants = |pick: &Pick| -> Vec<Value> {
        pick.refs[..pick.variant]
            .iter()
            .enumerate()
            .filter_map(|(n, index)| domain_ref(index).map(|domain| (n, domain)))
            .map(|(n, domain)| json!({"domain": domain, "permission": DOMAIN_PERMISSIONS[n % 2]}))
            .collect()
    };
    let mut user_list = vec![json!({"id": 1, "globalUserId": Uuid::from_u128(1), "username": "admin",
        "name": "Admin", "permissions": ["GOVERNANCE"]})];
    for (at, pick) in &users {
        let attributes: Value = match pick.variant {
            0 => json!({}),
            1 => json!({"Department": ["Sales"]}),
            _ => json!({"Department": ["Sales", "Finance"], "Clearance": ["Internal"]}),
        };
        // Global user ids move between users as usernames do, by a shift of their own.
        let global = Uuid::from_u128(0x100 + ((*at as u128 + id_shift as u128) % 4));
        user_list.push(json!({
            "id": at + 2, "globalUserId": global, "username": usernames[*at],
            "name": format!("{} {}", usernames[*at], ["A.", "B.", "C."][pick.variant]),
            "email": some(pick.bits[0], format!("{}@example.com", usernames[*at])),
            "iamId": some(pick.bits[1], "okta"),
            "permissions": PERMISSIONS.iter().zip(&pick.bits[2..]).filter(|(_, on)| **on).map(|(p, _)| *p).collect::<Vec<_>>(),
            "domainPermissions": grants(pick),
            "attributes": attributes,
        }));
    }
    let group_list: Vec<Value> = group_picks
        .iter()
        .enumerate()
        .filter(|(_, p)| p.present)
        .map(|(at, pick)| {
            let members: Vec<&str> = users
                .iter()
                .zip(&pick.bits[4..])
                .filter(|(_, on)| **on)
                .map(|((u, _), _)| usernames[*u])
                .collect();
            json!({"id": at + 1, "name": group_names[at], "members": members,
                   "email": some(pick.bits[0], "group@example.com"), "domainPermissions": grants(pick)})
        })
        .collect();
    let source_list: Vec<Value> = source_picks
        .iter()
        .enumerate()
        .filter(|(_, p)| p.present)
        .filter_map(|(at, pick)| {
            let domain = domain_ref(&pick.refs[0])?;
            let columns: Vec<Value> = column_picks[at * 3..at * 3 + 3]
                .iter()
                .enumerate()
                .filter(|(_, c)| c.present)
                .map(|(n, column)| {
                    json!({"name": (["id", "email", "amount"][n]), "type": (["varchar", "integer", "text"][column.variant]),
                           "tags": tag_list(&column.bits), "globalMasking": some(column.bits[6], "Hashing"),
                           "localMasking": some(column.bits[7], "NULL")})
                })
                .collect();
            Some(json!({
                "id": at + 1, "name": source_names[at], "domain": domain,
                "platform": (["Snowflake", "PostgreSQL", "Databricks"][pick.variant]),
                "database": some(pick.bits[0], ["SALES", "FIN"][usize::from(pick.bits[1])]),
                "schema": some(pick.bits[0] && pick.bits[2], "PUBLIC"),
                "table": some(pick.bits[0] && pick.bits[2] && pick.bits[3], source_names[at].to_uppercase()),
                "hostname": some(pick.bits[4], "db.example.com"),
                "tags": tag_list(&pick.bits[5..]),
                "columns": columns,
            }))
        })
        .collect();
    json!({
        "tenant": {"id": TENANT, "shortKey": "prop", "name": (["Prop Co.", "Prop Company"][tenant_variant])},
        "domains": domains.iter().map(|(at, pick)| json!({"id": DOMAINS[*at], "name": domain_names[*at],
            "description": (["", "Owned data"][usize::from(pick.bits[0])])})).collect::<Vec<_>>(),
        "tags": tags.iter().map(|(at, pick)| json!({"id": at + 1, "name": tag_names[*at],
            "color": some(pick.bits[0], "#D64545"), "description": some(pick.bits[1], "Sensitive"),
            "protected": pick.bits[2]})).collect::<Vec<_>>(),
        "users": user_list,
        "groups": group_list,
        "dataSources": source_list,
    })
}

/// A data source or grant names its domain by name or by id, as the file allows.
fn domain_name_or_id(at: usize, names: &[&'static str]) -> &'static str {
    if at.is_multiple_of(2) { names[at] } else { DOMAINS[at] }
}

/// Drops what records when a row was written, and the organisation id minted with the tenant (the file has none).
fn timeless(mut value: Value) -> Value {
    match &mut value {
        Value::Object(object) => {
            object.retain(|key, _| !matches!(key.as_str(), "createdAt" | "updatedAt" | "organizationId"));
            for inner in object.values_mut() {
                *inner = timeless(inner.take());
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| *item = timeless(item.take())),
        _ => {}
    }
    value
}

/// What the API serves of the directory, to an administrator.
async fn served(app: &TestApp, objects: &[Uuid]) -> Value {
    let admin = app.token_in("prop", "admin", None).await;
    let get = |path: String| {
        let request = app.get(&path).bearer_auth(&admin);
        async move { timeless(expect(request, StatusCode::OK).await) }
    };
    let domains = get("/api/metadata/domain".into()).await;
    let mut sources = Vec::new();
    for domain in domains["domains"].as_array().unwrap() {
        let id = domain["id"].as_str().unwrap();
        sources.push(get(format!("/api/metadata/domain/{id}/datasources?limit=1000")).await);
    }
    let mut assets = Vec::new();
    for id in objects {
        let response = app
            .get(&format!("/api/asset/{id}"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assets.push(json!([status, timeless(response.json::<Value>().await.unwrap())]));
    }
    json!({
        "domains": domains,
        "sources": sources,
        "users": get("/api/metadata/users?limit=1000".into()).await,
        "groups": get("/api/metadata/groups?limit=1000".into()).await,
        "attributes": get("/api/metadata/attributes".into()).await,
        "tags": get("/api/metadata/tags".into()).await,
        "me": get("/api/auth/user".into()).await,
        "assets": assets,
    })
}

#[test]
fn importing_a_then_b_leaves_what_importing_b_alone_leaves() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut runner = TestRunner::new(cases(12));
    let outcome = runner.run(&(any_directory(), any_directory()), |(a, b)| {
        runtime.block_on(async {
            let (a, b) = (a.to_string(), b.to_string());
            let (first, second) = (parse_directory(&a).unwrap(), parse_directory(&b).unwrap());
            // Every data object either directory has, so that those B drops are seen to be gone.
            let objects: Vec<Uuid> = data_objects(TenantId(TENANT), &first)
                .into_iter()
                .chain(data_objects(TenantId(TENANT), &second))
                .map(|object| object.id)
                .collect();
            let synced = TestApp::start(TestDb::new().await, Segment::Na, None).await;
            synced.import(&a).await;
            synced.import(&b).await;
            let fresh = TestApp::start(TestDb::new().await, Segment::Na, None).await;
            fresh.import(&b).await;
            let read = |app: &TestApp| {
                let app = app.state.app.clone();
                async move { app.stored_directory("prop").await.unwrap().expect("the tenant") }
            };
            let stored = read(&synced).await;
            prop_assert_eq!(&stored, &second, "the store holds B");
            prop_assert_eq!(&stored, &read(&fresh).await);
            prop_assert_eq!(served(&synced, &objects).await, served(&fresh, &objects).await);
            prop_assert!(
                synced.import(&b).await.changes.is_empty(),
                "importing B again changes nothing"
            );
            Ok(())
        })
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}
