//! The directory file: YAML that describes one tenant. Every problem is reported with the line it is on.

use super::Directory;
use crate::permissions::{DomainPermission, GlobalPermission};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::fmt;
use uuid::Uuid;

/// A directory file that cannot be used; nothing is imported from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryFileError {
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub message: String,
}

impl fmt::Display for DirectoryFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "line {}: {}", problem.line, problem.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for DirectoryFileError {}

/// A section left empty (`groups:`) is as good as an empty list.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FileRoot {
    tenant: Spanned<FileTenant>,
    domains: Option<Vec<Spanned<FileDomain>>>,
    tags: Option<Vec<Spanned<FileTag>>>,
    users: Option<Vec<Spanned<FileUser>>>,
    groups: Option<Vec<Spanned<FileGroup>>>,
    data_sources: Option<Vec<Spanned<FileDataSource>>>,
    connections: Option<Vec<Spanned<FileConnection>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FileTenant {
    id: Option<Uuid>,
    short_key: String,
    name: String,
    fqdn: Option<String>,
    theme: Option<Spanned<FileTheme>>,
    open_id_connect: Option<Spanned<FileOpenIdConnect>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FileOpenIdConnect {
    issuer: String,
    client_id: String,
    client_secret_env: Option<String>,
    client_secret_file: Option<String>,
    user_claim: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FileTheme {
    primary_color: Option<String>,
    accent_color: Option<String>,
    light_mode_image: Option<String>,
    dark_mode_image: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FileDomain {
    id: String,
    name: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FileTag {
    id: i64,
    name: String,
    display_name: Option<String>,
    description: Option<String>,
    color: Option<String>,
    source: Option<String>,
    #[serde(default)]
    protected: bool,
    #[serde(default)]
    system_created: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FileGrant {
    /// The domain's name or id.
    domain: Spanned<String>,
    permission: DomainPermission,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FileUser {
    id: i64,
    iam_id: Option<String>,
    global_user_id: Uuid,
    username: String,
    name: String,
    email: Option<String>,
    #[serde(default)]
    permissions: Vec<GlobalPermission>,
    #[serde(default)]
    domain_permissions: Vec<FileGrant>,
    #[serde(default)]
    attributes: BTreeMap<String, Vec<String>>,
    /// The user's account per connection, where it is not the username.
    #[serde(default)]
    accounts: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FileGroup {
    id: i64,
    iam_id: Option<String>,
    name: String,
    email: Option<String>,
    #[serde(default)]
    members: Vec<Spanned<String>>,
    #[serde(default)]
    domain_permissions: Vec<FileGrant>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FileDataSource {
    id: i64,
    name: String,
    domain: Spanned<String>,
    platform: String,
    hostname: Option<String>,
    database: Option<String>,
    schema: Option<String>,
    table: Option<String>,
    prefix: Option<String>,
    #[serde(default)]
    tags: Vec<Spanned<String>>,
    #[serde(default)]
    columns: Vec<Spanned<FileColumn>>,
    /// The name of the connection access is provisioned through.
    connection: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FileConnection {
    name: String,
    platform: String,
    url_env: Option<String>,
    url_file: Option<String>,
    on_drift: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FileColumn {
    name: String,
    #[serde(rename = "type")]
    data_type: String,
    #[serde(default)]
    tags: Vec<Spanned<String>>,
    global_masking: Option<String>,
    local_masking: Option<String>,
}

mod checker;
mod connections;
mod limits;

use checker::Checker;
pub use limits::{MAX_FILE_BYTES, MAX_VALUES};

/// Parses and validates a directory file. Either the whole file is usable, or every problem found is returned.
pub fn parse_directory(text: &str) -> Result<Directory, DirectoryFileError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(DirectoryFileError {
            problems: vec![Problem {
                line: 0,
                message: format!(
                    "the file is {} MiB, more than the {} MiB a directory file may have",
                    text.len() >> 20,
                    MAX_FILE_BYTES >> 20
                ),
            }],
        });
    }
    if let Some(field) = unstorable_field(text) {
        return Err(DirectoryFileError {
            problems: vec![Problem {
                line: 0,
                message: crate::text::unstorable_message(&field),
            }],
        });
    }
    // The YAML parser knows the line of a bad value, the path tracker knows which field it is.
    let mut field = None;
    let parsed =
        serde_saphyr::with_deserializer_from_str_with_options(text, limits::parser_options(), |deserializer| {
            serde_path_to_error::deserialize(deserializer).map_err(|error| {
                // `Spanned` wraps each record in a `value` field of its own; the file has no such level.
                field = Some(error.path().to_string().replace(".value", ""));
                error.into_inner()
            })
        });
    let root: FileRoot = parsed.map_err(|error| {
        let message = limits::explain(&parser_message(&error.to_string()));
        let message = match field.filter(|path| path != ".") {
            Some(path) => format!("{path}: {message}"),
            None => message,
        };
        DirectoryFileError {
            problems: vec![Problem {
                line: error.location().map_or(0, |at| at.line()),
                message,
            }],
        }
    })?;
    let mut check = Checker::default();
    let directory = check.directory(root);
    if check.problems.is_empty() {
        Ok(directory)
    } else {
        check.problems.sort_by_key(|problem| problem.line);
        Err(DirectoryFileError {
            problems: check.problems,
        })
    }
}

/// The path of the first value or key of the file holding a NUL (which YAML can write as an escape), if any.
fn unstorable_field(yaml: &str) -> Option<String> {
    const ESCAPES: [&str; 4] = ["\\0", "\\x00", "\\u0000", "\\U00000000"];
    if !yaml.contains(crate::text::UNSTORABLE) && !ESCAPES.iter().any(|escape| yaml.contains(escape)) {
        return None;
    }
    let value: serde_json::Value = serde_saphyr::from_str_with_options(yaml, limits::parser_options()).ok()?;
    crate::text::unstorable_field(&value, "file")
}

/// The rendered parser error starts with `line L column C: message`, then shows a source snippet.
fn parser_message(rendered: &str) -> String {
    let first = rendered
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("invalid YAML");
    let first = first.trim_start_matches("error: ");
    match first.split_once(": ") {
        Some((place, message)) if place.starts_with("line ") => message.to_owned(),
        _ => first.to_owned(),
    }
}

#[cfg(test)]
mod tests;
