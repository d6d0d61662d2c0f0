//! What a review flow makes of a request at submission, and how the approval records' determinations add up to
//! the request's outcome (DESIGN §2 "Review flow" and "Determinations"), and who may make a determination.

use super::{RecordStatus, facts::Facts};
use crate::Timestamp;
use crate::access::Person;
use crate::ids::{RecordId, new_cuid};
use crate::review_flow::{Approver, DurationUnit, Event, ReviewFlow, Stage};

/// A request's fate at submission.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Approved at once by the system, with the rule's comment as the reason.
    Approved {
        reason: String,
        expiration: Option<Timestamp>,
    },
    Denied {
        reason: String,
    },
    /// Manual review through these approval records.
    Review(Vec<PlannedRecord>),
}

/// An approval record to create: who may decide it and which records must be approved first.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRecord {
    pub id: RecordId,
    pub approvers: Vec<Approver>,
    pub prerequisites: Vec<RecordId>,
    pub status: RecordStatus,
}

const AUTO_APPROVED: &str = "Approved automatically by the review flow.";
const AUTO_DENIED: &str = "Denied automatically by the review flow.";

/// Decides a request: the form's flow, or — when the form delegates — the product's or asset's own flow.
/// `chosen` is the requester's access-duration answer, used when an automatic approval sets no duration. A review
/// that names no approver could never end, so it is the default flow's review instead.
pub fn decide(
    form_policy: &ReviewFlow,
    target_policy: &ReviewFlow,
    facts: &Facts,
    chosen: Option<(u32, DurationUnit)>,
    now: Timestamp,
) -> Decision {
    match decide_by(form_policy, target_policy, facts, chosen, now) {
        Decision::Review(records) if records.is_empty() => {
            let default = ReviewFlow::default_for_target();
            decide_by(&default, &default, facts, chosen, now)
        }
        decision => decision,
    }
}

fn decide_by(
    form_policy: &ReviewFlow,
    target_policy: &ReviewFlow,
    facts: &Facts,
    chosen: Option<(u32, DurationUnit)>,
    now: Timestamp,
) -> Decision {
    let facts = facts.to_value();
    let mut event = form_policy.decide(&facts);
    if matches!(event, Event::DataProductPolicy) {
        event = target_policy.decide(&facts);
    }
    match event {
        Event::Approve { params } => {
            let duration = match (params.duration, params.duration_unit) {
                (Some(amount), Some(unit)) => Some((amount.0, unit)),
                _ => chosen,
            };
            Decision::Approved {
                reason: params.comment.clone().unwrap_or_else(|| AUTO_APPROVED.into()),
                expiration: duration.and_then(|(amount, unit)| unit.after(amount, now)),
            }
        }
        Event::Deny { params } => Decision::Denied {
            reason: params.comment.clone().unwrap_or_else(|| AUTO_DENIED.into()),
        },
        Event::Review { params } => Decision::Review(plan_records(&params.stages)),
        // A target's own flow may not delegate (checked when it is saved); should one, review as the default does.
        Event::DataProductPolicy => match ReviewFlow::default_for_target().default_event {
            Event::Review { params } => Decision::Review(plan_records(&params.stages)),
            _ => unreachable!("the default flow reviews"),
        },
    }
}

/// One record per `any` stage, one per approver of an `all` stage; a later stage's records wait (`BLOCKED`)
/// on every record of the stage before.
fn plan_records(stages: &[Stage]) -> Vec<PlannedRecord> {
    let mut records = Vec::new();
    let mut previous: Vec<RecordId> = Vec::new();
    for stage in stages.iter().filter(|stage| !stage.approvers().is_empty()) {
        let groups: Vec<Vec<Approver>> = match stage {
            Stage::Any(approvers) => vec![approvers.clone()],
            Stage::All(approvers) => approvers.iter().map(|approver| vec![approver.clone()]).collect(),
        };
        let status = match previous.is_empty() {
            true => RecordStatus::Pending,
            false => RecordStatus::Blocked,
        };
        let stage_records: Vec<PlannedRecord> = groups
            .into_iter()
            .map(|approvers| PlannedRecord {
                id: RecordId(new_cuid()),
                approvers,
                prerequisites: previous.clone(),
                status,
            })
            .collect();
        previous = stage_records.iter().map(|record| record.id.clone()).collect();
        records.extend(stage_records);
    }
    records
}

/// A record as the aggregation sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordState {
    pub id: RecordId,
    pub status: RecordStatus,
    pub prerequisites: Vec<RecordId>,
    /// When a temporary approval given on this record ends.
    pub ends: Option<Timestamp>,
}

/// Where a request stands after a determination.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// One record was denied: the request is denied and its open records are canceled.
    Denied,
    /// Every record approved: the request is approved until the earliest temporary end.
    Approved { expiration: Option<Timestamp> },
    /// Still open; these blocked records now have every prerequisite approved and become pending.
    Open { unblocked: Vec<RecordId> },
}

pub fn progress(records: &[RecordState]) -> Progress {
    if records.iter().any(|record| record.status == RecordStatus::Denied) {
        return Progress::Denied;
    }
    if records.iter().all(|record| record.status == RecordStatus::Approved) {
        return Progress::Approved {
            expiration: records.iter().filter_map(|record| record.ends).min(),
        };
    }
    let approved = |id: &RecordId| {
        records
            .iter()
            .any(|record| &record.id == id && record.status == RecordStatus::Approved)
    };
    Progress::Open {
        unblocked: records
            .iter()
            .filter(|record| record.status == RecordStatus::Blocked && record.prerequisites.iter().all(approved))
            .map(|record| record.id.clone())
            .collect(),
    }
}

#[cfg(test)]
mod proptests;

/// The approver criteria of a record that a person meets (`approverCriteriaMet`).
pub fn criteria_met(person: &Person, approvers: &[Approver], target_domains: &[String]) -> Vec<Approver> {
    approvers
        .iter()
        .filter(|approver| person.matches(approver, target_domains))
        .cloned()
        .collect()
}
