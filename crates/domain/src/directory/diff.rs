//! What changes when a directory is replaced by another: the records added, updated and removed.

use super::Directory;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    Added,
    Updated,
    Removed,
}

/// Which record a change is about, by its id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntityRef {
    Tenant,
    Domain(String),
    Tag(i64),
    User(i64),
    Group(i64),
    DataSource(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    pub entity: EntityRef,
    /// How a person recognises the record (its name), for the dry-run listing.
    pub label: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = match self.kind {
            ChangeKind::Added => '+',
            ChangeKind::Updated => '~',
            ChangeKind::Removed => '-',
        };
        let (what, id) = match &self.entity {
            EntityRef::Tenant => return write!(f, "{sign} tenant {}", self.label),
            EntityRef::Domain(id) => ("domain", id.clone()),
            EntityRef::Tag(id) => ("tag", id.to_string()),
            EntityRef::User(id) => ("user", id.to_string()),
            EntityRef::Group(id) => ("group", id.to_string()),
            EntityRef::DataSource(id) => ("data source", id.to_string()),
        };
        write!(f, "{sign} {what} {id} ({})", self.label)
    }
}

/// The changes that turn `current` (absent for a new tenant) into `desired`, tenant first, then domains, tags,
/// users, groups and data sources, each by id.
pub fn diff(current: Option<&Directory>, desired: &Directory) -> Vec<Change> {
    let mut changes = Vec::new();
    let tenant_changed = match current {
        None => Some(ChangeKind::Added),
        Some(current) => {
            let mut wanted = desired.tenant.clone();
            // A file without an id keeps the id the tenant already has.
            wanted.id = wanted.id.or(current.tenant.id);
            (current.tenant != wanted).then_some(ChangeKind::Updated)
        }
    };
    if let Some(kind) = tenant_changed {
        changes.push(Change {
            kind,
            entity: EntityRef::Tenant,
            label: desired.tenant.short_key.clone(),
        });
    }
    let empty = Directory {
        tenant: desired.tenant.clone(),
        domains: BTreeMap::new(),
        tags: BTreeMap::new(),
        users: BTreeMap::new(),
        groups: BTreeMap::new(),
        data_sources: BTreeMap::new(),
    };
    let current = current.unwrap_or(&empty);
    compare(&mut changes, &current.domains, &desired.domains, |d| {
        (EntityRef::Domain(d.id.clone()), d.name.clone())
    });
    compare(&mut changes, &current.tags, &desired.tags, |t| {
        (EntityRef::Tag(t.id), t.name.clone())
    });
    compare(&mut changes, &current.users, &desired.users, |u| {
        (EntityRef::User(u.id), u.username.clone())
    });
    compare(&mut changes, &current.groups, &desired.groups, |g| {
        (EntityRef::Group(g.id), g.name.clone())
    });
    compare(&mut changes, &current.data_sources, &desired.data_sources, |s| {
        (EntityRef::DataSource(s.id), s.name.clone())
    });
    changes
}

fn compare<K: Ord, V: PartialEq>(
    changes: &mut Vec<Change>,
    current: &BTreeMap<K, V>,
    desired: &BTreeMap<K, V>,
    describe: impl Fn(&V) -> (EntityRef, String),
) {
    let mut push = |kind, record: &V| {
        let (entity, label) = describe(record);
        changes.push(Change { kind, entity, label });
    };
    for (key, record) in current {
        if !desired.contains_key(key) {
            push(ChangeKind::Removed, record);
        }
    }
    for (key, record) in desired {
        match current.get(key) {
            None => push(ChangeKind::Added, record),
            Some(existing) if existing != record => push(ChangeKind::Updated, record),
            Some(_) => {}
        }
    }
}
