use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Tenant-wide permissions granted in the governance directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GlobalPermission {
    ApplicationAdmin,
    Audit,
    Governance,
    UserAdmin,
}

/// Permissions held within one domain ("collection" in the governance app).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DomainPermission {
    #[serde(rename = "Audit Activity")]
    AuditActivity,
    #[serde(rename = "Manage Data Products")]
    ManageDataProducts,
    #[serde(rename = "Manage Identifiers")]
    ManageIdentifiers,
    #[serde(rename = "Manage Policies")]
    ManagePolicies,
}

macro_rules! string_enum {
    ($ty:ty, $($variant:ident => $text:literal),+ $(,)?) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$(<$ty>::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(<$ty>::$variant => $text),+ }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(<$ty>::$variant),)+
                    other => Err(format!(
                        "unknown permission `{other}` (expected one of: {})",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

string_enum!(GlobalPermission,
    ApplicationAdmin => "APPLICATION_ADMIN",
    Audit => "AUDIT",
    Governance => "GOVERNANCE",
    UserAdmin => "USER_ADMIN",
);

string_enum!(DomainPermission,
    AuditActivity => "Audit Activity",
    ManageDataProducts => "Manage Data Products",
    ManageIdentifiers => "Manage Identifiers",
    ManagePolicies => "Manage Policies",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms_match_serde_forms() {
        for permission in GlobalPermission::ALL {
            let json = serde_json::to_string(permission).unwrap();
            assert_eq!(json, format!("\"{}\"", permission.as_str()));
            assert_eq!(permission.as_str().parse::<GlobalPermission>().unwrap(), *permission);
        }
        for permission in DomainPermission::ALL {
            let json = serde_json::to_string(permission).unwrap();
            assert_eq!(json, format!("\"{}\"", permission.as_str()));
            assert_eq!(permission.as_str().parse::<DomainPermission>().unwrap(), *permission);
        }
    }
}
