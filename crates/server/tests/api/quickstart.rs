//! `marketplace quickstart` as a newcomer runs it: every command it prints works as printed, from anywhere.

use crate::helpers::*;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running `marketplace quickstart` and what it printed before serving.
pub struct Quickstart {
    child: Child,
    pub printed: Vec<String>,
    stderr: PathBuf,
}

impl Drop for Quickstart {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The environment a printed command runs in: a PATH and a working directory of its own.
pub struct Shell {
    pub path: String,
    pub cwd: PathBuf,
}

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_marketplace"))
}

impl Shell {
    /// A shell whose PATH has `marketplace` on it, or not.
    pub fn new(cwd: &Path, with_marketplace: bool) -> Shell {
        let system = std::env::var("PATH").unwrap_or_default();
        let path = match with_marketplace {
            true => format!("{}:{system}", binary().parent().unwrap().display()),
            false => system,
        };
        Shell {
            path,
            cwd: cwd.to_owned(),
        }
    }

    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command.current_dir(&self.cwd).env("PATH", &self.path);
        for (key, _) in std::env::vars() {
            if key.starts_with("MARKETPLACE_") {
                command.env_remove(key);
            }
        }
        command
    }

    /// Runs `script` with `sh` and returns its stdout; it must succeed.
    pub fn run(&self, script: &str) -> String {
        let output = self.command("sh").args(["-c", script]).output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{script}\nfailed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }

    /// Starts `marketplace quickstart ARGS` and waits until it serves.
    pub fn quickstart(&self, args: &[&str]) -> Quickstart {
        let stderr = tempfile::NamedTempFile::new().unwrap().into_temp_path().keep().unwrap();
        let mut child = self
            .command(binary())
            .arg("quickstart")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("start marketplace quickstart");
        let stdout = child.stdout.take().unwrap();
        let (lines, received) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let mut quickstart = Quickstart {
            child,
            printed: Vec::new(),
            stderr,
        };
        loop {
            // A guard against a hang, not a measure of speed.
            match received.recv_timeout(Duration::from_secs(300)) {
                Ok(line) => {
                    let done = line == "Press Ctrl-C to stop.";
                    quickstart.printed.push(line);
                    if done {
                        return quickstart;
                    }
                }
                Err(error) => panic!(
                    "quickstart stopped printing ({error}) after:\n{}\nstderr:\n{}",
                    quickstart.printed.join("\n"),
                    std::fs::read_to_string(&quickstart.stderr).unwrap_or_default()
                ),
            }
        }
    }
}

impl Quickstart {
    /// The base URL it says it serves.
    pub fn base(&self) -> String {
        let line = self
            .printed
            .iter()
            .find(|line| line.starts_with("Marketplace is serving "))
            .expect("the address is printed");
        line["Marketplace is serving ".len()..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned()
    }

    /// The printed lines that are commands, by what they start with.
    pub fn commands(&self, start: &str) -> Vec<String> {
        self.printed
            .iter()
            .map(|line| line.trim().to_owned())
            .filter(|line| line.starts_with(start))
            .collect()
    }
}

/// The flags that point quickstart at the test's database: a data directory (relative, so printed commands
/// must make it absolute) for SQLite, the URL for PostgreSQL.
pub fn database_args(db: &TestDb) -> Vec<String> {
    match db.is_postgres() {
        true => vec!["--database-url".into(), db.url.clone()],
        false => vec!["--data-dir".into(), "data".into()],
    }
}

#[tokio::test]
async fn every_command_quickstart_prints_works_as_printed_from_another_directory() {
    let db = TestDb::new().await;
    let (home, elsewhere) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let args = database_args(&db);
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    // Listening on every interface: the printed address is one a client can use.
    args.extend(["--listen", "0.0.0.0:0"]);
    let server = Shell::new(home.path(), true).quickstart(&args);
    let base = server.base();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert!(!base.starts_with("http://127.0.0.1:0/"), "the real port: {base}");

    let shell = Shell::new(elsewhere.path(), true);
    let curls = server.commands("curl ");
    assert!(curls.len() >= 6, "{:#?}", server.printed);
    // The curl lines, the ones that use the exported variables after the export lines as printed.
    let exports = server.commands("export ").join("\n");
    assert_eq!(server.commands("export ").len(), 6, "{:#?}", server.printed);
    let mut users = 0;
    for curl in curls.iter().filter(|curl| !curl.contains("$TOKEN")) {
        let answer = shell.run(&format!("{exports}\n{curl}"));
        let answer: Value = serde_json::from_str(&answer).unwrap_or_else(|_| panic!("{curl}: {answer}"));
        assert!(answer.get("statusCode").is_none(), "{curl}: {answer}");
        if curl.ends_with("/api/auth/user") {
            assert!(answer["username"].is_string(), "{curl}: {answer}");
            users += 1;
        }
    }
    assert_eq!(users, 6);
    assert!(curls.iter().any(|curl| curl.contains("$ADMIN_TOKEN")), "{curls:#?}");

    // A token of one's own, with `marketplace` on the PATH as after `cargo install`.
    let own = server.commands("TOKEN=$(");
    assert_eq!(own.len(), 1, "{:#?}", server.printed);
    assert!(own[0].starts_with("TOKEN=$(marketplace token create "), "{}", own[0]);
    let next = curls.iter().find(|curl| curl.contains("$TOKEN")).unwrap();
    let me: Value = serde_json::from_str(&shell.run(&format!("{}\n{next}", own[0]))).unwrap();
    let user = own[0]
        .split("--user ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    assert_eq!(me["username"], user, "{me}");
    assert!(me["expiration"].is_i64(), "{me}");
}

/// The tokens a start printed, by variable name (`CASEY_TOKEN`).
fn exported(server: &Quickstart) -> Vec<(String, String)> {
    server
        .commands("export ")
        .iter()
        .map(|line| {
            let (name, token) = line["export ".len()..].split_once('=').unwrap();
            (name.to_owned(), token.to_owned())
        })
        .collect()
}

async fn status(base: &str, token: &str) -> reqwest::StatusCode {
    reqwest::Client::new()
        .get(format!("{base}/api/auth/user"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_second_start_replaces_the_tokens_of_the_first_and_keeps_the_others() {
    let db = TestDb::new().await;
    let home = tempfile::tempdir().unwrap();
    let args = database_args(&db);
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.extend(["--listen", "127.0.0.1:0"]);
    // Without `marketplace` on the PATH, as after `cargo run`.
    let shell = Shell::new(home.path(), false);

    let first = shell.quickstart(&args);
    let old = exported(&first);
    let names: Vec<_> = old.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "ADMIN_TOKEN",
            "DANA_TOKEN",
            "SAM_TOKEN",
            "FRAN_TOKEN",
            "CASEY_TOKEN",
            "RILEY_TOKEN"
        ]
    );
    for (name, token) in &old {
        assert_eq!(status(&first.base(), token).await, reqwest::StatusCode::OK, "{name}");
    }
    // A token made another way is not quickstart's to replace.
    let own = first.commands("TOKEN=$(");
    assert!(
        own[0].starts_with(&format!("TOKEN=$({} ", binary().display())),
        "{}",
        own[0]
    );
    let kept = shell.run(&format!("{}\necho \"$TOKEN\"", own[0])).trim().to_owned();
    drop(first);

    let second = shell.quickstart(&args);
    let base = second.base();
    let new = exported(&second);
    for ((name, old), (_, new)) in old.iter().zip(&new) {
        assert_ne!(old, new);
        expect_unauthenticated(
            reqwest::Client::new()
                .get(format!("{base}/api/auth/user"))
                .bearer_auth(old),
        )
        .await;
        assert_eq!(status(&base, new).await, reqwest::StatusCode::OK, "{name}");
    }
    assert_eq!(status(&base, &kept).await, reqwest::StatusCode::OK);
    let (_, casey) = &new[4];
    let tokens = reqwest::Client::new()
        .get(format!("{base}/api/auth/tokens"))
        .bearer_auth(casey)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let descriptions: Vec<_> = tokens
        .as_array()
        .unwrap_or_else(|| panic!("{tokens}"))
        .iter()
        .map(|token| token["description"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(descriptions, ["quickstart"], "only the latest start's token is left");
}
