//! The HTTP application: shared state, the router with its layers, and a server bound to a port.

use crate::connections::{self, ConnectionLimits};
use crate::error::{ensure_error_body, method_not_allowed, panic_response, route_not_found, time_limit};
use crate::{logging, openapi};
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderName;
use axum::{Router, middleware};
use marketplace_app::App;
use marketplace_app::model::DatabaseUrl;
use marketplace_domain::Segment;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Every path is served under this prefix, as Immuta serves it.
pub const BASE_PATH: &str = "/marketplace";
/// Bodies above this size are refused with 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub app: App,
    /// Where people reach this deployment (`https://data.example.com`), for links it hands out; without it, links
    /// are paths on this server.
    pub public_url: Option<Arc<str>>,
}

impl AppState {
    /// Opens the database, brings its schema up to date and loads the signing key: everything a server or a
    /// command needs.
    pub async fn open(url: &DatabaseUrl, segment: Segment, signing_key: Option<&str>) -> anyhow::Result<Self> {
        Ok(Self {
            app: App::open(url, segment, signing_key).await?,
            public_url: None,
        })
    }

    /// A path on this server (`/marketplace/…`) as a link to hand out: absolute under the public URL, if known.
    pub fn link(&self, path: &str) -> String {
        match &self.public_url {
            Some(base) => format!("{}{path}", base.trim_end_matches('/')),
            None => path.to_owned(),
        }
    }

    pub fn segment(&self) -> Segment {
        self.app.segment()
    }
}

/// Connections the kernel queues for us before we accept them (it caps this at `net.core.somaxconn`).
const LISTEN_BACKLOG: u32 = 4096;

/// How long a request may take from its head to its answer before the server gives up with 503.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// What the server allows its clients: per connection ([`ConnectionLimits`]) and per request.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    pub connections: ConnectionLimits,
    pub request_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            connections: ConnectionLimits::default(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }
}

/// The application's routes with their layers; `GET /metrics` among them unless it is served apart
/// ([`Application::with_metrics_on`]).
pub fn router(state: AppState, request_timeout: Duration, with_metrics: bool) -> Router {
    let (api, document) = openapi::split();
    let request_id = HeaderName::from_static("x-request-id");
    let marketplace = api
        .merge(openapi::document_routes(document))
        .merge(crate::web::router())
        .method_not_allowed_fallback(method_not_allowed);
    crate::metrics::install();
    let mut routes = Router::new().nest(BASE_PATH, marketplace);
    if with_metrics {
        routes = routes.route("/metrics", axum::routing::get(crate::metrics::render));
    }
    routes
        .merge(openapi::docs_page())
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(crate::metrics::track))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn_with_state(request_timeout, time_limit))
        .layer(middleware::map_response(ensure_error_body))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(logging::request_span)
                .on_response(logging::log_answer),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// A server bound to its port, ready to run. Binding port 0 picks a free port (tests do).
pub struct Application {
    listener: TcpListener,
    /// Where `GET /metrics` is served, if not beside the API.
    metrics: Option<TcpListener>,
    state: AppState,
    limits: HttpLimits,
}

impl Application {
    pub async fn bind(listen: SocketAddr, state: AppState, limits: HttpLimits) -> std::io::Result<Self> {
        Ok(Self {
            listener: listen_on(listen)?,
            metrics: None,
            state,
            limits,
        })
    }

    /// Serves `GET /metrics` on its own address, and not on the API's: a scraper on a private network reaches it,
    /// the API's clients do not.
    pub fn with_metrics_on(mut self, listen: SocketAddr) -> std::io::Result<Self> {
        self.metrics = Some(listen_on(listen)?);
        Ok(self)
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Where `GET /metrics` is served apart, if it is.
    pub fn metrics_addr(&self) -> Option<std::io::Result<SocketAddr>> {
        self.metrics.as_ref().map(TcpListener::local_addr)
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight. (Background jobs are started by
    /// the commands that serve, so tests can run them by hand on a clock they move.)
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let router = router(self.state.clone(), self.limits.request_timeout, self.metrics.is_none());
        let Some(metrics) = self.metrics else {
            return connections::serve(self.listener, router, self.limits.connections, shutdown).await;
        };
        let scrapes = Router::new()
            .route("/metrics", axum::routing::get(crate::metrics::render))
            .fallback(route_not_found)
            .with_state(self.state);
        // A scrape holds nothing worth finishing: the metrics server ends when the API's has.
        let apart = tokio::spawn(connections::serve(
            metrics,
            scrapes,
            self.limits.connections,
            std::future::pending(),
        ));
        let served = connections::serve(self.listener, router, self.limits.connections, shutdown).await;
        apart.abort();
        served
    }
}

fn listen_on(address: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = match address {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    // A long queue of connections not yet accepted, so that a burst of them does not drop new ones.
    socket.listen(LISTEN_BACKLOG)
}
