use super::*;
use serde_json::json;

fn flow(value: Value) -> ReviewFlow {
    serde_json::from_value(value).expect("parses")
}

#[test]
fn the_default_round_trips_as_the_reference_writes_it() {
    let reference = json!({"rules": [], "defaultEvent": {"type": "review", "params": {"stages": [{"any": [
        {"type": "PERMISSION", "permission": "GOVERNANCE"},
        {"type": "DOMAIN PERMISSION", "permission": "Manage Data Products"}]}]}}});
    assert_eq!(
        serde_json::to_value(ReviewFlow::default_for_target()).unwrap(),
        reference
    );
    assert_eq!(flow(reference), ReviewFlow::default_for_target());
}

#[test]
fn accepts_a_rich_flow() {
    let rich = flow(json!({
        "rules": [
            {"conditions": {"all": [{"fact": "requester", "path": "$.groups", "operator": "contains", "value": "Sales Stewards"},
                                     {"not": {"fact": "requestType", "operator": "equal", "value": "MASKING_EXCEPTION"}}]},
             "event": {"type": "approve", "params": {"comment": "stewards", "duration": 30.0, "durationUnit": "DAYS"}}},
            {"conditions": {"any": [{"fact": "user", "operator": "in", "value": ["x"]}]}, "event": {"type": "deny"}}
        ],
        "defaultEvent": {"type": "review", "params": {"stages": [
            {"all": [{"type": "USER", "id": "0b8f2a64-3d4c-4f0e-9a51-6c2d7e8f9a01"}, {"type": "GROUP", "id": 1, "name": "Sales Stewards"}]},
            {"any": [{"type": "ATTRIBUTE", "key": "Department", "value": "Sales"},
                     {"type": "DOMAIN PERMISSION", "permission": "Manage Policies", "domainId": "d1"}]}]}}
    }));
    assert!(rich.problems("policy", FlowOwner::RequestForm).is_empty());
    assert!(rich.problems("policy", FlowOwner::Target).is_empty());
    let references = rich.references();
    assert!(references.users.contains("0b8f2a64-3d4c-4f0e-9a51-6c2d7e8f9a01"));
    assert!(references.groups.contains("1"));
    assert!(references.domains.contains("d1"));
    let written = serde_json::to_value(&rich).unwrap();
    assert_eq!(written["rules"][0]["event"]["params"]["duration"], json!(30));
}

#[test]
fn names_unknown_facts_operators_and_misplaced_events() {
    let bad = flow(json!({
        "rules": [{"conditions": {"all": [{"fact": "weather", "operator": "equal", "value": 1},
                                          {"fact": "user", "operator": "resembles", "value": 1}]},
                   "event": {"type": "dataProductPolicy"}}],
        "defaultEvent": {"type": "deny", "params": {}}
    }));
    let problems = bad.problems("dataAccessReviewFlow", FlowOwner::Target);
    assert_eq!(problems.len(), 4, "{problems:?}");
    assert!(problems[0].contains("dataAccessReviewFlow.rules[0].conditions.all[0].fact `weather`"));
    assert!(problems[1].contains("operator `resembles`"));
    assert!(
        problems
            .iter()
            .any(|p| p.contains("defaultEvent must be of type approve or review"))
    );
    assert!(bad.problems("policy", FlowOwner::RequestForm).len() == 2);
}

#[test]
fn refuses_empty_stages_and_half_durations() {
    let bad = flow(json!({"rules": [], "defaultEvent": {"type": "review", "params": {"stages": [{"any": []}]}}}));
    assert_eq!(bad.problems("policy", FlowOwner::RequestForm).len(), 1);
    let bad = flow(json!({"rules": [], "defaultEvent": {"type": "approve", "params": {"duration": 3}}}));
    assert_eq!(bad.problems("policy", FlowOwner::RequestForm).len(), 1);
    let bad = flow(
        json!({"rules": [], "defaultEvent": {"type": "approve", "params": {"duration": 0, "durationUnit": "DAYS"}}}),
    );
    assert_eq!(bad.problems("policy", FlowOwner::RequestForm).len(), 1);
    assert!(serde_json::from_value::<ReviewFlow>(json!({"rules": [], "defaultEvent": {"type": "maybe"}})).is_err());
}
