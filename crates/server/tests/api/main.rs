//! The API, exercised over HTTP against a real server and a real database (SQLite by default, PostgreSQL when
//! `MARKETPLACE_TEST_DATABASE_URL` is set).

mod agreements;
mod asset_requests;
mod assets;
mod authentication;
mod cli;
mod company;
mod directory;
mod directory_props;
mod errors;
mod forms;
mod health;
mod helpers;
mod hostile_clients;
mod large_directory;
mod masking;
mod metadata;
mod notifications;
mod openapi;
mod openapi_snapshot;
mod pagination_props;
mod product_changes;
mod product_notifications;
mod product_search;
mod products;
mod quickstart;
mod request_races;
mod request_revocation;
mod request_rules;
mod requests;
mod risk;
mod tenancy;
mod tokens;
mod webhooks;
