//! Pure types and rules of the marketplace: no I/O, no HTTP, no SQL.

pub mod access;
pub mod access_request;
pub mod catalog;
pub mod directory;
pub mod ids;
pub mod notifications;
pub mod number;
pub mod pagination;
pub mod permissions;
pub mod problem;
pub mod provisioning;
pub mod request_form;
pub mod review_flow;
pub mod segment;
pub mod text;
pub mod timestamp;

pub use permissions::{DomainPermission, GlobalPermission};
pub use segment::Segment;
pub use timestamp::Timestamp;
