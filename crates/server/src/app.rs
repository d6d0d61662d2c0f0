//! The HTTP application: shared state, the router with its layers, and a server bound to a port.

use crate::auth::tokens::TokenService;
use crate::clock::Clock;
use crate::error::{method_not_allowed, panic_response, route_not_found};
use crate::openapi;
use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use marketplace_domain::Segment;
use marketplace_store::{DatabaseUrl, Store};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Every path is served under this prefix, as Immuta serves it.
pub const BASE_PATH: &str = "/marketplace";
/// Bodies above this size are refused with 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub tokens: Arc<TokenService>,
    pub clock: Clock,
}

impl AppState {
    /// Opens the database, brings its schema up to date and loads the signing key: everything a server or a
    /// command needs.
    pub async fn open(url: &DatabaseUrl, segment: Segment, signing_key: Option<&str>) -> anyhow::Result<Self> {
        let store = Store::open(url).with_context(|| format!("cannot open {}", url.redacted()))?;
        store
            .migrate()
            .await
            .with_context(|| format!("cannot migrate {}", url.redacted()))?;
        if signing_key.is_some_and(|key| key.len() < 32) {
            anyhow::bail!("MARKETPLACE_SIGNING_KEY must be at least 32 characters long");
        }
        let tokens = TokenService::load(store.clone(), segment, signing_key).await?;
        Ok(Self {
            store,
            tokens: Arc::new(tokens),
            clock: Clock::default(),
        })
    }

    pub fn segment(&self) -> Segment {
        self.tokens.segment()
    }
}

pub fn router(state: AppState) -> Router {
    let (api, document) = openapi::api_router().split_for_parts();
    let request_id = HeaderName::from_static("x-request-id");
    let marketplace = api
        .merge(openapi::document_routes(document))
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .nest(BASE_PATH, marketplace)
        .merge(openapi::docs_page())
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
            let id = request
                .headers()
                .get("x-request-id")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            tracing::info_span!(
                "request",
                method = %request.method(),
                path = %request.uri().path(),
                request.id = %id,
                tenant.id = tracing::field::Empty,
                user.id = tracing::field::Empty,
            )
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// A server bound to its port, ready to run. Binding port 0 picks a free port (tests do).
pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    pub async fn bind(listen: SocketAddr, state: AppState) -> std::io::Result<Self> {
        let listener = TcpListener::bind(listen).await?;
        Ok(Self {
            listener,
            router: router(state),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight. (Background jobs are started by
    /// the commands that serve, so tests can run them by hand on a clock they move.)
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}
