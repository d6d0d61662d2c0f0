//! The `marketplace` binary, as scripts use it.

use crate::helpers::*;
use reqwest::StatusCode;
use std::process::{Command, Output};

fn marketplace(args: &[&str], database_url: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_marketplace"))
        .args(args)
        .env("MARKETPLACE_DATABASE_URL", database_url)
        .env_remove("MARKETPLACE_SIGNING_KEY")
        .output()
        .expect("run marketplace")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_command_documents_its_flags() {
    for (args, flags) in [
        (
            vec!["--help"],
            vec!["serve", "quickstart", "directory", "token", "openapi", "migrate"],
        ),
        (
            vec!["serve", "--help"],
            vec![
                "--listen",
                "--database-url",
                "--data-dir",
                "--global-segment",
                "MARKETPLACE_LISTEN",
            ],
        ),
        (
            vec!["quickstart", "--help"],
            vec!["--listen", "--database-url", "--directory"],
        ),
        (
            vec!["directory", "import", "--help"],
            vec!["--dry-run", "--database-url", "MARKETPLACE_DATABASE_URL"],
        ),
        (
            vec!["token", "create", "--help"],
            vec!["--tenant", "--user", "--description", "--expires-in"],
        ),
        (vec!["openapi", "--help"], vec!["--format"]),
        (
            vec!["migrate", "--help"],
            vec!["--database-url", "--data-dir", "--global-segment"],
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_marketplace"))
            .args(&args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}");
        let help = text(&output.stdout);
        for flag in flags {
            assert!(help.contains(flag), "{args:?} does not mention {flag}:\n{help}");
        }
    }
}

#[test]
fn openapi_prints_yaml_or_json() {
    let json = Command::new(env!("CARGO_BIN_EXE_marketplace"))
        .args(["openapi", "--format", "json"])
        .output()
        .unwrap();
    let document: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let yaml = Command::new(env!("CARGO_BIN_EXE_marketplace"))
        .arg("openapi")
        .output()
        .unwrap();
    let from_yaml: serde_json::Value = serde_saphyr::from_str(&text(&yaml.stdout)).unwrap();
    assert_eq!(document, from_yaml);
}

#[tokio::test]
async fn directory_import_and_token_create_work_from_the_command_line() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("directory.yaml");
    std::fs::write(&file, DEMO).unwrap();
    let file = file.to_str().unwrap();

    let dry = marketplace(&["directory", "import", file, "--dry-run"], &db.url);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(text(&dry.stdout).contains("+ user 1 (admin)"), "{}", text(&dry.stdout));
    assert!(text(&dry.stderr).contains("nothing was written"));
    let no_tenant = marketplace(&["token", "create", "--tenant", "demo", "--user", "admin"], &db.url);
    assert!(!no_tenant.status.success());
    assert!(
        text(&no_tenant.stderr).contains("no tenant has the short key `demo`"),
        "{}",
        text(&no_tenant.stderr)
    );

    let import = marketplace(&["directory", "import", file], &db.url);
    assert!(import.status.success(), "{}", text(&import.stderr));
    assert_eq!(text(&import.stdout).lines().count(), 37);
    let again = marketplace(&["directory", "import", file], &db.url);
    assert_eq!(text(&again.stdout), "", "a second import changes nothing");

    let created = marketplace(
        &[
            "token",
            "create",
            "--tenant",
            "demo",
            "--user",
            "sam",
            "--expires-in",
            "30d",
        ],
        &db.url,
    );
    assert!(created.status.success(), "{}", text(&created.stderr));
    let token = text(&created.stdout).trim().to_owned();
    assert_eq!(text(&created.stdout).lines().count(), 1, "the token alone on stdout");

    let app = TestApp::start(db.clone(), marketplace_domain::Segment::Na, None).await;
    let me = expect(app.get("/api/auth/user").bearer_auth(&token), StatusCode::OK).await;
    assert_eq!(me["username"], "sam");
    let in_30_days = marketplace_domain::Timestamp::now().plus_seconds(30 * 86_400).seconds();
    assert!((me["expiration"].as_i64().unwrap() - in_30_days).abs() < 60);

    let unknown = marketplace(&["token", "create", "--tenant", "demo", "--user", "nobody"], &db.url);
    assert!(!unknown.status.success());
    assert!(text(&unknown.stderr).contains("no user `nobody`"));
    let bad_lifetime = marketplace(
        &[
            "token",
            "create",
            "--tenant",
            "demo",
            "--user",
            "sam",
            "--expires-in",
            "soon",
        ],
        &db.url,
    );
    assert!(!bad_lifetime.status.success());
}

#[tokio::test]
async fn a_bad_directory_file_is_refused_with_its_line_and_changes_nothing() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.yaml");
    std::fs::write(&good, DEMO).unwrap();
    assert!(
        marketplace(&["directory", "import", good.to_str().unwrap()], &db.url)
            .status
            .success()
    );

    let broken = DEMO
        .replace("members: [sam]", "members: [sam, nobody]")
        .replace("name: Casey Consumer", "name: Casey C.");
    let line = broken.lines().position(|l| l.contains("[sam, nobody]")).unwrap() + 1;
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, broken).unwrap();
    let output = marketplace(&["directory", "import", bad.to_str().unwrap()], &db.url);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "line {line}: groups[].members: no user has the username `nobody`"
        )),
        "{stderr}"
    );

    let typo = DEMO.replace("    username: casey", "    usernme: casey");
    std::fs::write(&bad, typo).unwrap();
    let output = marketplace(&["directory", "import", bad.to_str().unwrap()], &db.url);
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("usernme"), "{}", text(&output.stderr));

    let dry = marketplace(&["directory", "import", good.to_str().unwrap(), "--dry-run"], &db.url);
    assert_eq!(text(&dry.stdout), "", "nothing changed: {}", text(&dry.stdout));
    let missing = marketplace(&["directory", "import", "/nonexistent.yaml"], &db.url);
    assert!(!missing.status.success());
    assert!(text(&missing.stderr).contains("cannot read /nonexistent.yaml"));
    let bad_url = marketplace(&["migrate"], "mysql://nowhere/db");
    assert!(!bad_url.status.success());
    assert!(text(&bad_url.stderr).contains("unsupported database URL"));
}

/// The reads' pool is sized for PostgreSQL only; a size that is no size, or one given for SQLite, is refused.
#[tokio::test]
async fn postgres_read_connections_are_for_postgresql() {
    let db = TestDb::new().await;
    let sized = marketplace(&["migrate", "--postgres-read-connections", "2"], &db.url);
    match db.url.starts_with("postgres") {
        true => assert!(sized.status.success(), "{}", text(&sized.stderr)),
        false => {
            assert!(!sized.status.success());
            assert!(
                text(&sized.stderr).contains("--postgres-read-connections is for a PostgreSQL database"),
                "{}",
                text(&sized.stderr)
            );
        }
    }
    let none = marketplace(&["migrate", "--postgres-read-connections", "0"], &db.url);
    assert!(!none.status.success());
    assert!(
        text(&none.stderr).contains("--postgres-read-connections"),
        "{}",
        text(&none.stderr)
    );
}

#[tokio::test]
async fn slack_configure_connects_a_tenant_that_the_api_then_reports_and_disconnects() {
    let app = spawn_app().await;
    let db = app.db.clone();
    let admin = app.token("admin").await;
    let configure = |tenant: &str| {
        marketplace(
            &[
                "slack",
                "configure",
                "--tenant",
                tenant,
                "--team-id",
                "T024BE7LD",
                "--team-name",
                "Demo Retail",
                "--bot-user-id",
                "U0BOT",
            ],
            &db.url,
        )
    };
    let unknown = configure("nowhere");
    assert!(!unknown.status.success());
    assert!(text(&unknown.stderr).contains("no tenant has the short key `nowhere`"));
    let configured = configure("demo");
    assert!(configured.status.success(), "{}", text(&configured.stderr));

    let path = "/api/notification/slack/configuration";
    let read = expect(app.get(path).bearer_auth(&admin), StatusCode::OK).await;
    assert_eq!(
        read,
        serde_json::json!({"isConfigured": true, "configuration": {"teamName": "Demo Retail", "teamId": "T024BE7LD", "botUserId": "U0BOT"}})
    );
    let tested = expect(
        app.get("/api/notification/slack/test").bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(tested["isValid"], false);
    assert!(
        tested["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("Slack workspace Demo Retail (T024BE7LD) is configured")
    );
    expect(app.delete(path).bearer_auth(&admin), StatusCode::OK).await;
    let read = expect(app.get(path).bearer_auth(&admin), StatusCode::OK).await;
    assert_eq!(read["isConfigured"], false);
    expect(app.delete(path).bearer_auth(&admin), StatusCode::OK).await;
}

/// Runs the binary with its stdout read by a reader that stops after `read` bytes (0: before anything is
/// written) and goes away, as `| head` does; returns the exit status and stderr.
fn with_reader_gone(args: &[&str], database_url: &str, read: usize) -> (std::process::ExitStatus, String) {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_marketplace"))
        .args(args)
        .env("MARKETPLACE_DATABASE_URL", database_url)
        .env_remove("MARKETPLACE_SIGNING_KEY")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run marketplace");
    let mut stdout = child.stdout.take().unwrap();
    let mut head = vec![0; read];
    stdout.read_exact(&mut head).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    (output.status, text(&output.stderr))
}

#[tokio::test]
async fn a_reader_that_stops_early_ends_the_output_quietly() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("directory.yaml");
    std::fs::write(&file, DEMO).unwrap();
    let file = file.to_str().unwrap();
    let cases: [(&[&str], usize); 7] = [
        // The document is far larger than a pipe holds, so writing goes on after the reader has gone.
        (&["openapi", "--format", "yaml"], 1000),
        (&["openapi", "--format", "json"], 1000),
        (&["openapi"], 0),
        (&["directory", "import", file, "--dry-run"], 0),
        (&["directory", "import", file], 0),
        (&["token", "create", "--tenant", "demo", "--user", "sam"], 0),
        (&["--help"], 0),
    ];
    for (args, read) in cases {
        let (status, stderr) = with_reader_gone(args, &db.url, read);
        assert_eq!(status.code(), Some(0), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("error"),
            "{args:?}: {stderr}"
        );
    }
    // The import was done, and said so on stderr.
    let again = marketplace(&["directory", "import", file], &db.url);
    assert_eq!(text(&again.stdout), "", "already imported");
}
