//! Where and how the server listens: address, connection limits, public URL.

use super::token;
use crate::app::{AppState, Application, HttpLimits};
use crate::connections::{ConnectionLimits, default_max_connections};
use crate::logging::LogFormat;
use anyhow::Context;
use clap::Args;
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, Clone, Args)]
pub struct ListenArgs {
    /// Address and port to listen on
    #[arg(
        long,
        env = "MARKETPLACE_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: SocketAddr,
    /// Serve GET /metrics on this address (such as 127.0.0.1:9100) instead of on --listen
    #[arg(long, env = "MARKETPLACE_METRICS_LISTEN", value_name = "ADDR")]
    metrics_listen: Option<SocketAddr>,
    /// Time a client has from a request's first byte to the end of its headers
    #[arg(long, env = "MARKETPLACE_HEADER_TIMEOUT", value_name = "DURATION", default_value = "10s",
        value_parser = token::parse_timeout)]
    header_timeout: Duration,
    /// Time a client has to send a request body (then 408)
    #[arg(long, env = "MARKETPLACE_BODY_TIMEOUT", value_name = "DURATION", default_value = "30s",
        value_parser = token::parse_timeout)]
    body_timeout: Duration,
    /// Time a connection may wait for its next request
    #[arg(long, env = "MARKETPLACE_KEEP_ALIVE_TIMEOUT", value_name = "DURATION", default_value = "75s",
        value_parser = token::parse_timeout)]
    keep_alive_timeout: Duration,
    /// Time a request may take from its headers to its answer (then 503)
    #[arg(long, env = "MARKETPLACE_REQUEST_TIMEOUT", value_name = "DURATION", default_value = "60s",
        value_parser = token::parse_timeout)]
    request_timeout: Duration,
    /// Open connections at most; when full, the one waiting longest on its client is closed for a new one
    /// [default: 10000, or fewer if the open-file limit is lower]
    #[arg(long, env = "MARKETPLACE_MAX_CONNECTIONS", value_name = "COUNT",
        value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: Option<u32>,
    /// Where people reach this deployment, such as https://data.example.com (without /marketplace), for the
    /// links it hands out; without it, links are paths on this server
    #[arg(long, env = "MARKETPLACE_PUBLIC_URL", value_name = "URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,
    /// How long a web app session lasts unused, such as 30m, 8h or 1d
    #[arg(long, env = "MARKETPLACE_SESSION_IDLE_TIMEOUT", value_name = "DURATION", default_value = "8h",
        value_parser = token::parse_lifetime)]
    pub session_idle_timeout: i64,
    /// How log lines are written: text, or JSON lines for log shippers
    #[arg(long, env = "MARKETPLACE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// An `http` or `https` URL with nothing after its path.
fn parse_public_url(text: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(text).map_err(|error| format!("`{text}` is not a URL: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "`{text}` must be an http or https URL without a query or fragment"
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl ListenArgs {
    /// Applies what these flags say about links and sessions to the state a server runs on.
    pub fn configure(&self, state: &mut AppState) {
        state.public_url = self.public_url.as_deref().map(Into::into);
        state.app = state.app.clone().with_session_idle_seconds(self.session_idle_timeout);
    }

    /// Binds the API's address, and the metrics' if they are served apart.
    pub async fn bind(&self, state: AppState) -> anyhow::Result<Application> {
        let app = Application::bind(self.listen, state, self.limits())
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {} (choose another address with --listen)",
                    self.listen
                )
            })?;
        let Some(metrics) = self.metrics_listen else {
            return Ok(app);
        };
        let app = app
            .with_metrics_on(metrics)
            .with_context(|| format!("cannot listen on {metrics} (choose another address with --metrics-listen)"))?;
        if let Some(address) = app.metrics_addr().transpose()? {
            tracing::info!(metrics_address = %address, "GET /metrics is served apart");
        }
        Ok(app)
    }

    pub fn limits(&self) -> HttpLimits {
        HttpLimits {
            connections: ConnectionLimits {
                header_timeout: self.header_timeout,
                body_timeout: self.body_timeout,
                keep_alive_timeout: self.keep_alive_timeout,
                max_connections: self
                    .max_connections
                    .map_or_else(default_max_connections, |count| count as usize),
            },
            request_timeout: self.request_timeout,
        }
    }
}
