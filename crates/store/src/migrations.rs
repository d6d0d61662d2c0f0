//! The schema's migrations, written once in `migrations/V*.sql` and rendered for each backend.
//!
//! The files are SQL that SQLite and PostgreSQL read alike, but where the two spell a type differently: there
//! a file says `{{name}}` and [`PLACEHOLDERS`] says what each backend reads. Refinery keeps a checksum of
//! every migration it applied (of its name, version and SQL) and refuses to run when one differs, so a
//! released migration must render to exactly the text it was released with, on both backends; the tests pin
//! those checksums.

use refinery::{Migration, Runner};

mod embedded {
    refinery::embed_migrations!("migrations");
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// Each placeholder, and what it is on SQLite and on PostgreSQL.
const PLACEHOLDERS: &[(&str, &str, &str)] = &[
    // Bytes.
    ("{{bytes}}", "BLOB", "BYTEA"),
];

/// A migration's SQL as `dialect` reads it.
fn render(sql: &str, dialect: Dialect) -> String {
    PLACEHOLDERS
        .iter()
        .fold(sql.to_owned(), |sql, (placeholder, sqlite, postgres)| {
            let value = match dialect {
                Dialect::Sqlite => sqlite,
                Dialect::Postgres => postgres,
            };
            sql.replace(placeholder, value)
        })
}

/// Every migration, rendered for `dialect`, in order.
pub(crate) fn migrations(dialect: Dialect) -> Vec<Migration> {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|template| {
            let sql = render(template.sql().unwrap_or_default(), dialect);
            Migration::unapplied(&template.to_string(), &sql).expect("an embedded migration's name parses again")
        })
        .collect()
}

/// Applies the migrations not yet applied, and refuses (as refinery does by default) a database where an
/// applied migration's text differs from ours.
pub(crate) fn runner(dialect: Dialect) -> Runner {
    Runner::new(&migrations(dialect))
}

#[cfg(test)]
mod tests;
