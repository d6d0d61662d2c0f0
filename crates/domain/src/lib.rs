//! Pure types and rules of the marketplace: no I/O, no HTTP, no SQL.

pub mod directory;
pub mod pagination;
pub mod permissions;
pub mod segment;
pub mod timestamp;

pub use permissions::{DomainPermission, GlobalPermission};
pub use segment::Segment;
pub use timestamp::Timestamp;
