//! Review assist without a model (DESIGN §2 "Risk assessment"): the cohort is the past manual determinations on
//! the same product or asset for users who share a group or an attribute with the user who would get access.
//! Consistent approvals are low risk, mixed outcomes moderate, denials or no similar users high; no history at
//! all is indeterminate.

use super::RecordStatus;
use crate::access::Person;
use std::collections::BTreeSet;

/// One past manual determination, and what its user held when assessed.
#[derive(Debug, Clone, PartialEq)]
pub struct PastDetermination {
    pub approved: bool,
    pub groups: BTreeSet<String>,
    pub attributes: BTreeSet<(String, String)>,
    pub reason: Option<String>,
    /// From the request to its determination.
    pub days_to_decision: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Risk {
    Low,
    Moderate,
    High,
    Indeterminate,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "LOW",
            Risk::Moderate => "MODERATE",
            Risk::High => "HIGH",
            Risk::Indeterminate => "INDETERMINATE",
        }
    }
}

/// What the user shares with the cohort: `{name, value}` for an attribute, `{name}` for a group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Literal {
    Group { name: String },
    Attribute { name: String, value: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub risk: Risk,
    /// `None` when the history supports no recommendation (`NONE` on the wire).
    pub recommendation: Option<RecordStatus>,
    pub conflict_detected: bool,
    pub n_allowed: u64,
    pub n_denied: u64,
    /// The share of similar users denied; 1 when nobody is similar.
    pub risk_value: f64,
    pub literals: Vec<Literal>,
    pub median_days_to_approval: Option<f64>,
    pub explanation: String,
    pub approval_reasons: Vec<String>,
    pub denial_reasons: Vec<String>,
}

/// How many distinct reasons of each kind an assessment quotes.
const REASONS_QUOTED: usize = 5;

/// Assesses giving `user` access from `history`, newest first.
pub fn assess(user: &Person, history: &[PastDetermination]) -> Assessment {
    let groups: BTreeSet<&String> = user.groups.iter().map(|(_, name)| name).collect();
    let attributes: BTreeSet<(String, String)> = user
        .attributes
        .iter()
        .flat_map(|(key, values)| values.iter().map(move |value| (key.clone(), value.clone())))
        .collect();
    let mut literals = BTreeSet::new();
    let mut similar = Vec::new();
    for past in history {
        let shared_groups: Vec<&String> = past.groups.iter().filter(|group| groups.contains(group)).collect();
        let shared_attributes: Vec<&(String, String)> = past.attributes.intersection(&attributes).collect();
        if shared_groups.is_empty() && shared_attributes.is_empty() {
            continue;
        }
        literals.extend(
            shared_groups
                .into_iter()
                .map(|name| Literal::Group { name: name.clone() }),
        );
        literals.extend(shared_attributes.into_iter().map(|(name, value)| Literal::Attribute {
            name: name.clone(),
            value: value.clone(),
        }));
        similar.push(past);
    }
    let n_allowed = similar.iter().filter(|past| past.approved).count() as u64;
    let n_denied = similar.len() as u64 - n_allowed;
    let (risk, recommendation) = match (history.is_empty(), n_allowed, n_denied) {
        (true, ..) => (Risk::Indeterminate, None),
        (false, 0, 0) => (Risk::High, None),
        (false, _, 0) => (Risk::Low, Some(RecordStatus::Approved)),
        (false, 0, _) => (Risk::High, Some(RecordStatus::Denied)),
        (false, ..) => (Risk::Moderate, None),
    };
    let total = n_allowed + n_denied;
    let risk_value = match total {
        0 => 1.0,
        _ => n_denied as f64 / total as f64,
    };
    let reasons = |approved: bool| {
        let mut seen = Vec::new();
        for reason in similar
            .iter()
            .filter(|past| past.approved == approved)
            .filter_map(|past| past.reason.as_ref())
        {
            if !seen.contains(reason) && seen.len() < REASONS_QUOTED {
                seen.push(reason.clone());
            }
        }
        seen
    };
    let mut days: Vec<f64> = similar
        .iter()
        .filter(|past| past.approved)
        .map(|past| past.days_to_decision)
        .collect();
    days.sort_by(f64::total_cmp);
    let median_days_to_approval = match days.len() {
        0 => None,
        n if n % 2 == 1 => Some(days[n / 2]),
        n => Some((days[n / 2 - 1] + days[n / 2]) / 2.0),
    };
    Assessment {
        explanation: explain(risk, history.len(), n_allowed, n_denied),
        risk,
        recommendation,
        conflict_detected: n_allowed > 0 && n_denied > 0,
        n_allowed,
        n_denied,
        risk_value,
        literals: literals.into_iter().collect(),
        median_days_to_approval,
        approval_reasons: reasons(true),
        denial_reasons: reasons(false),
    }
}

fn explain(risk: Risk, history: usize, allowed: u64, denied: u64) -> String {
    match risk {
        Risk::Indeterminate => "No manual determination has been made on this product or asset yet, so there is no \
                                history to compare this request with."
            .into(),
        Risk::High if allowed + denied == 0 => format!(
            "None of the {history} users with past manual determinations here shares a group or an attribute with \
             this user, so the request cannot be compared with similar ones."
        ),
        Risk::High => format!(
            "All {denied} similar users (sharing a group or an attribute with this user) were denied access here."
        ),
        Risk::Low => {
            format!("All {allowed} similar users (sharing a group or an attribute with this user) were approved here.")
        }
        Risk::Moderate => format!(
            "Similar users (sharing a group or an attribute with this user) had mixed outcomes here: {allowed} \
             approved and {denied} denied."
        ),
    }
}
