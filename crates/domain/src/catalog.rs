//! Rules of the catalog: who may publish what, and what a data product may be called.

use crate::access::Person;
use crate::permissions::{DomainPermission, GlobalPermission};
use crate::review_flow::ReviewFlow;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;
use uuid::Uuid;

/// The reference's pattern for data product names: letters, marks, digits, spaces and `)(-_/\`.
static PRODUCT_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\p{L}\p{M}\p{N})(\-_/\\\s]*$").expect("the product name pattern compiles"));

pub fn product_name_problems(name: &str) -> Vec<String> {
    let mut problems = crate::request_form::name_problems(name);
    if problems.is_empty() && !PRODUCT_NAME.is_match(name) {
        problems.push("name may contain only letters, digits, spaces and the characters ) ( - _ / \\".to_owned());
    }
    problems
}

/// A data product's `metadata`: its optional subject matter expert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductMetadata {
    pub subject_matter_expert: SubjectMatterExpert,
}

/// Someone consumers and stewards can ask about a product or asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubjectMatterExpert {
    /// Global user id
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// How a caller relates to a data product (`roleFilter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// May manage it: `GOVERNANCE`, or `Manage Data Products` in its domains.
    Manager,
    /// Holds approved access to it.
    Member,
    /// Meets an approver criterion of one of its review flows.
    Steward,
    /// None of these.
    NoRole,
}

/// Publishing or managing a product takes `GOVERNANCE`, or `Manage Data Products` in every domain it spans.
pub fn can_manage_product<'a>(caller: &Person, domains: impl IntoIterator<Item = &'a str>) -> bool {
    caller.has(GlobalPermission::Governance)
        || domains
            .into_iter()
            .all(|domain| caller.has_in_domain(domain, DomainPermission::ManageDataProducts))
}

/// Overseeing the requests for a product — seeing them all, revoking the access they granted — takes
/// `GOVERNANCE` or `Manage Data Products` in *one* of the domains they are filed under. Changing the product itself
/// takes every domain ([`can_manage_product`]): a manager answers for the data of their own domain, so they follow
/// every request that reaches it, but may not reshape what another domain's managers also publish.
pub fn oversees_requests<'a>(caller: &Person, domains: impl IntoIterator<Item = &'a str>) -> bool {
    caller.has(GlobalPermission::Governance)
        || domains
            .into_iter()
            .any(|domain| caller.has_in_domain(domain, DomainPermission::ManageDataProducts))
}

/// Creating (or deleting) request forms and data use agreements takes `GOVERNANCE` or `Manage Data Products`
/// in some domain.
pub fn can_author_forms(caller: &Person) -> bool {
    caller.has(GlobalPermission::Governance) || caller.managed_domains().next().is_some()
}

/// Editing a form also lets the stewards its own review flow names.
pub fn can_edit_form(caller: &Person, policy: &ReviewFlow) -> bool {
    can_author_forms(caller) || policy.approvers().any(|approver| caller.matches(approver, &[]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_names_follow_the_reference_pattern() {
        assert!(product_name_problems("Ventes Été 2024 (EU) - A/B_c").is_empty());
        assert!(product_name_problems("日本の売上").is_empty());
        assert_eq!(product_name_problems("Sales; DROP TABLE").len(), 1);
        assert_eq!(product_name_problems("").len(), 1);
    }

    fn person(permissions: Vec<GlobalPermission>, domains: Vec<(&str, DomainPermission)>) -> Person {
        Person {
            permissions: permissions.into_iter().collect(),
            domain_permissions: domains.into_iter().map(|(d, p)| (d.to_owned(), p)).collect(),
            ..Person::new(crate::ids::GlobalUserId(uuid::Uuid::nil()))
        }
    }

    #[test]
    fn managing_a_product_needs_every_domain() {
        let dana = person(vec![], vec![("sales", DomainPermission::ManageDataProducts)]);
        assert!(can_manage_product(&dana, ["sales"]));
        assert!(!can_manage_product(&dana, ["sales", "finance"]));
        assert!(can_author_forms(&dana));
        let admin = person(vec![GlobalPermission::Governance], vec![]);
        assert!(can_manage_product(&admin, ["sales", "finance"]));
        assert!(
            oversees_requests(&dana, ["sales", "finance"]),
            "one of the domains is enough to oversee"
        );
        assert!(!oversees_requests(&dana, ["finance"]));
        let casey = person(vec![], vec![]);
        assert!(!can_author_forms(&casey));
        assert!(!can_edit_form(&casey, &ReviewFlow::default_for_target()));
    }
}
