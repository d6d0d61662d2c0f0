//! Commands the binary prints for people to paste: they must work as printed, from any directory, whether or
//! not `marketplace` is on the PATH.

use super::DatabaseArgs;
use marketplace_domain::Segment;
use std::path::{Path, PathBuf};

/// `text` as one shell word: unchanged when it is plainly safe, else in single quotes.
pub fn quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// How to run this binary: `marketplace` when that name on the PATH is this very file, else its full path (as
/// after `cargo run` or `cargo build`, which put it in `target/`).
pub fn program() -> String {
    let Some(exe) = std::env::current_exe().ok().and_then(|exe| exe.canonicalize().ok()) else {
        return "marketplace".into();
    };
    let first_on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("marketplace"))
            .find(|candidate| candidate.is_file())
    });
    match first_on_path.and_then(|found| found.canonicalize().ok()) {
        Some(found) if found == exe => "marketplace".into(),
        _ => quote(&exe.display().to_string()),
    }
}

/// The flags a printed command needs to reach the same database in the same segment as this process.
pub fn database_flags(database: &DatabaseArgs) -> String {
    let mut flags = match &database.database_url {
        Some(url) => {
            // A password is not printed when the shell has it already.
            let from_environment = std::env::var("MARKETPLACE_DATABASE_URL").is_ok_and(|value| value == *url);
            if has_password(url) && from_environment {
                "--database-url \"$MARKETPLACE_DATABASE_URL\"".to_owned()
            } else {
                format!("--database-url {}", quote(url))
            }
        }
        None => format!(
            "--data-dir {}",
            quote(&absolute(&database.data_dir).display().to_string())
        ),
    };
    if database.global_segment != Segment::Na {
        flags.push_str(&format!(" --global-segment {}", database.global_segment));
    }
    flags
}

fn has_password(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|url| {
        url.password().is_some() || url.query_pairs().any(|(key, _)| key.eq_ignore_ascii_case("password"))
    })
}

/// `path` from the filesystem root, so a command works from any directory.
fn absolute(path: &Path) -> PathBuf {
    path.canonicalize()
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_a_shell_would_split_or_expand() {
        assert_eq!(quote("/srv/marketplace-data"), "/srv/marketplace-data");
        assert_eq!(quote("postgres://u@db:5432/m"), "postgres://u@db:5432/m");
        assert_eq!(quote("/home/me/my data"), "'/home/me/my data'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$HOME"), "'$HOME'");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn finds_passwords_in_urls() {
        assert!(has_password("postgres://user:secret@host/db"));
        assert!(has_password("postgres://user@host/db?password=secret"));
        assert!(!has_password("postgres://user@host/db"));
        assert!(!has_password("sqlite:///tmp/x.db"));
    }
}
