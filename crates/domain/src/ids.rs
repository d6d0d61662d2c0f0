//! Identifiers: cuid2 where the reference types an id `cuid`, UUID v7 (sortable by time) where it says `uuid`,
//! numbers for users, groups and data sources as the reference has them. Each kind of id has its own type, so
//! that a product id cannot be passed where a request id is expected, nor a user's number where a tenant is.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// An id type around the value that carries it.
macro_rules! id {
    ($(#[$meta:meta])* $name:ident(Uuid)) => {
        id!(@type $(#[$meta])* $name(Uuid), Copy);
        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(text).map($name)
            }
        }
    };
    ($(#[$meta:meta])* $name:ident(i64)) => {
        id!(@type $(#[$meta])* $name(i64), Copy);
    };
    ($(#[$meta:meta])* $name:ident(String)) => {
        id!(@type $(#[$meta])* $name(String));
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                $name(text.to_owned())
            }
        }
    };
    (@type $(#[$meta:meta])* $name:ident($inner:ty) $(, $copy:ident)?) => {
        $(#[$meta])*
        #[derive(Debug, Clone, $($copy,)? PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<$inner> for $name {
            fn from(value: $inner) -> Self {
                $name(value)
            }
        }
    };
}

id!(
    /// A tenant: one organisation's users, catalog and requests.
    TenantId(Uuid)
);
id!(
    /// A user within a tenant, by the number the directory gives them.
    UserId(i64)
);
id!(
    /// A user across tenants and segments (`globalUserId`), as tokens and approvers name them.
    GlobalUserId(Uuid)
);
id!(
    /// A data product (a cuid).
    ProductId(String)
);
id!(
    /// An access request (a cuid).
    RequestId(String)
);
id!(
    /// An approval record of an access request (a cuid).
    RecordId(String)
);
id!(
    /// A request form.
    FormId(Uuid)
);
id!(
    /// A data use agreement.
    AgreementId(Uuid)
);
id!(
    /// A webhook.
    WebhookId(Uuid)
);

/// A new collision-resistant id, for fields the reference types `cuid`.
pub fn new_cuid() -> String {
    cuid2::create_id()
}

/// A new UUID, for fields the reference types `uuid`.
pub fn new_uuid() -> Uuid {
    Uuid::now_v7()
}

/// Whether `text` looks like a cuid (2): lowercase letters and digits, starting with a letter.
pub fn is_cuid(text: &str) -> bool {
    (2..=32).contains(&text.len())
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuids_look_like_cuids() {
        let id = new_cuid();
        assert!(is_cuid(&id), "{id}");
        assert_ne!(new_cuid(), id);
        assert!(!is_cuid("1abc"));
        assert!(!is_cuid("ABC"));
    }
}
