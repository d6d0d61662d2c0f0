//! The marketplace server: the axum application, authentication, the OpenAPI document and the command line.

pub mod app;
pub mod auth;
pub mod cli;
pub mod connections;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod logging;
pub mod metrics;
pub mod openapi;
pub mod pagination;
pub mod routes;
pub mod web;
pub mod webhook_delivery;

/// The demo tenant's directory, shipped in the binary so `quickstart` works from any directory.
pub const DEMO_DIRECTORY: &str = include_str!("../../../examples/directory.yaml");
