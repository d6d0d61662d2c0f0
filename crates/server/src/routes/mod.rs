//! One module per API tag. Handlers parse and authorise, call the store, and map the result.

pub mod auth;
pub mod health;
pub mod metadata;
pub mod settings;
