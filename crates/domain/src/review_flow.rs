//! Review flows: who decides an access request, or whether it is decided automatically. The grammar is the
//! reference's (`rules` of json-rules-engine `conditions` and an `event`, then a `defaultEvent`); a flow is
//! checked when it is saved, so a saved flow can always be evaluated.

mod duration;
mod evaluate;
#[cfg(feature = "openapi")]
mod schema;
#[cfg(feature = "openapi")]
pub use schema::ApproverPermission;

pub use evaluate::holds;

use crate::number::Whole;
use crate::permissions::{DomainPermission, GlobalPermission};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;

/// The facts a condition may name.
pub const FACTS: &[&str] = &["requester", "user", "requestType", "answers", "dataProduct"];
/// The operators a condition may use.
pub const OPERATORS: &[&str] = &[
    "equal",
    "notEqual",
    "in",
    "notIn",
    "contains",
    "doesNotContain",
    "lessThan",
    "lessThanInclusive",
    "greaterThan",
    "greaterThanInclusive",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewFlow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub rules: Vec<Rule>,
    pub default_event: Event,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// A json-rules-engine condition tree, kept as written.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub conditions: Value,
    pub event: Event,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", deny_unknown_fields)]
pub enum Event {
    /// Approve at once, for `duration` `durationUnit`s or for good.
    #[serde(rename = "approve")]
    Approve { params: ApproveParams },
    #[serde(rename = "deny")]
    Deny {
        #[serde(default)]
        params: DenyParams,
    },
    /// Manual review, stage after stage.
    #[serde(rename = "review")]
    Review { params: ReviewParams },
    /// Use the data product's (or asset's) own flow ("Delegate").
    #[serde(rename = "dataProductPolicy")]
    DataProductPolicy,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApproveParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// With `durationUnit`. Stricter than Immuta's document: a whole number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<f64>, minimum = 1, maximum = 4_294_967_295_u32, multiple_of = 1.0)
    )]
    pub duration: Option<Whole>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_unit: Option<DurationUnit>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DenyParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewParams {
    /// Stricter than Immuta's document: at least one stage.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub stages: Vec<Stage>,
}

/// One stage of a manual review: `any` — one approval from any listed approver suffices; `all` — every listed
/// approver must approve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Stage {
    #[serde(rename = "all")]
    All(Vec<Approver>),
    #[serde(rename = "any")]
    Any(Vec<Approver>),
}

impl Stage {
    pub fn approvers(&self) -> &[Approver] {
        match self {
            Stage::All(approvers) | Stage::Any(approvers) => approvers,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DurationUnit {
    Hours,
    Days,
    Weeks,
    Months,
    Years,
}

/// Who may decide: a steward source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", deny_unknown_fields)]
pub enum Approver {
    /// A user, by global user id.
    #[serde(rename = "USER")]
    User {
        /// Stricter than Immuta's document: must not be blank.
        #[cfg_attr(feature = "openapi", schema(min_length = 1, pattern = r"[^\s\u0085]"))]
        id: String,
        #[serde(rename = "displayName", default, skip_serializing_if = "Option::is_none")]
        display_name: Option<String>,
    },
    #[serde(rename = "GROUP")]
    Group {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<Whole>,
        #[serde(rename = "iamId", default, skip_serializing_if = "Option::is_none")]
        iam_id: Option<String>,
        name: String,
    },
    #[serde(rename = "PERMISSION")]
    Permission {
        #[cfg_attr(feature = "openapi", schema(value_type = ApproverPermission, inline))]
        permission: GlobalPermission,
    },
    /// A domain permission; without `domainId`, in the domain of the product being requested.
    #[serde(rename = "DOMAIN PERMISSION")]
    DomainPermission {
        permission: DomainPermission,
        #[serde(rename = "domainId", default, skip_serializing_if = "Option::is_none")]
        domain_id: Option<String>,
    },
    #[serde(rename = "ATTRIBUTE")]
    Attribute {
        /// Stricter than Immuta's document: must not be blank.
        #[cfg_attr(feature = "openapi", schema(min_length = 1, pattern = r"[^\s\u0085]"))]
        key: String,
        value: String,
    },
    #[serde(rename = "CATALOG PERMISSION")]
    CatalogPermission {},
}

/// Where a flow is saved, which decides the events its default may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowOwner {
    /// A request form's `policy`: any event may be the default.
    RequestForm,
    /// A data product's or asset's own flow: the default approves or reviews.
    Target,
}

/// The directory records a flow names, to be checked for existence where the directory is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct References {
    pub users: BTreeSet<String>,
    pub groups: BTreeSet<String>,
    pub domains: BTreeSet<String>,
}

impl ReviewFlow {
    /// The reference's default: manual review by anyone with `GOVERNANCE` or `Manage Data Products` in the
    /// product's domain.
    pub fn default_for_target() -> Self {
        ReviewFlow {
            version: None,
            rules: Vec::new(),
            default_event: Event::Review {
                params: ReviewParams {
                    stages: vec![Stage::Any(vec![
                        Approver::Permission {
                            permission: GlobalPermission::Governance,
                        },
                        Approver::DomainPermission {
                            permission: DomainPermission::ManageDataProducts,
                            domain_id: None,
                        },
                    ])],
                },
            },
        }
    }

    fn events(&self) -> impl Iterator<Item = (String, &Event)> {
        self.rules
            .iter()
            .enumerate()
            .map(|(index, rule)| (format!("rules[{index}].event"), &rule.event))
            .chain(std::iter::once(("defaultEvent".to_owned(), &self.default_event)))
    }

    /// Everything wrong with the flow's shape, each message prefixed by `field` and the path inside the flow.
    pub fn problems(&self, field: &str, owner: FlowOwner) -> Vec<String> {
        let mut problems = Vec::new();
        for (index, rule) in self.rules.iter().enumerate() {
            check_condition(
                &rule.conditions,
                &format!("{field}.rules[{index}].conditions"),
                &mut problems,
            );
        }
        for (path, event) in self.events() {
            check_event(event, &format!("{field}.{path}"), &mut problems);
        }
        let default_allowed = match (owner, &self.default_event) {
            (FlowOwner::RequestForm, _) => true,
            (FlowOwner::Target, Event::Approve { .. } | Event::Review { .. }) => true,
            (FlowOwner::Target, _) => false,
        };
        if !default_allowed {
            problems.push(format!("{field}.defaultEvent must be of type approve or review"));
        }
        if owner == FlowOwner::Target && self.rules.iter().any(|rule| rule.event == Event::DataProductPolicy) {
            problems.push(format!(
                "{field}.rules: dataProductPolicy can only be used on a request form"
            ));
        }
        problems
    }

    /// Every approver criterion of every review event of the flow.
    pub fn approvers(&self) -> impl Iterator<Item = &Approver> {
        self.events().flat_map(|(_, event)| match event {
            Event::Review { params } => params.stages.iter().flat_map(Stage::approvers).collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    }

    /// The users, groups and domains the flow's approvers name.
    pub fn references(&self) -> References {
        let mut references = References::default();
        for approver in self.approvers() {
            match approver {
                Approver::User { id, .. } => {
                    references.users.insert(id.clone());
                }
                Approver::Group { id, name, .. } => {
                    references
                        .groups
                        .insert(id.map_or_else(|| name.clone(), |id| id.0.to_string()));
                }
                Approver::DomainPermission {
                    domain_id: Some(domain),
                    ..
                } => {
                    references.domains.insert(domain.clone());
                }
                _ => {}
            }
        }
        references
    }
}

fn check_event(event: &Event, path: &str, problems: &mut Vec<String>) {
    match event {
        Event::Approve { params } => {
            if params.duration.is_some_and(|duration| duration.0 < 1) {
                problems.push(format!("{path}.params.duration must not be less than 1"));
            }
            if params.duration.is_some() != params.duration_unit.is_some() {
                problems.push(format!("{path}.params: duration and durationUnit go together"));
            }
        }
        Event::Review { params } => {
            if params.stages.is_empty() {
                problems.push(format!("{path}.params.stages must contain at least 1 elements"));
            }
            for (index, stage) in params.stages.iter().enumerate() {
                let stage_path = format!("{path}.params.stages[{index}]");
                if stage.approvers().is_empty() {
                    problems.push(format!("{stage_path} must name at least 1 approver"));
                }
                for approver in stage.approvers() {
                    match approver {
                        Approver::Permission {
                            permission: GlobalPermission::ApplicationAdmin,
                        } => problems.push(format!(
                            "{stage_path}: permission must be one of GOVERNANCE, USER_ADMIN, AUDIT"
                        )),
                        Approver::User { id, .. } if id.trim().is_empty() => {
                            problems.push(format!("{stage_path}: a USER approver needs an id"))
                        }
                        Approver::Group { name, id: None, .. } if name.trim().is_empty() => {
                            problems.push(format!("{stage_path}: a GROUP approver needs a name or an id"))
                        }
                        Approver::Attribute { key, .. } if key.trim().is_empty() => {
                            problems.push(format!("{stage_path}: an ATTRIBUTE approver needs a key"))
                        }
                        _ => {}
                    }
                }
            }
        }
        Event::Deny { .. } | Event::DataProductPolicy => {}
    }
}

/// Checks a json-rules-engine condition: nested `all` / `any` / `not` over leaves `{fact, operator, value, path?}`.
fn check_condition(condition: &Value, path: &str, problems: &mut Vec<String>) {
    let Some(object) = condition.as_object() else {
        problems.push(format!("{path} must be an object"));
        return;
    };
    if let Some(all) = object.get("all").or_else(|| object.get("any")) {
        let key = if object.contains_key("all") { "all" } else { "any" };
        if object.len() != 1 {
            problems.push(format!("{path} must have `{key}` alone"));
        }
        match all.as_array() {
            Some(items) => {
                for (index, item) in items.iter().enumerate() {
                    check_condition(item, &format!("{path}.{key}[{index}]"), problems);
                }
            }
            None => problems.push(format!("{path}.{key} must be an array")),
        }
        return;
    }
    if let Some(inner) = object.get("not") {
        if object.len() != 1 {
            problems.push(format!("{path} must have `not` alone"));
        }
        check_condition(inner, &format!("{path}.not"), problems);
        return;
    }
    match object.get("fact").and_then(Value::as_str) {
        Some(fact) if FACTS.contains(&fact) => {}
        Some(fact) => problems.push(format!("{path}.fact `{fact}` is unknown (facts: {})", FACTS.join(", "))),
        None => problems.push(format!("{path} needs a fact, or all / any / not")),
    }
    match object.get("operator").and_then(Value::as_str) {
        Some(operator) if OPERATORS.contains(&operator) => {}
        Some(operator) => problems.push(format!(
            "{path}.operator `{operator}` is unknown (operators: {})",
            OPERATORS.join(", ")
        )),
        None => problems.push(format!("{path} needs an operator")),
    }
    if !object.contains_key("value") {
        problems.push(format!("{path} needs a value"));
    }
    if let Some(json_path) = object.get("path")
        && !json_path.as_str().is_some_and(evaluate::is_json_path)
    {
        problems.push(format!("{path}.path must be a JSONPath such as $.groups"));
    }
    for key in object.keys() {
        if !["fact", "operator", "value", "path", "params", "name", "priority"].contains(&key.as_str()) {
            problems.push(format!("{path}: unknown key `{key}`"));
        }
    }
}

#[cfg(test)]
pub(crate) mod proptests;
#[cfg(test)]
mod tests;
