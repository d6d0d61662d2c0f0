//! A person as the rules see them: who they are, what they hold, and which approver criteria they meet.

use crate::ids::GlobalUserId;
use crate::permissions::{DomainPermission, GlobalPermission};
use crate::review_flow::Approver;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub global_user_id: GlobalUserId,
    pub permissions: BTreeSet<GlobalPermission>,
    /// Held directly or through a group.
    pub domain_permissions: BTreeSet<(String, DomainPermission)>,
    /// Groups by id and name.
    pub groups: BTreeSet<(i64, String)>,
    pub attributes: BTreeMap<String, Vec<String>>,
}

impl Person {
    /// Someone who holds nothing yet.
    pub fn new(global_user_id: GlobalUserId) -> Self {
        Person {
            global_user_id,
            permissions: BTreeSet::new(),
            domain_permissions: BTreeSet::new(),
            groups: BTreeSet::new(),
            attributes: BTreeMap::new(),
        }
    }

    pub fn has(&self, permission: GlobalPermission) -> bool {
        self.permissions.contains(&permission)
    }

    pub fn has_in_domain(&self, domain_id: &str, permission: DomainPermission) -> bool {
        self.domain_permissions
            .iter()
            .any(|(domain, held)| domain == domain_id && *held == permission)
    }

    /// The domains where the person holds `Manage Data Products`.
    pub fn managed_domains(&self) -> impl Iterator<Item = &str> {
        self.domain_permissions
            .iter()
            .filter(|(_, permission)| *permission == DomainPermission::ManageDataProducts)
            .map(|(domain, _)| domain.as_str())
    }

    /// Whether the person meets an approver criterion. A domain permission without a domain means that
    /// permission in one of `target_domains` (the domains of the product or asset at hand).
    pub fn matches(&self, approver: &Approver, target_domains: &[String]) -> bool {
        match approver {
            Approver::User { id, .. } => id.eq_ignore_ascii_case(&self.global_user_id.to_string()),
            Approver::Group { id, name, .. } => self
                .groups
                .iter()
                .any(|(group_id, group_name)| id.map_or(group_name == name, |id| i64::from(id.0) == *group_id)),
            Approver::Permission { permission } => self.has(*permission),
            Approver::DomainPermission {
                permission,
                domain_id: Some(domain),
            } => self.has_in_domain(domain, *permission),
            Approver::DomainPermission {
                permission,
                domain_id: None,
            } => target_domains
                .iter()
                .any(|domain| self.has_in_domain(domain, *permission)),
            Approver::Attribute { key, value } => self
                .attributes
                .get(key)
                .is_some_and(|values| values.iter().any(|held| held == value)),
            // Catalog permissions live in external catalogs this deployment does not read.
            Approver::CatalogPermission {} => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::Whole;

    fn sam() -> Person {
        Person {
            global_user_id: "2daf4c86-5f6e-4b20-9c73-8e4f9a0b1c23".parse().unwrap(),
            groups: BTreeSet::from([(1, "Sales Stewards".to_owned())]),
            domain_permissions: BTreeSet::from([("sales".to_owned(), DomainPermission::ManagePolicies)]),
            attributes: BTreeMap::from([("Department".to_owned(), vec!["Sales".to_owned()])]),
            ..Person::new(GlobalUserId(uuid::Uuid::nil()))
        }
    }

    #[test]
    fn matches_each_kind_of_approver() {
        let sam = sam();
        let user = |id: &str| Approver::User {
            id: id.into(),
            display_name: None,
        };
        assert!(sam.matches(&user("2DAF4C86-5F6E-4B20-9C73-8E4F9A0B1C23"), &[]));
        assert!(!sam.matches(&user("someone-else"), &[]));
        let by_name = Approver::Group {
            id: None,
            iam_id: None,
            name: "Sales Stewards".into(),
        };
        let by_id = Approver::Group {
            id: Some(Whole(1)),
            iam_id: None,
            name: "renamed".into(),
        };
        assert!(sam.matches(&by_name, &[]) && sam.matches(&by_id, &[]));
        let in_product_domain = Approver::DomainPermission {
            permission: DomainPermission::ManagePolicies,
            domain_id: None,
        };
        assert!(sam.matches(&in_product_domain, &["sales".into()]));
        assert!(!sam.matches(&in_product_domain, &["finance".into()]));
        let attribute = Approver::Attribute {
            key: "Department".into(),
            value: "Sales".into(),
        };
        assert!(sam.matches(&attribute, &[]));
        let governance = Approver::Permission {
            permission: GlobalPermission::Governance,
        };
        assert!(!sam.matches(&governance, &[]));
    }
}
