//! The governance directory of one tenant: users, groups, attributes, permissions, domains, tags and data
//! sources. It is owned by the governance side and synced from a YAML file (`file`), so this module also
//! knows how two versions of a directory differ (`diff`).

mod connection;
mod diff;
mod file;
mod objects;

use crate::ids::TenantId;
use crate::permissions::{DomainPermission, GlobalPermission};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

pub use connection::{Connection, OnDrift, Platform, SecretSource};
pub use diff::{Change, ChangeKind, EntityRef, diff};
pub use file::{DirectoryFileError, MAX_FILE_BYTES, MAX_VALUES, parse_directory};
pub use objects::{DataObject, data_objects, object_id};

/// One tenant's directory, normalised: every reference is resolved to the referenced record's id, and every
/// collection is keyed and ordered, so that two directories compare equal exactly when they hold the same facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directory {
    pub tenant: TenantProfile,
    pub domains: BTreeMap<String, Domain>,
    pub tags: BTreeMap<i64, Tag>,
    pub users: BTreeMap<i64, User>,
    pub groups: BTreeMap<i64, Group>,
    pub data_sources: BTreeMap<i64, DataSource>,
    /// By name.
    pub connections: BTreeMap<String, Connection>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantProfile {
    /// A client-chosen id; absent means "keep the one the tenant has, or mint one".
    pub id: Option<TenantId>,
    pub short_key: String,
    pub name: String,
    pub fqdn: Option<String>,
    pub theme: Theme,
    /// How people sign in to the web app, when the tenant has an OpenID provider.
    pub open_id_connect: Option<OpenIdConnect>,
}

/// The tenant's OpenID provider (authorization code flow with PKCE). The client secret is read from an
/// environment variable at sign-in, so it is never in the directory file or the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenIdConnect {
    /// The issuer URL; its `/.well-known/openid-configuration` says where everything else is.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretSource,
    /// The ID token claim whose value names the user: `email` (matched to a user's email) or
    /// `preferred_username` / any other claim (matched to a username).
    pub user_claim: String,
}

impl OpenIdConnect {
    pub const DEFAULT_USER_CLAIM: &str = "email";
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub primary_color: String,
    pub accent_color: String,
    pub light_mode_image: Option<String>,
    pub dark_mode_image: Option<String>,
}

impl Default for Theme {
    fn default() -> Self {
        Self {
            primary_color: "#3C5BDC".into(),
            accent_color: "#F29D38".into(),
            light_mode_image: None,
            dark_mode_image: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    pub id: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub id: i64,
    pub name: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub color: Option<String>,
    pub source: String,
    pub protected: bool,
    pub system_created: bool,
}

/// A domain permission as granted to a user or a group.
pub type DomainGrant = (String, DomainPermission);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub iam_id: String,
    pub global_user_id: Uuid,
    pub username: String,
    pub name: String,
    pub email: Option<String>,
    pub permissions: BTreeSet<GlobalPermission>,
    pub domain_permissions: BTreeSet<DomainGrant>,
    pub attributes: BTreeMap<String, BTreeSet<String>>,
    /// The user's account (role) on each connection that names one; on the others, the username.
    pub accounts: BTreeMap<String, String>,
}

impl User {
    /// The user's account (role name) on `connection`.
    pub fn account(&self, connection: &str) -> &str {
        self.accounts.get(connection).unwrap_or(&self.username)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: i64,
    pub iam_id: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub members: BTreeSet<i64>,
    pub domain_permissions: BTreeSet<DomainGrant>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSource {
    pub id: i64,
    pub name: String,
    pub domain_id: String,
    pub platform: String,
    pub hostname: Option<String>,
    pub database: Option<String>,
    pub schema: Option<String>,
    pub table: Option<String>,
    pub prefix: Option<String>,
    pub tags: BTreeSet<i64>,
    /// In the order the governance side lists them.
    pub columns: Vec<Column>,
    /// The connection access to it is provisioned through; none: it is not provisioned.
    pub connection: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub data_type: String,
    pub tags: BTreeSet<i64>,
    /// The masking type of a global masking policy on this column, if any.
    pub global_masking: Option<String>,
    /// The masking type of a policy local to the data source, if any.
    pub local_masking: Option<String>,
}

impl Column {
    pub fn is_masked(&self) -> bool {
        self.global_masking.is_some() || self.local_masking.is_some()
    }
}

#[cfg(test)]
mod proptests;
