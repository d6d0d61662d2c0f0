use super::*;
use crate::directory::{ChangeKind, EntityRef, OnDrift, Platform, SecretSource, diff};

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

/// `MINIMAL` with a connection that its data source and its user use.
fn with_connection(connection: &str) -> String {
    MINIMAL
        .replace(
            "    attributes:\n",
            "    accounts: {warehouse: ann_ro}\n    attributes:\n",
        )
        .replace(
            "    platform: Snowflake\n",
            "    platform: Snowflake\n    schema: sales\n    table: orders\n    connection: warehouse\n",
        )
        + &format!("connections:\n{connection}")
}

#[test]
fn connections_name_where_their_url_comes_from_and_are_referred_to_by_name() {
    let text =
        with_connection("  - {name: warehouse, platform: PostgreSQL, urlEnv: MARKETPLACE_CONNECTION_WAREHOUSE}\n");
    let directory = parse_directory(&text).unwrap();
    let connection = &directory.connections["warehouse"];
    assert_eq!(connection.platform, Platform::PostgreSql);
    assert_eq!(
        connection.url,
        SecretSource::Env("MARKETPLACE_CONNECTION_WAREHOUSE".into())
    );
    assert_eq!(
        connection.on_drift,
        OnDrift::Revoke,
        "revoke unless the file says otherwise"
    );
    assert_eq!(directory.data_sources[&3].connection.as_deref(), Some("warehouse"));
    assert_eq!(directory.users[&1].account("warehouse"), "ann_ro");
    assert_eq!(directory.users[&1].account("lake"), "ann", "elsewhere the username");

    let file =
        with_connection("  - {name: warehouse, platform: PostgreSQL, urlFile: /run/secrets/wh, onDrift: report}\n");
    let connection = &parse_directory(&file).unwrap().connections["warehouse"];
    assert_eq!(connection.url, SecretSource::File("/run/secrets/wh".into()));
    assert_eq!(connection.on_drift, OnDrift::Report);

    // A changed connection is named with the fields that change.
    let changes = diff(Some(&directory), &parse_directory(&file).unwrap());
    let lines: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert_eq!(lines, ["~ connection warehouse: urlFile, onDrift"]);
}

#[test]
fn a_connection_that_cannot_be_used_is_refused_with_its_line() {
    let messages = |connection: &str| -> Vec<String> {
        problems(&with_connection(connection))
            .into_iter()
            .map(|problem| problem.message)
            .collect()
    };
    assert_eq!(
        messages("  - {name: warehouse, platform: Oracle, urlEnv: WH}\n"),
        ["connections[].platform `Oracle` is not one the marketplace provisions into (PostgreSQL)"]
    );
    let neither = messages("  - {name: warehouse, platform: PostgreSQL}\n");
    assert!(
        neither[0].starts_with("a connection names where its URL comes from"),
        "{neither:?}"
    );
    let both = messages("  - {name: warehouse, platform: PostgreSQL, urlEnv: WH, urlFile: /wh}\n");
    assert_eq!(both, neither);
    assert_eq!(
        messages("  - {name: warehouse, platform: PostgreSQL, urlEnv: 'postgres://u:p@h/db'}\n"),
        ["connections[].urlEnv `postgres://u:p@h/db` must be an environment variable's name (A-Z, 0-9, _)"]
    );
    assert_eq!(
        messages("  - {name: warehouse, platform: PostgreSQL, urlEnv: WH, onDrift: ignore}\n"),
        ["connections[].onDrift `ignore` must be revoke or report"]
    );
    assert_eq!(
        messages("  - {name: lake, platform: PostgreSQL, urlEnv: LAKE}\n"),
        [
            "users[].accounts: no connection is named `warehouse`",
            "dataSources[].connection: no connection is named `warehouse`"
        ]
    );
    let unplaced =
        with_connection("  - {name: warehouse, platform: PostgreSQL, urlEnv: WH}\n").replace("    table: orders\n", "");
    assert_eq!(
        problems(&unplaced)[0].message,
        "a data source provisioned through a connection needs its schema and table"
    );
    let twice = "  - {name: warehouse, platform: PostgreSQL, urlEnv: WH}\n  - {name: warehouse, platform: PostgreSQL, urlEnv: WH}\n";
    assert!(messages(twice)[0].starts_with("duplicate connection `warehouse`"));
}

fn with_sign_in(block: &str) -> String {
    MINIMAL.replacen("  name: Acme\n", &format!("  name: Acme\n  openIdConnect:\n{block}"), 1)
}

#[test]
fn a_tenant_names_its_openid_provider_and_where_its_client_secret_is_kept() {
    let text =
        with_sign_in("    issuer: https://login.acme.example/\n    clientId: mp\n    clientSecretEnv: OIDC_SECRET\n");
    let sign_in = parse_directory(&text).unwrap().tenant.open_id_connect.unwrap();
    assert_eq!(
        sign_in.issuer, "https://login.acme.example",
        "a trailing slash is dropped"
    );
    assert_eq!(sign_in.client_secret, SecretSource::Env("OIDC_SECRET".into()));
    assert_eq!(sign_in.user_claim, "email");

    let text =
        with_sign_in("    issuer: https://x\n    clientId: mp\n    clientSecretFile: /run/s\n    userClaim: sub\n");
    let sign_in = parse_directory(&text).unwrap().tenant.open_id_connect.unwrap();
    assert_eq!(
        (sign_in.client_secret, sign_in.user_claim.as_str()),
        (SecretSource::File("/run/s".into()), "sub")
    );

    for (block, expected) in [
        (
            "    issuer: login.acme\n    clientId: mp\n    clientSecretEnv: S\n",
            "must be an http(s) URL",
        ),
        ("    issuer: https://x\n    clientId: mp\n", "either clientSecretEnv"),
        (
            "    issuer: https://x\n    clientId: mp\n    clientSecretEnv: S\n    clientSecretFile: /s\n",
            "not both",
        ),
        (
            "    issuer: https://x\n    clientId: mp\n    clientSecret: plain\n",
            "unknown field",
        ),
    ] {
        let found = problems(&with_sign_in(block));
        assert!(
            found.iter().any(|problem| problem.message.contains(expected)),
            "{expected}: {found:?}"
        );
    }
}
