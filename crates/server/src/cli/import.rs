//! `marketplace directory import FILE [--dry-run]`: syncs a tenant's directory to a file, in one transaction.
//! A real company's file takes a while, so on a terminal a progress line says what is happening.

use super::DatabaseArgs;
use super::output::{Progress, Stdout, note};
use anyhow::Context;
use marketplace_app::model::ImportStep;
use marketplace_domain::directory::{MAX_FILE_BYTES, parse_directory};
use std::path::Path;

pub async fn run(file: &Path, dry_run: bool, database: &DatabaseArgs) -> anyhow::Result<()> {
    let mut progress = Progress::on_terminal();
    let name = file.display();
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read {name}"))?
        .len();
    // Refused before it is read: a file too large to parse must not fill memory first.
    anyhow::ensure!(
        size <= MAX_FILE_BYTES as u64,
        "{name} is {} MiB, more than the {} MiB a directory file may have",
        size >> 20,
        MAX_FILE_BYTES >> 20
    );
    progress.show(&format!("reading {name} ({})", megabytes(size)), true);
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {name}"))?;
    progress.show(&format!("parsing {name} ({})", megabytes(size)), true);
    let directory =
        parse_directory(&text).map_err(|error| anyhow::anyhow!("{name} is not a valid directory file:\n{error}"))?;
    drop(text);
    let counts = format!(
        "{} users, {} groups, {} data sources",
        thousands(directory.users.len()),
        thousands(directory.groups.len()),
        thousands(directory.data_sources.len())
    );
    progress.show(&format!("parsed {counts}; opening the database"), true);
    let state = database.state().await?;
    let tenant = &directory.tenant.short_key;
    let report = state
        .app
        .import_directory_with_progress(&directory, dry_run, &mut |step| {
            let (text, now) = match step {
                ImportStep::Loading => (format!("reading the stored directory of tenant {tenant}"), true),
                ImportStep::Comparing => (format!("comparing with the file's {counts}"), true),
                ImportStep::Writing { rows, of } => {
                    (format!("writing: {} of {} rows", thousands(rows), thousands(of)), false)
                }
                ImportStep::DataObjects => ("writing the data objects (databases, schemas, tables)".into(), true),
                ImportStep::Committing => ("committing".into(), true),
            };
            progress.show(&text, now);
        })
        .await?;
    progress.finish();

    let mut out = Stdout::default();
    for change in &report.changes {
        out.line(&change.to_string())?;
        if out.is_closed() {
            break;
        }
    }
    let verb = if dry_run { "would change" } else { "changed" };
    note(&format!(
        "tenant {tenant} ({}): {verb} {} record(s){}",
        report.tenant_id,
        thousands(report.changes.len()),
        if dry_run { "; nothing was written (dry run)" } else { "" }
    ));
    Ok(())
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// `1234567` as `1,234,567`.
fn thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
