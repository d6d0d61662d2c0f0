//! Checking a parsed directory file record by record and turning it into a [`Directory`]: required fields,
//! duplicates, and references between records (domains, tags, members). The parsing and reporting stay in the
//! parent module; this is the part that knows every kind of record.

use super::{FileDataSource, FileDomain, FileGrant, FileGroup, FileRoot, FileTag, FileTenant, FileUser, Problem};
use crate::directory::{
    Column, Connection, DataSource, Directory, Domain, DomainGrant, Group, OpenIdConnect, SecretSource, Tag,
    TenantProfile, Theme, User,
};
use crate::ids::TenantId;
use serde_saphyr::{Location, Spanned};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

/// The identity provider id that users and groups get when the file names none.
const DEFAULT_IAM_ID: &str = "bim";

#[derive(Default)]
pub(super) struct Checker {
    pub(super) problems: Vec<Problem>,
}

impl Checker {
    pub(super) fn report(&mut self, at: &Location, message: impl Into<String>) {
        self.problems.push(Problem {
            line: at.line(),
            message: message.into(),
        });
    }

    pub(super) fn required(&mut self, at: &Location, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.report(at, format!("{field} must not be empty"));
        }
    }

    /// Remembers `key` and reports a second record with the same one.
    pub(super) fn unique<K: Eq + std::hash::Hash + fmt::Display>(
        &mut self,
        seen: &mut HashMap<K, u64>,
        at: &Location,
        what: &str,
        key: K,
    ) {
        if let Some(first) = seen.get(&key) {
            let message = format!("duplicate {what} `{key}` (first defined on line {first})");
            self.report(at, message);
        } else {
            seen.insert(key, at.line());
        }
    }

    fn email(&mut self, at: &Location, field: &str, email: &Option<String>) {
        if let Some(email) = email {
            let valid = email
                .split_once('@')
                .is_some_and(|(local, host)| !local.is_empty() && host.contains('.'));
            if !valid {
                self.report(at, format!("{field} `{email}` is not an email address"));
            }
        }
    }

    fn color(&mut self, at: &Location, field: &str, color: &Option<String>) {
        if let Some(color) = color {
            let hex = color.strip_prefix('#').unwrap_or("");
            let valid = matches!(hex.len(), 3 | 6 | 8) && hex.chars().all(|c| c.is_ascii_hexdigit());
            if !valid {
                self.report(at, format!("{field} `{color}` must be a hex color such as #3C5BDC"));
            }
        }
    }

    pub(super) fn directory(&mut self, root: FileRoot) -> Directory {
        let tenant = self.tenant(root.tenant);
        let domains = self.domains(root.domains.unwrap_or_default());
        let tags = self.tags(root.tags.unwrap_or_default());
        let connections = self.connections(root.connections.unwrap_or_default());
        let domain_ids = DomainLookup::new(&domains);
        let tag_ids: HashMap<String, i64> = tags.values().map(|t| (t.name.clone(), t.id)).collect();
        let users = self.users(root.users.unwrap_or_default(), &domain_ids, &connections);
        let user_ids: HashMap<String, i64> = users.values().map(|u| (u.username.clone(), u.id)).collect();
        let groups = self.groups(root.groups.unwrap_or_default(), &domain_ids, &user_ids);
        let data_sources = self.data_sources(
            root.data_sources.unwrap_or_default(),
            &domain_ids,
            &tag_ids,
            &connections,
        );
        Directory {
            tenant,
            domains,
            tags,
            users,
            groups,
            data_sources,
            connections,
        }
    }

    fn tenant(&mut self, tenant: Spanned<FileTenant>) -> TenantProfile {
        let at = tenant.referenced;
        let tenant = tenant.value;
        let key = &tenant.short_key;
        let valid_key = (1..=63).contains(&key.len())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !key.starts_with('-');
        if !valid_key {
            self.report(
                &at,
                format!("tenant.shortKey `{key}` must be 1-63 lowercase letters, digits or dashes"),
            );
        }
        self.required(&at, "tenant.name", &tenant.name);
        let mut theme = Theme::default();
        if let Some(file_theme) = tenant.theme {
            let at = file_theme.referenced;
            let file_theme = file_theme.value;
            self.color(&at, "tenant.theme.primaryColor", &file_theme.primary_color);
            self.color(&at, "tenant.theme.accentColor", &file_theme.accent_color);
            theme = Theme {
                primary_color: file_theme.primary_color.unwrap_or(theme.primary_color),
                accent_color: file_theme.accent_color.unwrap_or(theme.accent_color),
                light_mode_image: file_theme.light_mode_image,
                dark_mode_image: file_theme.dark_mode_image,
            };
        }
        let open_id_connect = tenant.open_id_connect.map(|oidc| {
            let (at, oidc) = (oidc.referenced, oidc.value);
            let issuer_is_url = oidc.issuer.starts_with("https://") || oidc.issuer.starts_with("http://");
            if !issuer_is_url {
                self.report(&at, "tenant.openIdConnect.issuer must be an http(s) URL".to_owned());
            }
            self.required(&at, "tenant.openIdConnect.clientId", &oidc.client_id);
            let client_secret = match (oidc.client_secret_env, oidc.client_secret_file) {
                (Some(variable), None) => {
                    self.required(&at, "tenant.openIdConnect.clientSecretEnv", &variable);
                    SecretSource::Env(variable)
                }
                (None, Some(path)) => {
                    self.required(&at, "tenant.openIdConnect.clientSecretFile", &path);
                    SecretSource::File(path)
                }
                _ => {
                    let message = "tenant.openIdConnect names where its client secret comes from: either \
                                   clientSecretEnv (an environment variable) or clientSecretFile (a file), not both";
                    self.report(&at, message.to_owned());
                    SecretSource::Env(String::new())
                }
            };
            let user_claim = oidc
                .user_claim
                .unwrap_or_else(|| OpenIdConnect::DEFAULT_USER_CLAIM.into());
            self.required(&at, "tenant.openIdConnect.userClaim", &user_claim);
            OpenIdConnect {
                issuer: oidc.issuer.trim_end_matches('/').to_owned(),
                client_id: oidc.client_id,
                client_secret,
                user_claim,
            }
        });
        TenantProfile {
            id: tenant.id.map(TenantId),
            short_key: tenant.short_key,
            name: tenant.name,
            fqdn: tenant.fqdn,
            theme,
            open_id_connect,
        }
    }

    fn domains(&mut self, entries: Vec<Spanned<FileDomain>>) -> BTreeMap<String, Domain> {
        let (mut ids, mut names) = (HashMap::new(), HashMap::new());
        let mut domains = BTreeMap::new();
        for entry in entries {
            let (at, domain) = (entry.referenced, entry.value);
            self.required(&at, "domains[].id", &domain.id);
            self.required(&at, "domains[].name", &domain.name);
            self.unique(&mut ids, &at, "domain id", domain.id.clone());
            self.unique(&mut names, &at, "domain name", domain.name.clone());
            domains.insert(
                domain.id.clone(),
                Domain {
                    id: domain.id,
                    name: domain.name,
                    description: domain.description,
                },
            );
        }
        domains
    }

    fn tags(&mut self, entries: Vec<Spanned<FileTag>>) -> BTreeMap<i64, Tag> {
        let (mut ids, mut names) = (HashMap::new(), HashMap::new());
        let mut tags = BTreeMap::new();
        for entry in entries {
            let (at, tag) = (entry.referenced, entry.value);
            self.required(&at, "tags[].name", &tag.name);
            self.color(&at, "tags[].color", &tag.color);
            self.unique(&mut ids, &at, "tag id", tag.id);
            self.unique(&mut names, &at, "tag name", tag.name.clone());
            tags.insert(
                tag.id,
                Tag {
                    id: tag.id,
                    name: tag.name,
                    display_name: tag.display_name,
                    description: tag.description,
                    color: tag.color,
                    source: tag.source.unwrap_or_else(|| "curated".into()),
                    protected: tag.protected,
                    system_created: tag.system_created,
                },
            );
        }
        tags
    }

    fn grants(&mut self, grants: Vec<FileGrant>, domains: &DomainLookup) -> BTreeSet<DomainGrant> {
        let mut resolved = BTreeSet::new();
        for grant in grants {
            match domains.resolve(&grant.domain.value) {
                Some(id) => {
                    resolved.insert((id, grant.permission));
                }
                None => {
                    let message = format!(
                        "domainPermissions[].domain `{}` is neither the name nor the id of a domain in this file",
                        grant.domain.value
                    );
                    self.report(&grant.domain.referenced, message);
                }
            }
        }
        resolved
    }

    fn users(
        &mut self,
        entries: Vec<Spanned<FileUser>>,
        domains: &DomainLookup,
        connections: &BTreeMap<String, Connection>,
    ) -> BTreeMap<i64, User> {
        let (mut ids, mut usernames, mut global_ids) = (HashMap::new(), HashMap::new(), HashMap::new());
        let mut users = BTreeMap::new();
        for entry in entries {
            let (at, user) = (entry.referenced, entry.value);
            self.required(&at, "users[].username", &user.username);
            self.required(&at, "users[].name", &user.name);
            self.email(&at, "users[].email", &user.email);
            self.unique(&mut ids, &at, "user id", user.id);
            self.unique(&mut usernames, &at, "username", user.username.clone());
            self.unique(&mut global_ids, &at, "globalUserId", user.global_user_id);
            let domain_permissions = self.grants(user.domain_permissions, domains);
            let attributes = user
                .attributes
                .into_iter()
                .map(|(key, values)| (key, values.into_iter().collect()))
                .collect();
            self.accounts(&at, &user.accounts, connections);
            users.insert(
                user.id,
                User {
                    id: user.id,
                    iam_id: user.iam_id.unwrap_or_else(|| DEFAULT_IAM_ID.into()),
                    global_user_id: user.global_user_id,
                    username: user.username,
                    name: user.name,
                    email: user.email,
                    permissions: user.permissions.into_iter().collect(),
                    domain_permissions,
                    attributes,
                    accounts: user.accounts,
                },
            );
        }
        users
    }

    fn groups(
        &mut self,
        entries: Vec<Spanned<FileGroup>>,
        domains: &DomainLookup,
        users: &HashMap<String, i64>,
    ) -> BTreeMap<i64, Group> {
        let (mut ids, mut names) = (HashMap::new(), HashMap::new());
        let mut groups = BTreeMap::new();
        for entry in entries {
            let (at, group) = (entry.referenced, entry.value);
            self.required(&at, "groups[].name", &group.name);
            self.email(&at, "groups[].email", &group.email);
            self.unique(&mut ids, &at, "group id", group.id);
            self.unique(&mut names, &at, "group name", group.name.clone());
            let mut members = BTreeSet::new();
            for member in group.members {
                match users.get(&member.value) {
                    Some(id) => {
                        members.insert(*id);
                    }
                    None => {
                        let message = format!("groups[].members: no user has the username `{}`", member.value);
                        self.report(&member.referenced, message);
                    }
                }
            }
            let domain_permissions = self.grants(group.domain_permissions, domains);
            groups.insert(
                group.id,
                Group {
                    id: group.id,
                    iam_id: group.iam_id.or_else(|| Some(DEFAULT_IAM_ID.into())),
                    name: group.name,
                    email: group.email,
                    members,
                    domain_permissions,
                },
            );
        }
        groups
    }

    fn tag_ids(&mut self, field: &str, names: Vec<Spanned<String>>, tags: &HashMap<String, i64>) -> BTreeSet<i64> {
        let mut ids = BTreeSet::new();
        for name in names {
            match tags.get(&name.value) {
                Some(id) => {
                    ids.insert(*id);
                }
                None => {
                    let message = format!("{field}: no tag is named `{}`", name.value);
                    self.report(&name.referenced, message);
                }
            }
        }
        ids
    }

    fn data_sources(
        &mut self,
        entries: Vec<Spanned<FileDataSource>>,
        domains: &DomainLookup,
        tags: &HashMap<String, i64>,
        connections: &BTreeMap<String, Connection>,
    ) -> BTreeMap<i64, DataSource> {
        let (mut ids, mut names) = (HashMap::new(), HashMap::new());
        let mut sources = BTreeMap::new();
        for entry in entries {
            let (at, source) = (entry.referenced, entry.value);
            self.required(&at, "dataSources[].name", &source.name);
            self.required(&at, "dataSources[].platform", &source.platform);
            self.unique(&mut ids, &at, "data source id", source.id);
            self.unique(&mut names, &at, "data source name", source.name.clone());
            let domain_id = domains.resolve(&source.domain.value).unwrap_or_else(|| {
                let message = format!(
                    "dataSources[].domain `{}` is neither the name nor the id of a domain in this file",
                    source.domain.value
                );
                self.report(&source.domain.referenced, message);
                String::new()
            });
            let source_tags = self.tag_ids("dataSources[].tags", source.tags, tags);
            let connection = source.connection.map(|connection| {
                self.connection_of_source(&connection, connections, &source.schema, &source.table);
                connection.value
            });
            let mut column_names = HashMap::new();
            let mut columns = Vec::with_capacity(source.columns.len());
            for column in source.columns {
                let (at, column) = (column.referenced, column.value);
                self.required(&at, "dataSources[].columns[].name", &column.name);
                self.required(&at, "dataSources[].columns[].type", &column.data_type);
                self.unique(&mut column_names, &at, "column", column.name.clone());
                let column_tags = self.tag_ids("dataSources[].columns[].tags", column.tags, tags);
                columns.push(Column {
                    name: column.name,
                    data_type: column.data_type,
                    tags: column_tags,
                    global_masking: column.global_masking,
                    local_masking: column.local_masking,
                });
            }
            sources.insert(
                source.id,
                DataSource {
                    id: source.id,
                    name: source.name,
                    domain_id,
                    platform: source.platform,
                    hostname: source.hostname,
                    database: source.database,
                    schema: source.schema,
                    table: source.table,
                    prefix: source.prefix,
                    tags: source_tags,
                    columns,
                    connection,
                },
            );
        }
        sources
    }
}

/// Resolves a domain named in the file, by name first and then by id.
struct DomainLookup {
    by_name: HashMap<String, String>,
    ids: BTreeSet<String>,
}

impl DomainLookup {
    fn new(domains: &BTreeMap<String, Domain>) -> Self {
        Self {
            by_name: domains.values().map(|d| (d.name.clone(), d.id.clone())).collect(),
            ids: domains.keys().cloned().collect(),
        }
    }

    fn resolve(&self, name_or_id: &str) -> Option<String> {
        self.by_name
            .get(name_or_id)
            .cloned()
            .or_else(|| self.ids.get(name_or_id).cloned())
    }
}
