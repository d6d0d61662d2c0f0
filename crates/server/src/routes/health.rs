//! Health checks in NestJS Terminus form, outside `/api` and without authentication.

use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(Debug, Serialize, ToSchema)]
pub struct Indicator {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthCheck {
    /// `ok` or `error`.
    #[schema(example = "ok")]
    status: &'static str,
    info: Option<BTreeMap<&'static str, Indicator>>,
    error: Option<BTreeMap<&'static str, Indicator>>,
    details: BTreeMap<&'static str, Indicator>,
}

type HealthResponse = (StatusCode, Json<HealthCheck>);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(liveness))
        .routes(routes!(readiness))
}

fn up() -> Indicator {
    Indicator {
        status: "up",
        message: None,
    }
}

/// The process answers; no dependency is consulted, so an unreachable database never restarts instances.
fn alive() -> HealthResponse {
    let check = HealthCheck {
        status: "ok",
        info: Some(BTreeMap::new()),
        error: Some(BTreeMap::new()),
        details: BTreeMap::new(),
    };
    (StatusCode::OK, Json(check))
}

async fn database_check(state: &AppState) -> HealthResponse {
    match state.app.database_ready().await {
        true => {
            let check = HealthCheck {
                status: "ok",
                info: Some(BTreeMap::from([("database", up())])),
                error: Some(BTreeMap::new()),
                details: BTreeMap::from([("database", up())]),
            };
            (StatusCode::OK, Json(check))
        }
        false => {
            let down = || Indicator {
                status: "down",
                message: Some("The database does not answer.".into()),
            };
            let check = HealthCheck {
                status: "error",
                info: Some(BTreeMap::new()),
                error: Some(BTreeMap::from([("database", down())])),
                details: BTreeMap::from([("database", down())]),
            };
            (StatusCode::SERVICE_UNAVAILABLE, Json(check))
        }
    }
}

/// Overall health, including the database.
#[utoipa::path(get, path = "/health", operation_id = "liveness[0]", tag = "Health",
    responses(
        (status = 200, description = "The Health Check is successful", body = HealthCheck),
        (status = 503, description = "The Health Check is not successful", body = HealthCheck),
    ))]
async fn health(State(state): State<AppState>) -> HealthResponse {
    database_check(&state).await
}

/// Liveness: the process is up.
#[utoipa::path(get, path = "/health/live", operation_id = "liveness[1]", tag = "Health",
    responses(
        (status = 200, description = "The Health Check is successful", body = HealthCheck),
        (status = 503, description = "The Health Check is not successful", body = HealthCheck),
    ))]
async fn liveness() -> HealthResponse {
    alive()
}

/// Readiness: the database answers, so requests can be served.
#[utoipa::path(get, path = "/health/ready", operation_id = "readiness", tag = "Health",
    responses(
        (status = 200, description = "The Health Check is successful", body = HealthCheck),
        (status = 503, description = "The Health Check is not successful", body = HealthCheck),
    ))]
async fn readiness(State(state): State<AppState>) -> HealthResponse {
    database_check(&state).await
}
