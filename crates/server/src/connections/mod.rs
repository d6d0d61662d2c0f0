//! Serving connections with hyper (HTTP/1.1), under limits that keep idle, slow and hostile clients from exhausting
//! the server: a connection that waits too long for its client is closed, and when the server holds as many
//! connections as it may, the one that has waited on its client longest makes room for the next.
//!
//! A new connection costs a socket, a small task and the bytes received until its first request has arrived whole
//! (see `first_request`): the HTTP machinery and its buffers are built only then, so slow and silent clients cost
//! little.

mod activity;
mod first_request;
mod watched;

use activity::{Activity, Patience, Phase, Registry};
use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use first_request::FirstRequest;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;
pub use watched::{BODY_TOO_SLOW, BodyTimeout};
use watched::{WatchedBody, WatchedIo, error_response};

/// The most a request line and headers may take together; more is refused with 431.
pub(crate) const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Descriptors kept free for the database, outgoing webhooks and the like when the connection cap is derived from
/// the process's limit.
const RESERVED_DESCRIPTORS: u64 = 1024;
/// How often connections are checked against their time limits.
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);

/// How long the server waits on clients, and how many connections it holds.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// From a request's first byte until its whole head has arrived.
    pub header_timeout: Duration,
    /// From the start of reading a request body until all of it has arrived (408 after).
    pub body_timeout: Duration,
    /// How long a connection may wait for its next request (or, new, for its first).
    pub keep_alive_timeout: Duration,
    /// Open connections at most.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            keep_alive_timeout: Duration::from_secs(75),
            max_connections: default_max_connections(),
        }
    }
}

/// 10,000 connections, or fewer if the process may not open that many files: raises the soft limit on open files
/// to the hard one, and keeps `RESERVED_DESCRIPTORS` (1,024) of them for everything else.
pub fn default_max_connections() -> usize {
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(4096);
    limit.saturating_sub(RESERVED_DESCRIPTORS).clamp(64, 10_000) as usize
}

/// Accepts and serves connections until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let registry = Registry::new();
    let (stop, stopped) = watch::channel(false);
    let sweeper = tokio::spawn(sweep(registry.clone(), limits));
    let mut shutdown = std::pin::pin!(shutdown);
    // Room made at once when the server is full: a sixty-fourth of it.
    let room = (limits.max_connections / 64).max(1);
    loop {
        let ended = registry.ended.notified();
        if registry.open() >= limits.max_connections {
            // Full: make room (unless room is being made already, or every connection is at work), and accept
            // again once a connection has ended.
            if registry.closing() == 0 {
                registry.close_longest_waiting(room);
            }
            tokio::select! {
                () = ended => continue,
                () = &mut shutdown => break,
            }
        }
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of descriptors or memory: make room and try again shortly.
                    tracing::warn!(%error, "cannot accept a connection");
                    registry.close_longest_waiting(room);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let registration = registry.register();
        let connection = Connection {
            router: router.clone(),
            activity: registration.activity.clone(),
            limits,
            stopped: stopped.clone(),
        };
        tokio::spawn(async move {
            connection.serve(stream).await;
            drop(registration);
        });
    }
    let _ = stop.send(true);
    sweeper.abort();
    while registry.open() > 0 {
        let ended = registry.ended.notified();
        if registry.open() == 0 {
            break;
        }
        ended.await;
    }
    Ok(())
}

async fn sweep(registry: Arc<Registry>, limits: ConnectionLimits) {
    let patience = Patience {
        idle: limits.keep_alive_timeout,
        head: limits.header_timeout,
    };
    let mut ticks = tokio::time::interval(SWEEP_INTERVAL);
    let mut most_since_trim = 0;
    loop {
        ticks.tick().await;
        registry.close_overdue(patience);
        let live = registry.live();
        most_since_trim = most_since_trim.max(live);
        if most_since_trim - live >= BURST && live < most_since_trim / 2 {
            release_freed_memory();
            most_since_trim = live;
        }
    }
}

/// Connections whose end counts as the end of a burst.
const BURST: usize = 256;

/// Hands memory freed after a burst of connections back to the system. The server's own allocations are
/// jemalloc's, which returns free pages by itself; what SQLite and other C code allocate is glibc's, which keeps
/// it in its per-thread arenas otherwise, and the process would stay at its peak size for good.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it is safe to call at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

struct Connection {
    router: Router,
    activity: Arc<Activity>,
    limits: ConnectionLimits,
    stopped: watch::Receiver<bool>,
}

impl Connection {
    async fn serve(mut self, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        // Until its first request has arrived, a connection is a socket and the bytes received so far.
        let first = tokio::select! {
            first = first_request::read(&stream, &self.activity, &self.limits) => first,
            () = self.activity.close.notified() => return,
            _ = self.stopped.wait_for(|stopped| *stopped) => return,
        };
        let received = match first {
            FirstRequest::Arrived(received) => received,
            FirstRequest::Left => return,
            FirstRequest::BodyTooSlow => {
                let mut stream = stream;
                let _ = stream.write_all(&error_response(StatusCode::REQUEST_TIMEOUT)).await;
                return;
            }
        };
        let service = ConnectionService {
            router: self.router,
            activity: self.activity.clone(),
            body_timeout: self.limits.body_timeout,
        };
        let mut http = hyper::server::conn::http1::Builder::new();
        http.max_buf_size(MAX_HEAD_BYTES).header_read_timeout(None);
        let io = TokioIo::new(WatchedIo::new(stream, received, self.activity.clone()));
        let mut connection = Box::pin(http.serve_connection(io, service));
        let mut stopping = false;
        loop {
            tokio::select! {
                _ = connection.as_mut() => return,
                () = self.activity.close.notified() => return,
                _ = self.stopped.wait_for(|stopped| *stopped), if !stopping => {
                    // Finish the request in flight, if any, then close.
                    stopping = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// The router, as hyper calls it for each request of one connection.
#[derive(Clone)]
struct ConnectionService {
    router: Router,
    activity: Arc<Activity>,
    body_timeout: Duration,
}

type ResponseFuture = Pin<Box<dyn Future<Output = Result<axum::response::Response, Infallible>> + Send>>;

impl hyper::service::Service<Request<hyper::body::Incoming>> for ConnectionService {
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn call(&self, request: Request<hyper::body::Incoming>) -> Self::Future {
        self.activity.enter(Phase::Working);
        let activity = self.activity.clone();
        let request =
            request.map(|body| axum::body::Body::new(WatchedBody::new(body, activity.clone(), self.body_timeout)));
        let response = self.router.clone().oneshot(request);
        Box::pin(async move {
            let response = response.await;
            activity.enter(Phase::Idle);
            response
        })
    }
}
