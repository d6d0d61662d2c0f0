//! One module per API tag. Handlers parse and authorise, call the store, and map the result.

pub mod agreements;
pub mod auth;
pub mod forms;
pub mod health;
mod listing;
pub mod metadata;
pub mod settings;
