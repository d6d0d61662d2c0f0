//! Access requests: their types and states, the form submission they carry, what the review flow makes of them,
//! and the keys that let a store find the requests a person may decide without evaluating every flow.

mod facts;
mod review;
pub mod risk;
mod submission;
#[cfg(test)]
mod tests;

pub use facts::Facts;
pub use review::{Decision, PlannedRecord, Progress, RecordState, criteria_met, decide, progress};
pub use submission::Submission;

use crate::access::Person;
use crate::permissions::DomainPermission;
use crate::review_flow::Approver;

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}
pub(crate) use wire_enum;

wire_enum!(
    /// What a request asks for: the product's data, or unmasked values of some masked columns.
    RequestType { DataAccess => "DATA_ACCESS", MaskingException => "MASKING_EXCEPTION" }
);

wire_enum!(
    /// The states a stored request moves through. (`NONE` and `PUBLISHER` describe a caller's relation to a
    /// product, never a request.)
    RequestStatus {
        Pending => "PENDING",
        Approved => "APPROVED",
        Denied => "DENIED",
        Canceled => "CANCELED",
        Revoked => "REVOKED",
        Expired => "EXPIRED",
    }
);

wire_enum!(
    /// The states of one approval record.
    RecordStatus {
        Pending => "PENDING",
        Blocked => "BLOCKED",
        Approved => "APPROVED",
        Denied => "DENIED",
        Canceled => "CANCELED",
    }
);

wire_enum!(
    /// What happened to a request, as its history keeps it.
    RequestEvent {
        Submitted => "SUBMITTED",
        AutoApproved => "AUTO_APPROVED",
        AutoDenied => "AUTO_DENIED",
        RecordApproved => "RECORD_APPROVED",
        RecordDenied => "RECORD_DENIED",
        Approved => "APPROVED",
        Denied => "DENIED",
        Canceled => "CANCELED",
        Revoked => "REVOKED",
        Expired => "EXPIRED",
    }
);

impl RequestStatus {
    /// Whether the request is decided for good.
    pub fn is_final(self) -> bool {
        !matches!(self, RequestStatus::Pending | RequestStatus::Approved)
    }
}

/// The keys under which an approver criterion is filed. A person may decide a record when one of
/// [`person_keys`] equals one of its approvers' keys; a domain permission without a domain is filed once per
/// domain of the product or asset. Catalog permissions match nobody here.
pub fn approver_keys(approver: &Approver, target_domains: &[String]) -> Vec<String> {
    match approver {
        Approver::User { id, .. } => vec![format!("user:{}", id.to_lowercase())],
        Approver::Group { id: Some(id), .. } => vec![format!("group:{}", id.0)],
        Approver::Group { id: None, name, .. } => vec![format!("group-name:{name}")],
        Approver::Permission { permission } => vec![format!("permission:{}", permission.as_str())],
        Approver::DomainPermission {
            permission,
            domain_id: Some(domain),
        } => vec![domain_key(domain, *permission)],
        Approver::DomainPermission {
            permission,
            domain_id: None,
        } => target_domains
            .iter()
            .map(|domain| domain_key(domain, *permission))
            .collect(),
        Approver::Attribute { key, value } => vec![format!("attribute:{key}={value}")],
        Approver::CatalogPermission {} => Vec::new(),
    }
}

/// The key of a permission held in a domain: how those who hold it are found.
pub fn domain_key(domain: &str, permission: DomainPermission) -> String {
    format!("domain:{domain}:{}", permission.as_str())
}

/// Every key under which a person meets an approver criterion, from what they hold now.
pub fn person_keys(person: &Person) -> Vec<String> {
    let mut keys = vec![format!("user:{}", person.global_user_id)];
    for (id, name) in &person.groups {
        keys.push(format!("group:{id}"));
        keys.push(format!("group-name:{name}"));
    }
    keys.extend(
        person
            .permissions
            .iter()
            .map(|permission| format!("permission:{}", permission.as_str())),
    );
    keys.extend(
        person
            .domain_permissions
            .iter()
            .map(|(domain, permission)| domain_key(domain, *permission)),
    );
    for (key, values) in &person.attributes {
        keys.extend(values.iter().map(|value| format!("attribute:{key}={value}")));
    }
    keys
}
