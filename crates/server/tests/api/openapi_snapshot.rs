//! Our served OpenAPI document against a checked-in copy (`snapshots/openapi.json`, as `marketplace openapi
//! --format json` prints it), so that every change to the API shows in a diff. After a change that is meant,
//! rewrite the copy with `UPDATE_SNAPSHOTS=1 cargo test -p marketplace-server --test api openapi_snapshot`.

use crate::helpers::*;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/snapshots/openapi.json");

/// Lines shown around the first difference.
const CONTEXT: usize = 3;

#[tokio::test]
async fn the_served_document_matches_the_snapshot() {
    let app = spawn_app().await;
    let response = app.get("/api/openapi.json").send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    // As the command line prints it: one line break at the end.
    let served = format!("{}\n", response.text().await.unwrap());

    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &served).unwrap_or_else(|error| panic!("cannot write {SNAPSHOT}: {error}"));
        eprintln!("rewrote {SNAPSHOT}");
        return;
    }
    let snapshot = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    if served != snapshot {
        panic!(
            "the served OpenAPI document differs from {SNAPSHOT}:\n{}\nIf the change is meant, rewrite the \
             snapshot with `UPDATE_SNAPSHOTS=1 cargo test -p marketplace-server --test api openapi_snapshot` and \
             commit it.",
            first_difference(&snapshot, &served)
        );
    }
}

/// Where two texts first differ, with a few lines around it from each.
fn first_difference(expected: &str, actual: &str) -> String {
    let (expected, actual): (Vec<_>, Vec<_>) = (expected.lines().collect(), actual.lines().collect());
    let line = expected
        .iter()
        .zip(&actual)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(actual.len()));
    let start = line.saturating_sub(CONTEXT);
    let excerpt = |lines: &[&str]| {
        lines
            .iter()
            .enumerate()
            .skip(start)
            .take(2 * CONTEXT + 1)
            .map(|(number, text)| format!("{:>6} {text}", number + 1))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "first at line {} (the snapshot has {} lines, the document {})\n--- snapshot\n{}\n+++ served\n{}",
        line + 1,
        expected.len(),
        actual.len(),
        excerpt(&expected),
        excerpt(&actual)
    )
}
