use super::*;
use crate::Timestamp;
use crate::ids::{AgreementId, FormId, GlobalUserId, RecordId};
use crate::permissions::{DomainPermission, GlobalPermission};
use crate::request_form::{AgreementText, AuditUser, FieldOption, FormField, FormSnapshot};
use crate::review_flow::{DurationUnit, ReviewFlow};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

mod risk_assessment;

const REASON: Uuid = Uuid::from_u128(1);
const TEAM: Uuid = Uuid::from_u128(2);
const TOOLS: Uuid = Uuid::from_u128(3);
const HOW_LONG: Uuid = Uuid::from_u128(4);
const AGREEMENT: Uuid = Uuid::from_u128(5);

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn options(values: &[&str]) -> Vec<FieldOption> {
    values
        .iter()
        .map(|value| FieldOption { value: (*value).into() })
        .collect()
}

fn form(policy: Value) -> FormSnapshot {
    FormSnapshot {
        id: FormId(Uuid::from_u128(9)),
        name: "Sales access".into(),
        fields: vec![
            FormField::ShortAnswer {
                id: REASON,
                label: "Why?".into(),
                required: true,
            },
            FormField::Dropdown {
                id: TEAM,
                label: "Team".into(),
                required: true,
                options: options(&["Marketing", "Sales"]),
            },
            FormField::Checkboxes {
                id: TOOLS,
                label: "Tools".into(),
                required: false,
                options: options(&["SQL", "BI"]),
            },
            FormField::AccessDuration {
                id: HOW_LONG,
                label: crate::request_form::ACCESS_DURATION_LABEL.into(),
                required: true,
            },
        ],
        policy: serde_json::from_value(policy).unwrap(),
        data_use_agreements: vec![AgreementText {
            id: AgreementId(AGREEMENT),
            name: "Acceptable use".into(),
            body: "Be careful.".into(),
        }],
        created_by: AuditUser::system(),
        created_at: at("2026-01-01T00:00:00.000Z"),
        updated_by: AuditUser::system(),
        updated_at: at("2026-01-01T00:00:00.000Z"),
        version: "v1".into(),
    }
}

fn review_by_governance() -> Value {
    json!({"rules": [], "defaultEvent": {"type": "review", "params": {"stages": [
        {"any": [{"type": "PERMISSION", "permission": "GOVERNANCE"}]}]}}})
}

fn good_answers() -> Value {
    json!({"answers": [
        {"fieldId": REASON, "value": "Quarterly report"},
        {"fieldId": TEAM, "value": "Sales"},
        {"fieldId": TOOLS, "value": ["SQL"]},
        {"fieldId": HOW_LONG, "value": {"duration": 30.0, "durationUnit": "DAYS"}}],
        "acceptedDataUseAgreementIds": [AGREEMENT]})
}

#[test]
fn a_complete_submission_is_kept_with_its_chosen_duration() {
    let submission = Submission::check(Some(&good_answers()), &form(review_by_governance())).unwrap();
    assert_eq!(submission.duration, Some((30, DurationUnit::Days)));
    assert_eq!(submission.answers[&TEAM], json!("Sales"));
    assert_eq!(submission.to_value()["acceptedDataUseAgreementIds"], json!([AGREEMENT]));
    assert_eq!(submission.answers_fact()[TEAM.to_string()], json!("Sales"));
}

#[test]
fn every_bad_answer_is_named() {
    let bad = json!({"answers": [
        {"fieldId": REASON, "value": "  "},
        {"fieldId": TEAM, "value": "Legal"},
        {"fieldId": TOOLS, "value": ["SQL", "Excel"]},
        {"fieldId": HOW_LONG, "value": {"duration": 0, "durationUnit": "DAYS"}},
        {"fieldId": Uuid::from_u128(77), "value": "x"}]});
    let problems = Submission::check(Some(&bad), &form(review_by_governance())).unwrap_err();
    let expected = [
        "form.answers: the form has no question 00000000-0000-0000-0000-00000000004d",
        "\"Why?\" must be answered",
        "`Legal` is not one of the options",
        "`Excel` is not one of the options",
        "duration must be at least 1",
        "the data use agreement \"Acceptable use\"",
    ];
    assert_eq!(problems.len(), expected.len(), "{problems:?}");
    for (problem, expected) in problems.iter().zip(expected) {
        assert!(problem.contains(expected), "{problem} should say {expected}");
    }
    assert!(Submission::check(None, &form(review_by_governance())).is_err());
    let unknown_key = json!({"answers": [], "extra": 1});
    assert!(Submission::check(Some(&unknown_key), &form(review_by_governance())).unwrap_err()[0].starts_with("form:"));
}

#[test]
fn arrays_are_not_read_as_objects() {
    let form = form(review_by_governance());
    let positional = [
        (json!([[], [AGREEMENT]]), "form must be an object"),
        (
            json!({"answers": [[REASON, "Quarterly report"]], "acceptedDataUseAgreementIds": [AGREEMENT]}),
            "form.answers[0] must be an object",
        ),
    ];
    for (submission, expected) in positional {
        assert_eq!(
            Submission::check(Some(&submission), &form),
            Err(vec![expected.to_owned()])
        );
    }
    let mut duration = good_answers();
    duration["answers"][3]["value"] = json!([30, "DAYS"]);
    let problems = Submission::check(Some(&duration), &form).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with(&format!("form.answers[{HOW_LONG}]: must be")),
        "{problems:?}"
    );
}

fn person(groups: &[(i64, &str)], attributes: &[(&str, &str)]) -> Person {
    Person {
        global_user_id: GlobalUserId(Uuid::from_u128(100)),
        permissions: BTreeSet::from([GlobalPermission::Audit]),
        domain_permissions: BTreeSet::from([("sales".to_owned(), DomainPermission::ManageDataProducts)]),
        groups: groups.iter().map(|(id, name)| (*id, (*name).to_owned())).collect(),
        attributes: attributes
            .iter()
            .map(|(key, value)| ((*key).to_owned(), vec![(*value).to_owned()]))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn facts_for<'a>(requester: &'a Person, domains: &'a [String]) -> Facts<'a> {
    Facts {
        requester,
        user: requester,
        request_type: RequestType::DataAccess,
        answers: json!({}),
        target_id: "product-1",
        domains,
    }
}

#[test]
fn keys_agree_with_the_matching_rules() {
    let casey = person(&[(7, "Analysts")], &[("Department", "Sales")]);
    let domains = vec!["sales".to_owned(), "finance".to_owned()];
    let approvers: Vec<Approver> = serde_json::from_value(json!([
        {"type": "USER", "id": Uuid::from_u128(100).to_string().to_uppercase()},
        {"type": "USER", "id": "someone"},
        {"type": "GROUP", "id": 7, "name": "renamed"},
        {"type": "GROUP", "name": "Analysts"},
        {"type": "GROUP", "name": "Stewards"},
        {"type": "PERMISSION", "permission": "AUDIT"},
        {"type": "PERMISSION", "permission": "GOVERNANCE"},
        {"type": "DOMAIN PERMISSION", "permission": "Manage Data Products"},
        {"type": "DOMAIN PERMISSION", "permission": "Manage Data Products", "domainId": "finance"},
        {"type": "ATTRIBUTE", "key": "Department", "value": "Sales"},
        {"type": "ATTRIBUTE", "key": "Department", "value": "Legal"},
        {"type": "CATALOG PERMISSION"}
    ]))
    .unwrap();
    let held = person_keys(&casey);
    for approver in &approvers {
        let by_key = approver_keys(approver, &domains).iter().any(|key| held.contains(key));
        assert_eq!(by_key, casey.matches(approver, &domains), "{approver:?}");
    }
    assert_eq!(criteria_met(&casey, &approvers, &domains).len(), 6);
}

#[test]
fn stages_become_records_that_wait_on_the_stage_before() {
    let flow = json!({"rules": [], "defaultEvent": {"type": "review", "params": {"stages": [
        {"all": [{"type": "USER", "id": "a"}, {"type": "USER", "id": "b"}]},
        {"any": [{"type": "PERMISSION", "permission": "GOVERNANCE"}, {"type": "USER", "id": "c"}]}]}}});
    let casey = person(&[], &[]);
    let flow: ReviewFlow = serde_json::from_value(flow).unwrap();
    let now = at("2026-03-01T00:00:00.000Z");
    let Decision::Review(records) = decide(&flow, &flow, &facts_for(&casey, &[]), None, now) else {
        panic!("a review flow reviews");
    };
    assert_eq!(records.len(), 3, "one per approver of `all`, one for `any`");
    assert_eq!(records[0].status, RecordStatus::Pending);
    assert!(records[0].prerequisites.is_empty() && records[1].prerequisites.is_empty());
    assert_eq!(records[2].status, RecordStatus::Blocked);
    assert_eq!(
        records[2].prerequisites,
        vec![records[0].id.clone(), records[1].id.clone()]
    );
    assert_eq!(records[2].approvers.len(), 2);
}

#[test]
fn a_delegating_form_uses_the_target_flow_and_the_chosen_duration() {
    let delegate: ReviewFlow =
        serde_json::from_value(json!({"rules": [], "defaultEvent": {"type": "dataProductPolicy"}})).unwrap();
    let approve_analysts: ReviewFlow = serde_json::from_value(json!({"rules": [
        {"conditions": {"all": [{"fact": "requester", "path": "$.groups", "operator": "contains", "value": "Analysts"}]},
         "event": {"type": "approve", "params": {"comment": "analysts are trusted"}}}],
        "defaultEvent": {"type": "deny", "params": {"comment": "no"}}}))
    .unwrap();
    let now = at("2026-03-01T00:00:00.000Z");
    let analyst = person(&[(7, "Analysts")], &[]);
    assert_eq!(
        decide(
            &delegate,
            &approve_analysts,
            &facts_for(&analyst, &[]),
            Some((2, DurationUnit::Weeks)),
            now
        ),
        Decision::Approved {
            reason: "analysts are trusted".into(),
            expiration: Some(at("2026-03-15T00:00:00.000Z")),
        }
    );
    let other = person(&[], &[]);
    assert_eq!(
        decide(&delegate, &approve_analysts, &facts_for(&other, &[]), None, now),
        Decision::Denied { reason: "no".into() }
    );
    let fixed: ReviewFlow = serde_json::from_value(json!({"rules": [], "defaultEvent": {"type": "approve",
        "params": {"duration": 3, "durationUnit": "MONTHS"}}}))
    .unwrap();
    assert_eq!(
        decide(
            &fixed,
            &fixed,
            &facts_for(&other, &[]),
            Some((1, DurationUnit::Days)),
            now
        ),
        Decision::Approved {
            reason: "Approved automatically by the review flow.".into(),
            expiration: Some(at("2026-06-01T00:00:00.000Z")),
        },
        "the rule's own duration wins over the requester's answer"
    );
}

fn state(id: &str, status: RecordStatus, prerequisites: &[&str], ends: Option<&str>) -> RecordState {
    RecordState {
        id: id.into(),
        status,
        prerequisites: prerequisites.iter().map(|id| RecordId::from(*id)).collect(),
        ends: ends.map(at),
    }
}

#[test]
fn determinations_add_up() {
    use RecordStatus::*;
    let open = [
        state("a", Approved, &[], Some("2026-05-01T00:00:00.000Z")),
        state("b", Pending, &[], None),
        state("c", Blocked, &["a", "b"], None),
    ];
    assert_eq!(progress(&open), Progress::Open { unblocked: vec![] });
    let unblocking = [
        state("a", Approved, &[], None),
        state("b", Approved, &[], None),
        state("c", Blocked, &["a", "b"], None),
    ];
    assert_eq!(
        progress(&unblocking),
        Progress::Open {
            unblocked: vec!["c".into()]
        }
    );
    let denied = [
        state("a", Approved, &[], None),
        state("b", Denied, &[], None),
        state("c", Blocked, &["a", "b"], None),
    ];
    assert_eq!(progress(&denied), Progress::Denied);
    let approved = [
        state("a", Approved, &[], Some("2026-05-01T00:00:00.000Z")),
        state("b", Approved, &[], Some("2026-04-01T00:00:00.000Z")),
        state("c", Approved, &["a", "b"], None),
    ];
    assert_eq!(
        progress(&approved),
        Progress::Approved {
            expiration: Some(at("2026-04-01T00:00:00.000Z"))
        },
        "the earliest temporary end"
    );
}

#[test]
fn statuses_read_and_write_the_wire_names() {
    for status in RequestStatus::ALL {
        assert_eq!(RequestStatus::parse(status.as_str()), Some(*status));
    }
    assert_eq!(RecordStatus::parse("BLOCKED"), Some(RecordStatus::Blocked));
    assert_eq!(RequestType::parse("COLUMNS"), None);
    assert!(RequestStatus::Revoked.is_final() && !RequestStatus::Approved.is_final());
}
