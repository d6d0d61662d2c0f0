use super::*;
use crate::directory::{ChangeKind, EntityRef, diff};

const MINIMAL: &str = r#"
tenant:
  shortKey: acme
  name: Acme
domains:
  - id: d-sales
    name: Sales
tags:
  - id: 1
    name: PII
users:
  - id: 1
    globalUserId: 1b4e28ba-2fa1-11d2-883f-0016d3cca427
    username: ann
    name: Ann
    email: ann@acme.example
    permissions: [GOVERNANCE]
    domainPermissions:
      - domain: Sales
        permission: Manage Data Products
    attributes:
      Department: [Sales]
groups:
  - id: 7
    name: Stewards
    members: [ann]
dataSources:
  - id: 3
    name: Orders
    domain: Sales
    platform: Snowflake
    columns:
      - name: email
        type: text
        tags: [PII]
        globalMasking: Hashing
"#;

fn problems(text: &str) -> Vec<Problem> {
    parse_directory(text).unwrap_err().problems
}

#[test]
fn parses_and_resolves_references() {
    let directory = parse_directory(MINIMAL).unwrap();
    let user = &directory.users[&1];
    assert_eq!(user.iam_id, "bim");
    assert!(user.permissions.contains(&GlobalPermission::Governance));
    assert!(
        user.domain_permissions
            .contains(&("d-sales".to_owned(), DomainPermission::ManageDataProducts))
    );
    assert_eq!(
        directory.groups[&7].members.iter().copied().collect::<Vec<_>>(),
        vec![1]
    );
    let column = &directory.data_sources[&3].columns[0];
    assert!(column.is_masked());
    assert!(column.tags.contains(&1));
}

#[test]
fn names_the_line_of_an_unknown_reference() {
    let text = MINIMAL.replace("members: [ann]", "members: [bob]");
    let found = problems(&text);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].line, 26);
    assert!(found[0].message.contains("`bob`"), "{}", found[0].message);
}

#[test]
fn names_the_line_of_a_type_error() {
    let text = MINIMAL.replace("  - id: 3\n", "  - id: three\n");
    let found = problems(&text);
    assert_eq!(found[0].line, 28, "{found:?}");
    assert!(found[0].message.starts_with("dataSources[0].id"), "{found:?}");
}

#[test]
fn rejects_unknown_fields_and_permissions() {
    let text = MINIMAL.replace("permissions: [GOVERNANCE]", "permissions: [GOVERNOR]");
    let found = problems(&text);
    assert_eq!(found[0].line, 17, "{found:?}");
    assert!(found[0].message.contains("GOVERNOR"), "{}", found[0].message);
    let text = MINIMAL.replace("    email: ann@acme.example", "    emial: ann@acme.example");
    assert!(problems(&text)[0].message.contains("emial"));
}

#[test]
fn reports_every_duplicate() {
    let text = MINIMAL.replace(
        "  - id: 7\n    name: Stewards",
        "  - id: 7\n    name: Stewards\n  - id: 7\n    name: Stewards",
    );
    let found = problems(&text);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().all(|p| p.message.contains("first defined on line")));
}

#[test]
fn rejects_bad_short_keys_emails_and_colors() {
    let text = MINIMAL
        .replace("shortKey: acme", "shortKey: Acme Corp")
        .replace("ann@acme.example", "ann")
        .replace("  name: Acme\n", "  name: Acme\n  theme:\n    primaryColor: blue\n");
    assert_eq!(problems(&text).len(), 3);
}

#[test]
fn diff_lists_exactly_the_differences() {
    let before = parse_directory(MINIMAL).unwrap();
    assert!(diff(Some(&before), &before).is_empty());
    let after = parse_directory(
        &MINIMAL
            .replace("name: Ann\n", "name: Ann Lee\n")
            .replace("  - id: 7\n    name: Stewards\n    members: [ann]\n", ""),
    )
    .unwrap();
    let changes = diff(Some(&before), &after);
    let summary: Vec<_> = changes.iter().map(|c| (c.kind, c.entity.clone())).collect();
    assert_eq!(
        summary,
        vec![
            (ChangeKind::Updated, EntityRef::User(1)),
            (ChangeKind::Removed, EntityRef::Group(7))
        ]
    );
    assert_eq!(changes[1].to_string(), "- group 7 (Stewards)");
    let fresh = diff(None, &before);
    assert_eq!(fresh.len(), 6);
    assert!(fresh.iter().all(|c| c.kind == ChangeKind::Added));
}

#[test]
fn refuses_text_that_cannot_be_stored() {
    let text = MINIMAL.replace("name: Ann\n", "name: \"An\\0n\"\n");
    let problems = problems(&text);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]
            .message
            .ends_with("must not contain the NUL character (\\u0000)"),
        "{problems:?}"
    );
    assert!(problems[0].message.starts_with("users[0].name"), "{problems:?}");
    assert!(
        parse_directory(&MINIMAL.replace("name: Ann\n", "name: 'An\\0n'\n")).is_ok(),
        "a single-quoted \\0 is text"
    );
}
