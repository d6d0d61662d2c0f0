//! Logs people can use: one line per request at INFO (method, route template, status, latency, request id, tenant,
//! user, and why a 4xx was answered), as text for a terminal (colours only when stderr is one) or as JSON lines for
//! log shippers (`--log-format json`).

use axum::extract::MatchedPath;
use axum::http::{Request, Response};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;
use tracing::Span;

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, with the request's fields under `span`.
    Json,
}

/// Lines still on their way to stderr, written out when this is dropped (at the end of `serve`).
pub type Flush = tracing_appender::non_blocking::WorkerGuard;

/// Logs to stderr in `format`, filtered by `RUST_LOG` (default: INFO). Lines are written by a thread of their
/// own: a request hands its line over and goes on, and under load many lines go out in one write — written on
/// the request's thread, each line was a system call of its own, 5% of the CPU of a `GET /api/auth/user`. No
/// line is dropped: past 128,000 lines waiting (stderr stuck) a request waits to hand its line over, as it
/// waited for stderr before.
pub fn init(format: LogFormat) -> Flush {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let (writer, flush) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("log-writer")
        // Flushed after every batch of lines the thread finds waiting, so a line is never held back for long.
        .finish(std::io::BufWriter::new(std::io::stderr()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        // A line that cannot be written (stderr closed by a supervisor) is lost, not the request: reporting the
        // failure would write to the same stderr with `eprintln!`, which panics there.
        .log_internal_errors(false);
    let _ = match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).try_init(),
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).try_init(),
    };
    flush
}

/// Why a request was refused (a 4xx answer's message), carried on the response to its log line.
#[derive(Debug, Clone)]
pub struct Refusal(pub Arc<str>);

/// The span every line a request causes is logged in. The route is the template (`/marketplace/api/access-request/
/// {id}`), so that lines group by endpoint; tenant and user are filled in once the caller is known.
pub fn request_span<B>(request: &Request<B>) -> Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)", MatchedPath::as_str);
    tracing::info_span!(
        "request",
        method = %request.method(),
        route,
        request.id = %id,
        tenant.id = tracing::field::Empty,
        user.id = tracing::field::Empty,
    )
}

/// The request's line, when its answer is ready.
pub fn log_answer<B>(response: &Response<B>, latency: Duration, _span: &Span) {
    let status = response.status().as_u16();
    let latency_ms = latency.as_secs_f64() * 1000.0;
    match response.extensions().get::<Refusal>() {
        Some(Refusal(reason)) => tracing::info!(status, latency_ms, reason = %reason, "answered"),
        None => tracing::info!(status, latency_ms, "answered"),
    }
}
