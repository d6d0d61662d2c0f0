//! What changes when a directory is replaced by another: the records added, updated and removed, and for an
//! update, which of its fields.

use super::{Connection, DataSource, Directory, Domain, Group, SecretSource, Tag, TenantProfile, Theme, User};
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
    /// By name.
    Connection(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    pub entity: EntityRef,
    /// How a person recognises the record (its name), for the dry-run listing.
    pub label: String,
    /// For an update, the fields that differ, named as in the file (`email`, `domainPermissions`); empty
    /// otherwise.
    pub fields: Vec<&'static str>,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = match self.kind {
            ChangeKind::Added => '+',
            ChangeKind::Updated => '~',
            ChangeKind::Removed => '-',
        };
        let (what, id) = match &self.entity {
            EntityRef::Tenant => ("tenant", None),
            EntityRef::Domain(id) => ("domain", Some(id.clone())),
            EntityRef::Tag(id) => ("tag", Some(id.to_string())),
            EntityRef::User(id) => ("user", Some(id.to_string())),
            EntityRef::Group(id) => ("group", Some(id.to_string())),
            EntityRef::DataSource(id) => ("data source", Some(id.to_string())),
            // A connection's name is its id.
            EntityRef::Connection(_) => ("connection", None),
        };
        match id {
            Some(id) => write!(f, "{sign} {what} {id} ({})", self.label)?,
            None => write!(f, "{sign} {what} {}", self.label)?,
        }
        if !self.fields.is_empty() {
            write!(f, ": {}", self.fields.join(", "))?;
        }
        Ok(())
    }
}

/// The changes that turn `current` (absent for a new tenant) into `desired`, tenant first, then connections,
/// domains, tags, users, groups and data sources, each by id.
pub fn diff(current: Option<&Directory>, desired: &Directory) -> Vec<Change> {
    let mut changes = Vec::new();
    let tenant_change = match current {
        None => Some((ChangeKind::Added, Vec::new())),
        Some(current) => {
            let mut wanted = desired.tenant.clone();
            // A file without an id keeps the id the tenant already has.
            wanted.id = wanted.id.or(current.tenant.id);
            let fields = current.tenant.differing_fields(&wanted);
            (!fields.is_empty()).then_some((ChangeKind::Updated, fields))
        }
    };
    if let Some((kind, fields)) = tenant_change {
        changes.push(Change {
            kind,
            entity: EntityRef::Tenant,
            label: desired.tenant.short_key.clone(),
            fields,
        });
    }
    let empty = Directory {
        tenant: desired.tenant.clone(),
        domains: BTreeMap::new(),
        tags: BTreeMap::new(),
        users: BTreeMap::new(),
        groups: BTreeMap::new(),
        data_sources: BTreeMap::new(),
        connections: BTreeMap::new(),
    };
    let current = current.unwrap_or(&empty);
    compare(&mut changes, &current.connections, &desired.connections, |c| {
        (EntityRef::Connection(c.name.clone()), c.name.clone())
    });
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

fn compare<K: Ord, V: Fields>(
    changes: &mut Vec<Change>,
    current: &BTreeMap<K, V>,
    desired: &BTreeMap<K, V>,
    describe: impl Fn(&V) -> (EntityRef, String),
) {
    let mut push = |kind, record: &V, fields| {
        let (entity, label) = describe(record);
        changes.push(Change {
            kind,
            entity,
            label,
            fields,
        });
    };
    for (key, record) in current {
        if !desired.contains_key(key) {
            push(ChangeKind::Removed, record, Vec::new());
        }
    }
    for (key, record) in desired {
        match current.get(key) {
            None => push(ChangeKind::Added, record, Vec::new()),
            Some(existing) => {
                let fields = existing.differing_fields(record);
                if !fields.is_empty() {
                    push(ChangeKind::Updated, record, fields);
                }
            }
        }
    }
}

/// A record whose fields can be compared one by one. Each implementation takes the new record apart field by
/// field, so a field added to the record cannot be forgotten here.
trait Fields {
    /// The fields of `self` that `new` changes, named as in the file.
    fn differing_fields(&self, new: &Self) -> Vec<&'static str>;
}

/// Collects the names of the fields that differ.
#[derive(Default)]
struct Differing(Vec<&'static str>);

impl Differing {
    fn check<T: PartialEq>(mut self, name: &'static str, old: &T, new: &T) -> Self {
        if old != new {
            self.0.push(name);
        }
        self
    }
}

impl Fields for TenantProfile {
    fn differing_fields(&self, new: &Self) -> Vec<&'static str> {
        let TenantProfile {
            id,
            short_key,
            name,
            fqdn,
            theme:
                Theme {
                    primary_color,
                    accent_color,
                    light_mode_image,
                    dark_mode_image,
                },
            open_id_connect,
        } = new;
        let old = &self.theme;
        Differing::default()
            .check("id", &self.id, id)
            .check("shortKey", &self.short_key, short_key)
            .check("name", &self.name, name)
            .check("fqdn", &self.fqdn, fqdn)
            .check("theme.primaryColor", &old.primary_color, primary_color)
            .check("theme.accentColor", &old.accent_color, accent_color)
            .check("theme.lightModeImage", &old.light_mode_image, light_mode_image)
            .check("theme.darkModeImage", &old.dark_mode_image, dark_mode_image)
            .check("openIdConnect", &self.open_id_connect, open_id_connect)
            .0
    }
}

impl Fields for Domain {
    fn differing_fields(&self, new: &Self) -> Vec<&'static str> {
        let Domain { id, name, description } = new;
        Differing::default()
            .check("id", &self.id, id)
            .check("name", &self.name, name)
            .check("description", &self.description, description)
            .0
    }
}

impl Fields for Tag {
    fn differing_fields(&self, new: &Self) -> Vec<&'static str> {
        let Tag {
            id,
            name,
            display_name,
            description,
            color,
            source,
            protected,
            system_created,
        } = new;
        Differing::default()
            .check("id", &self.id, id)
            .check("name", &self.name, name)
            .check("displayName", &self.display_name, display_name)
            .check("description", &self.description, description)
            .check("color", &self.color, color)
            .check("source", &self.source, source)
            .check("protected", &self.protected, protected)
            .check("systemCreated", &self.system_created, system_created)
            .0
    }
}

impl Fields for User {
    fn differing_fields(&self, new: &Self) -> Vec<&'static str> {
        let User {
            id,
            iam_id,
            global_user_id,
            username,
            name,
            email,
            permissions,
            domain_permissions,
            attributes,
            accounts,
        } = new;
        Differing::default()
            .check("id", &self.id, id)
            .check("iamId", &self.iam_id, iam_id)
            .check("globalUserId", &self.global_user_id, global_user_id)
            .check("username", &self.username, username)
            .check("name", &self.name, name)
            .check("email", &self.email, email)
            .check("permissions", &self.permissions, permissions)
            .check("domainPermissions", &self.domain_permissions, domain_permissions)
            .check("attributes", &self.attributes, attributes)
            .check("accounts", &self.accounts, accounts)
            .0
    }
}

impl Fields for Group {
    fn differing_fields(&self, new: &Self) -> Vec<&'static str> {
        let Group {
            id,
            iam_id,
            name,
            email,
            members,
            domain_permissions,
        } = new;
        Differing::default()
            .check("id", &self.id, id)
            .check("iamId", &self.iam_id, iam_id)
            .check("name", &self.name, name)
            .check("email", &self.email, email)
            .check("members", &self.members, members)
            .check("domainPermissions", &self.domain_permissions, domain_permissions)
            .0
    }
}

impl Fields for DataSource {
    fn differing_fields(&self, new: &Self) -> Vec<&'static str> {
        let DataSource {
            id,
            name,
            domain_id,
            platform,
            hostname,
            database,
            schema,
            table,
            prefix,
            tags,
            columns,
            connection,
        } = new;
        Differing::default()
            .check("id", &self.id, id)
            .check("name", &self.name, name)
            .check("domain", &self.domain_id, domain_id)
            .check("platform", &self.platform, platform)
            .check("hostname", &self.hostname, hostname)
            .check("database", &self.database, database)
            .check("schema", &self.schema, schema)
            .check("table", &self.table, table)
            .check("prefix", &self.prefix, prefix)
            .check("tags", &self.tags, tags)
            .check("columns", &self.columns, columns)
            .check("connection", &self.connection, connection)
            .0
    }
}

impl Fields for Connection {
    fn differing_fields(&self, new: &Self) -> Vec<&'static str> {
        let Connection {
            name,
            platform,
            url,
            on_drift,
        } = new;
        // Named as the file names where the URL now comes from.
        let url_field = match url {
            SecretSource::Env(_) => "urlEnv",
            SecretSource::File(_) => "urlFile",
        };
        Differing::default()
            .check("name", &self.name, name)
            .check("platform", &self.platform, platform)
            .check(url_field, &self.url, url)
            .check("onDrift", &self.on_drift, on_drift)
            .0
    }
}
