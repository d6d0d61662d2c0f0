//! Properties of comparing two directories: the difference lists exactly the records added, updated and
//! removed, in the documented order, and parsing a file never panics.

use super::*;
use crate::directory::{Change, ChangeKind, EntityRef, diff, parse_directory};
use proptest::prelude::*;
use std::collections::BTreeSet;

/// Records are drawn from tiny pools, so that two directories share ids and, often, whole records.
fn any_directory() -> impl Strategy<Value = Directory> {
    let domains = prop::collection::btree_map(
        prop::sample::select(vec!["d1", "d2", "d3"]).prop_map(str::to_owned),
        prop::sample::select(vec!["Sales", "Finance"]),
        0..3,
    );
    let tags = prop::collection::btree_map(1i64..4, prop::sample::select(vec!["PII", "Email"]), 0..3);
    let users = prop::collection::btree_map(1i64..5, (prop::sample::select(vec!["Ann", "Bob"]), any::<bool>()), 0..4);
    let groups = prop::collection::btree_map(1i64..4, prop::collection::btree_set(1i64..5, 0..2), 0..3);
    let sources = prop::collection::btree_map(1i64..5, (prop::sample::select(vec!["a", "b"]), 0usize..2), 0..4);
    let connections = prop::collection::btree_map(
        prop::sample::select(vec!["warehouse", "lake"]),
        prop::sample::select(OnDrift::ALL.to_vec()),
        0..2,
    );
    let all = (domains, tags, users, groups, sources, connections);
    all.prop_map(|(domains, tags, users, groups, sources, connections)| Directory {
        tenant: TenantProfile {
            id: None,
            short_key: "t".into(),
            name: "T".into(),
            fqdn: None,
            theme: Theme::default(),
            open_id_connect: None,
        },
        domains: domains
            .into_iter()
            .map(|(id, name)| {
                let domain = Domain {
                    id: id.clone(),
                    name: name.into(),
                    description: String::new(),
                };
                (id, domain)
            })
            .collect(),
        tags: tags
            .into_iter()
            .map(|(id, name)| {
                let tag = Tag {
                    id,
                    name: name.into(),
                    display_name: None,
                    description: None,
                    color: None,
                    source: "curated".into(),
                    protected: false,
                    system_created: false,
                };
                (id, tag)
            })
            .collect(),
        users: users
            .into_iter()
            .map(|(id, (name, governance))| {
                let user = User {
                    id,
                    iam_id: "bim".into(),
                    global_user_id: uuid::Uuid::from_u128(id as u128),
                    username: name.to_lowercase(),
                    name: name.into(),
                    email: None,
                    permissions: match governance {
                        true => BTreeSet::from([GlobalPermission::Governance]),
                        false => BTreeSet::new(),
                    },
                    domain_permissions: BTreeSet::new(),
                    attributes: BTreeMap::new(),
                    accounts: connections
                        .keys()
                        .map(|name| (name.to_string(), format!("{id}_role")))
                        .collect(),
                };
                (id, user)
            })
            .collect(),
        groups: groups
            .into_iter()
            .map(|(id, members)| {
                let group = Group {
                    id,
                    iam_id: None,
                    name: format!("g{id}"),
                    email: None,
                    members,
                    domain_permissions: BTreeSet::new(),
                };
                (id, group)
            })
            .collect(),
        data_sources: sources
            .into_iter()
            .map(|(id, (name, columns))| {
                let column = Column {
                    name: "c".into(),
                    data_type: "text".into(),
                    tags: BTreeSet::new(),
                    global_masking: None,
                    local_masking: None,
                };
                let source = DataSource {
                    id,
                    name: name.into(),
                    domain_id: "d1".into(),
                    platform: "Snowflake".into(),
                    hostname: None,
                    database: None,
                    schema: None,
                    table: None,
                    prefix: None,
                    tags: BTreeSet::new(),
                    columns: vec![column; columns],
                    connection: None,
                };
                (id, source)
            })
            .collect(),
        connections: connections
            .iter()
            .map(|(name, on_drift)| {
                let connection = Connection {
                    name: name.to_string(),
                    platform: Platform::PostgreSql,
                    url: SecretSource::Env(format!("MARKETPLACE_CONNECTION_{}", name.to_uppercase())),
                    on_drift: *on_drift,
                };
                (name.to_string(), connection)
            })
            .collect(),
    })
}

/// The changes the specification asks for, kind by kind, for one collection.
fn expected<K: Ord + Clone, V: PartialEq>(
    current: &BTreeMap<K, V>,
    desired: &BTreeMap<K, V>,
    entity: impl Fn(&K) -> EntityRef,
) -> BTreeSet<(ChangeKind, EntityRef)> {
    let keys: BTreeSet<&K> = current.keys().chain(desired.keys()).collect();
    keys.into_iter()
        .filter_map(|key| match (current.get(key), desired.get(key)) {
            (Some(_), None) => Some((ChangeKind::Removed, entity(key))),
            (None, Some(_)) => Some((ChangeKind::Added, entity(key))),
            (Some(old), Some(new)) if old != new => Some((ChangeKind::Updated, entity(key))),
            _ => None,
        })
        .collect()
}

fn rank(entity: &EntityRef) -> u8 {
    match entity {
        EntityRef::Tenant => 0,
        EntityRef::Connection(_) => 1,
        EntityRef::Domain(_) => 2,
        EntityRef::Tag(_) => 3,
        EntityRef::User(_) => 4,
        EntityRef::Group(_) => 5,
        EntityRef::DataSource(_) => 6,
    }
}

proptest! {
    #[test]
    fn the_difference_is_exactly_what_was_added_updated_and_removed(
        current in any_directory(),
        desired in any_directory(),
        renamed: bool,
    ) {
        let mut desired = desired;
        if renamed {
            desired.tenant.name = "Renamed".into();
        }
        let changes = diff(Some(&current), &desired);
        let mut wanted = BTreeSet::new();
        if renamed {
            wanted.insert((ChangeKind::Updated, EntityRef::Tenant));
        }
        wanted.extend(expected(&current.connections, &desired.connections, |name| EntityRef::Connection(name.clone())));
        wanted.extend(expected(&current.domains, &desired.domains, |id| EntityRef::Domain(id.clone())));
        wanted.extend(expected(&current.tags, &desired.tags, |id| EntityRef::Tag(*id)));
        wanted.extend(expected(&current.users, &desired.users, |id| EntityRef::User(*id)));
        wanted.extend(expected(&current.groups, &desired.groups, |id| EntityRef::Group(*id)));
        wanted.extend(expected(&current.data_sources, &desired.data_sources, |id| EntityRef::DataSource(*id)));
        let found: BTreeSet<(ChangeKind, EntityRef)> =
            changes.iter().map(|change| (change.kind, change.entity.clone())).collect();
        prop_assert_eq!(found.len(), changes.len(), "no record twice: {:?}", changes);
        prop_assert_eq!(found, wanted);
        // Tenant first, then connections, domains, tags, users, groups and data sources.
        let ranks: Vec<u8> = changes.iter().map(|change: &Change| rank(&change.entity)).collect();
        prop_assert!(ranks.windows(2).all(|pair| pair[0] <= pair[1]), "{:?}", changes);
        prop_assert_eq!(diff(Some(&desired), &desired), Vec::new());
        let fresh = diff(None, &desired);
        prop_assert!(fresh.iter().all(|change| change.kind == ChangeKind::Added));
        let records = desired.domains.len() + desired.tags.len() + desired.users.len()
            + desired.groups.len() + desired.data_sources.len() + desired.connections.len();
        prop_assert_eq!(fresh.len(), 1 + records);
    }

    #[test]
    fn parsing_any_text_never_panics(text in "(tenant|users|groups|domains|dataSources|[-:{}\\[\\], \n]|id|name|[a-z0-9\"'])*") {
        let _ = parse_directory(&text);
    }
}
