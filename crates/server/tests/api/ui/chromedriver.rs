//! One chromedriver for the whole test binary, started on first use, and a limit on how many browsers run at
//! once.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::{OnceCell, Semaphore, SemaphorePermit};

/// The variable naming the chromedriver binary; without it browser tests are skipped.
pub const CHROMEDRIVER_VAR: &str = "MARKETPLACE_TEST_CHROMEDRIVER";

/// Each headless Chromium takes most of a core while it renders, and the machines that run the suite have two:
/// more browsers at once only make each slower, and their timeouts flaky.
static SESSIONS: Semaphore = Semaphore::const_new(2);

static DRIVER: OnceCell<String> = OnceCell::const_new();

/// Waits for a free browser slot; the slot is released when the permit drops.
pub async fn session_slot() -> SemaphorePermit<'static> {
    SESSIONS.acquire().await.expect("the session semaphore is never closed")
}

/// The URL of this binary's chromedriver (`http://127.0.0.1:PORT`), started at the first call.
pub async fn url(binary: &str) -> &'static str {
    DRIVER.get_or_init(|| start(binary.to_owned())).await
}

async fn start(binary: String) -> String {
    // chromedriver's own `--port=0` does not say which port it took, so take a free one and hand it over; the
    // short window in which another process could grab it is not worth more machinery in a test.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port for chromedriver")
        .port();
    let (spawned, spawn_result) = std::sync::mpsc::channel();
    // The process is started from a thread that lives as long as the test binary and waits on it: the child is
    // reaped when it ends (no zombie), and PR_SET_PDEATHSIG (which fires when the *thread* that started the
    // child ends, not the process) kills chromedriver when the binary exits, so it never outlives `cargo test`.
    // Its output goes nowhere: an orphan holding the binary's stdout would keep a `cargo test | tee` waiting.
    let thread_binary = binary.clone();
    std::thread::Builder::new()
        .name("chromedriver".into())
        .spawn(move || {
            let mut command = Command::new(&thread_binary);
            command
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            die_with_parent(&mut command);
            match command.spawn() {
                Ok(mut child) => {
                    let _ = spawned.send(Ok(()));
                    let status = child.wait();
                    eprintln!("chromedriver ended: {status:?}");
                }
                Err(error) => {
                    let _ = spawned.send(Err(error));
                }
            }
        })
        .expect("a thread to run chromedriver");
    if let Err(error) = spawn_result.recv().expect("the chromedriver thread answers") {
        panic!("cannot start chromedriver `{binary}` (from {CHROMEDRIVER_VAR}): {error}");
    }
    let url = format!("http://127.0.0.1:{port}");
    wait_until_ready(&url).await;
    url
}

#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe and touches nothing of the parent's memory.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_: &mut Command) {}

/// A session's Chromium: headless, with its own empty profile in `profile`, its window `size`, and
/// `MARKETPLACE_TEST_CHROMIUM` or Debian's `/usr/bin/chromium` as the binary.
pub fn capabilities(profile: &std::path::Path, size: (u32, u32)) -> fantoccini::wd::Capabilities {
    let binary = std::env::var("MARKETPLACE_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let capabilities = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": binary,
            "args": [
                "--headless=new",
                // Tests often run as root in a container, where Chromium's sandbox cannot start.
                "--no-sandbox",
                "--disable-gpu",
                // Nothing but 127.0.0.1 is visited: no network chatter, updates or sync to wait for.
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                // Containers give /dev/shm 64 MB, which Chromium's renderers outgrow and crash on.
                "--disable-dev-shm-usage",
                format!("--user-data-dir={}", profile.display()),
                format!("--window-size={},{}", size.0, size.1),
            ],
        },
    });
    match capabilities {
        serde_json::Value::Object(capabilities) => capabilities,
        _ => unreachable!("a JSON object"),
    }
}

/// chromedriver answers `/status` with `ready: true` once it accepts sessions.
async fn wait_until_ready(url: &str) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = client.get(format!("{url}/status")).send().await;
        if let Ok(response) = status
            && let Ok(body) = response.json::<serde_json::Value>().await
            && body["value"]["ready"] == true
        {
            return;
        }
        assert!(Instant::now() < deadline, "chromedriver did not become ready at {url}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Ends a session from a destructor, where nothing async can run: a bare HTTP/1.1 `DELETE /session/ID` over a
/// blocking socket, which makes chromedriver quit that session's Chromium. Errors are ignored: this is the
/// clean-up after a test that has already failed.
pub fn delete_session_blocking(driver_url: &str, session_id: &str) {
    use std::io::{Read, Write};
    let Some(authority) = driver_url.strip_prefix("http://") else {
        return;
    };
    let Ok(mut stream) = std::net::TcpStream::connect(authority) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(15)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let request = format!(
        "DELETE /session/{session_id} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return;
    }
    // Waiting for the answer waits until chromedriver has closed the browser. chromedriver keeps the connection
    // open whatever `Connection: close` says, so the answer ends where its Content-Length says, not at EOF.
    let mut answer = Vec::new();
    let mut buffer = [0; 4096];
    while let Ok(read @ 1..) = stream.read(&mut buffer) {
        answer.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&answer);
        if let Some(head_end) = text.find("\r\n\r\n") {
            let length = text[..head_end]
                .lines()
                .find_map(|line| {
                    line.to_ascii_lowercase()
                        .strip_prefix("content-length:")?
                        .trim()
                        .parse()
                        .ok()
                })
                .unwrap_or(0);
            if answer.len() >= head_end + 4 + length {
                return;
            }
        }
    }
}
