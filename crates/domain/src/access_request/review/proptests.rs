//! Properties of deciding a request and adding up its determinations, over generated flows, facts and events.

use super::*;
use crate::access::Person;
use crate::access_request::RequestType;
use crate::ids::{GlobalUserId, RecordId};
use crate::number::Whole;
use crate::permissions::{DomainPermission, GlobalPermission};
use crate::review_flow::proptests::{Shape, any_shape, condition};
use crate::review_flow::{ApproveParams, DenyParams, ReviewParams, Rule};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::json;
use std::collections::BTreeSet;
use uuid::Uuid;

fn any_person() -> impl Strategy<Value = Person> {
    (
        any::<u128>(),
        prop::collection::btree_set(prop::sample::select(GlobalPermission::ALL), 0..3),
        prop::collection::btree_set(("[a-c]", prop::sample::select(DomainPermission::ALL)), 0..3),
        prop::collection::btree_set((1i64..5, "[A-Z][a-z]{0,5}"), 0..3),
        prop::collection::btree_map("[A-Z][a-z]{0,5}", prop::collection::vec("[a-z]{1,4}", 1..3), 0..3),
    )
        .prop_map(|(id, permissions, domain_permissions, groups, attributes)| Person {
            global_user_id: GlobalUserId(Uuid::from_u128(id)),
            permissions,
            domain_permissions,
            groups,
            attributes,
        })
}

fn any_unit() -> impl Strategy<Value = DurationUnit> {
    prop::sample::select(vec![
        DurationUnit::Hours,
        DurationUnit::Days,
        DurationUnit::Weeks,
        DurationUnit::Months,
        DurationUnit::Years,
    ])
}

fn any_approver() -> BoxedStrategy<Approver> {
    prop_oneof![
        "[a-z0-9-]{1,8}".prop_map(|id| Approver::User { id, display_name: None }),
        (prop::option::of(1u32..5), "[A-Z][a-z]{0,5}").prop_map(|(id, name)| Approver::Group {
            id: id.map(Whole),
            iam_id: None,
            name
        }),
        prop::sample::select(vec![GlobalPermission::Governance, GlobalPermission::Audit])
            .prop_map(|permission| Approver::Permission { permission }),
        (prop::sample::select(DomainPermission::ALL), prop::option::of("[a-c]"))
            .prop_map(|(permission, domain_id)| Approver::DomainPermission { permission, domain_id }),
        ("[A-Z][a-z]{0,5}", "[a-z]{1,4}").prop_map(|(key, value)| Approver::Attribute { key, value }),
    ]
    .boxed()
}

fn any_stages() -> impl Strategy<Value = Vec<Stage>> {
    let approvers = prop::collection::vec(any_approver(), 1..4);
    prop::collection::vec(
        prop_oneof![approvers.clone().prop_map(Stage::Any), approvers.prop_map(Stage::All)],
        1..4,
    )
}

/// An event a flow may end in; `dataProductPolicy` only where `delegating`.
fn any_event(delegating: bool) -> BoxedStrategy<Event> {
    let approve = (
        prop::option::of("[a-z ]{1,8}"),
        prop::option::of((1u32..1000, any_unit())),
    )
        .prop_map(|(comment, duration)| Event::Approve {
            params: ApproveParams {
                comment,
                duration: duration.map(|(amount, _)| Whole(amount)),
                duration_unit: duration.map(|(_, unit)| unit),
            },
        });
    let deny = prop::option::of("[a-z ]{1,8}").prop_map(|comment| Event::Deny {
        params: DenyParams { comment },
    });
    let review = any_stages().prop_map(|stages| Event::Review {
        params: ReviewParams { stages },
    });
    match delegating {
        true => prop_oneof![approve, deny, review, Just(Event::DataProductPolicy)].boxed(),
        false => prop_oneof![approve, deny, review].boxed(),
    }
}

/// A flow's rules, each with whether its conditions are to hold for the request at hand.
type Plan = (Vec<(bool, Shape, Event)>, Event);

fn any_plan(delegating: bool) -> impl Strategy<Value = Plan> {
    (
        prop::collection::vec((any::<bool>(), any_shape(), any_event(delegating)), 0..4),
        any_event(delegating),
    )
}

fn build(plan: &Plan, facts: &serde_json::Value) -> ReviewFlow {
    ReviewFlow {
        version: None,
        rules: plan
            .0
            .iter()
            .map(|(truth, shape, event)| Rule {
                conditions: condition(shape, *truth, facts),
                event: event.clone(),
            })
            .collect(),
        default_event: plan.1.clone(),
    }
}

/// The event the specification says decides: the first rule meant to hold, else the default.
fn expected_event(plan: &Plan) -> &Event {
    plan.0
        .iter()
        .find(|(truth, ..)| *truth)
        .map_or(&plan.1, |(_, _, event)| event)
}

/// The records a review makes, as the specification lists them: stage by stage, one for an `any` stage, one per
/// approver of an `all` stage.
fn expected_records(stages: &[Stage]) -> Vec<(usize, Vec<Approver>)> {
    stages
        .iter()
        .enumerate()
        .flat_map(|(stage, entry)| match entry {
            Stage::Any(approvers) => vec![(stage, approvers.clone())],
            Stage::All(approvers) => approvers.iter().map(|one| (stage, vec![one.clone()])).collect(),
        })
        .collect()
}

fn check_review(records: &[PlannedRecord], stages: &[Stage]) -> Result<(), TestCaseError> {
    let expected = expected_records(stages);
    prop_assert_eq!(records.len(), expected.len());
    let ids: BTreeSet<&str> = records.iter().map(|record| record.id.as_str()).collect();
    prop_assert_eq!(ids.len(), records.len(), "record ids are unique");
    for (record, (stage, approvers)) in records.iter().zip(&expected) {
        prop_assert_eq!(&record.approvers, approvers);
        let before: Vec<RecordId> = records
            .iter()
            .zip(&expected)
            .filter(|(_, (other, _))| stage.checked_sub(1) == Some(*other))
            .map(|(previous, _)| previous.id.clone())
            .collect();
        prop_assert_eq!(&record.prerequisites, &before);
        let status = if *stage == 0 {
            RecordStatus::Pending
        } else {
            RecordStatus::Blocked
        };
        prop_assert_eq!(record.status, status);
    }
    Ok(())
}

fn check_decision(
    decision: &Decision,
    event: &Event,
    chosen: Option<(u32, DurationUnit)>,
    now: Timestamp,
) -> Result<(), TestCaseError> {
    match (event, decision) {
        (Event::Approve { params }, Decision::Approved { reason, expiration }) => {
            prop_assert_eq!(reason, params.comment.as_deref().unwrap_or(AUTO_APPROVED));
            let duration = match (params.duration, params.duration_unit) {
                (Some(Whole(amount)), Some(unit)) => Some((amount, unit)),
                _ => chosen,
            };
            let hours = |amount: u32, unit| match unit {
                DurationUnit::Hours => Some(i64::from(amount)),
                DurationUnit::Days => Some(i64::from(amount) * 24),
                DurationUnit::Weeks => Some(i64::from(amount) * 24 * 7),
                DurationUnit::Months | DurationUnit::Years => None,
            };
            match duration {
                None => prop_assert_eq!(*expiration, None),
                Some((amount, unit)) => match hours(amount, unit) {
                    Some(hours) => prop_assert_eq!(*expiration, Some(now.plus_seconds(hours * 3600))),
                    // Calendar arithmetic has tests of its own; here it must be the chosen one's.
                    None => prop_assert_eq!(*expiration, unit.after(amount, now)),
                },
            }
        }
        (Event::Deny { params }, Decision::Denied { reason }) => {
            prop_assert_eq!(reason, params.comment.as_deref().unwrap_or(AUTO_DENIED));
        }
        (Event::Review { params }, Decision::Review(records)) => check_review(records, &params.stages)?,
        (event, decision) => prop_assert!(false, "{event:?} decided as {decision:?}"),
    }
    Ok(())
}

proptest! {
    #[test]
    fn a_request_is_decided_as_its_flow_says(
        requester in any_person(),
        user in any_person(),
        masking: bool,
        domains in prop::collection::vec("[a-c]", 0..3),
        form_plan in any_plan(true),
        target_plan in any_plan(false),
        chosen in prop::option::of((1u32..1000, any_unit())),
        now_millis in 0i64..4_102_444_800_000,
    ) {
        let facts = Facts {
            requester: &requester,
            user: &user,
            request_type: if masking { RequestType::MaskingException } else { RequestType::DataAccess },
            answers: json!({}),
            target_id: "product",
            domains: &domains,
        };
        let values = facts.to_value();
        let (form, target) = (build(&form_plan, &values), build(&target_plan, &values));
        let now = Timestamp::from_millis(now_millis);
        let decision = decide(&form, &target, &facts, chosen, now);
        let mut event = expected_event(&form_plan);
        if *event == Event::DataProductPolicy {
            event = expected_event(&target_plan);
        }
        check_decision(&decision, event, chosen, now)?;
    }

    #[test]
    fn progress_follows_the_determinations(
        statuses in prop::collection::vec(prop::sample::select(RecordStatus::ALL), 1..8),
        prerequisites in prop::collection::vec(prop::collection::vec(0usize..9, 0..4), 8),
        ends in prop::collection::vec(prop::option::of(0i64..1_000_000), 8),
    ) {
        let records: Vec<RecordState> = statuses
            .iter()
            .enumerate()
            .map(|(index, status)| RecordState {
                id: RecordId::from(format!("r{index}")),
                status: *status,
                // Index 8 names no record of the request.
                prerequisites: prerequisites[index].iter().map(|other| RecordId::from(format!("r{other}"))).collect(),
                ends: ends[index].map(Timestamp::from_millis),
            })
            .collect();
        let status_of = |id: &RecordId| records.iter().find(|record| &record.id == id).map(|record| record.status);
        let expected = if statuses.contains(&RecordStatus::Denied) {
            Progress::Denied
        } else if statuses.iter().all(|status| *status == RecordStatus::Approved) {
            Progress::Approved { expiration: records.iter().filter_map(|record| record.ends).min() }
        } else {
            Progress::Open {
                unblocked: records
                    .iter()
                    .filter(|record| record.status == RecordStatus::Blocked)
                    .filter(|record| record.prerequisites.iter().all(|id| status_of(id) == Some(RecordStatus::Approved)))
                    .map(|record| record.id.clone())
                    .collect(),
            }
        };
        prop_assert_eq!(progress(&records), expected);
    }

    #[test]
    fn a_review_walked_to_its_end_unblocks_stage_after_stage(
        stages in any_stages(),
        steps in prop::collection::vec((any::<Index>(), prop::option::of(1i64..1000), prop::bool::weighted(0.1)), 12),
    ) {
        let planned = plan_records(&stages);
        let stage_of: Vec<usize> = expected_records(&stages).into_iter().map(|(stage, _)| stage).collect();
        let mut records: Vec<RecordState> = planned
            .iter()
            .map(|record| RecordState {
                id: record.id.clone(),
                status: record.status,
                prerequisites: record.prerequisites.clone(),
                ends: None,
            })
            .collect();
        for (pick, hours, deny) in steps.iter().cycle().take(records.len()) {
            let pending: Vec<usize> =
                (0..records.len()).filter(|at| records[*at].status == RecordStatus::Pending).collect();
            prop_assert!(!pending.is_empty(), "an open review always has a pending record");
            let at = *pick.get(&pending);
            if *deny {
                records[at].status = RecordStatus::Denied;
                prop_assert_eq!(progress(&records), Progress::Denied);
                return Ok(());
            }
            records[at].status = RecordStatus::Approved;
            records[at].ends = hours.map(|hours| Timestamp::from_millis(hours * 3_600_000));
            let approved = |stage: usize| {
                records.iter().zip(&stage_of).all(|(record, of)| *of != stage || record.status == RecordStatus::Approved)
            };
            let stage = stage_of[at];
            let unblocked: Vec<RecordId> = match approved(stage) {
                true => records.iter().zip(&stage_of).filter(|(_, of)| **of == stage + 1).map(|(r, _)| r.id.clone()).collect(),
                false => Vec::new(),
            };
            match progress(&records) {
                Progress::Approved { expiration } => {
                    prop_assert!(records.iter().all(|record| record.status == RecordStatus::Approved));
                    prop_assert_eq!(expiration, records.iter().filter_map(|record| record.ends).min());
                    return Ok(());
                }
                Progress::Open { unblocked: actual } => {
                    prop_assert_eq!(&actual, &unblocked);
                    for record in records.iter_mut().filter(|record| actual.contains(&record.id)) {
                        record.status = RecordStatus::Pending;
                    }
                }
                Progress::Denied => prop_assert!(false, "nothing was denied"),
            }
        }
        prop_assert!(false, "every record approved must approve the request");
    }
}
