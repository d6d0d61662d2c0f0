//! Deciding a request with a review flow: the first rule whose conditions hold gives the event, else the
//! default event does. Conditions follow json-rules-engine: `all` / `any` / `not` over leaves
//! `{fact, operator, value, path?}`, where `path` is a JSONPath into the fact.

use super::{Event, ReviewFlow};
use serde_json::Value;
use serde_json_path::JsonPath;

impl ReviewFlow {
    /// The event that decides a request whose facts are `facts`: an object with the keys `requester`, `user`,
    /// `requestType`, `answers` and `dataProduct`.
    pub fn decide(&self, facts: &Value) -> &Event {
        self.rules
            .iter()
            .find(|rule| holds(&rule.conditions, facts))
            .map_or(&self.default_event, |rule| &rule.event)
    }
}

/// Whether a condition holds for the facts. A condition that names what the facts lack does not hold.
pub fn holds(condition: &Value, facts: &Value) -> bool {
    if let Some(all) = condition.get("all").and_then(Value::as_array) {
        return all.iter().all(|inner| holds(inner, facts));
    }
    if let Some(any) = condition.get("any").and_then(Value::as_array) {
        return any.iter().any(|inner| holds(inner, facts));
    }
    if let Some(inner) = condition.get("not") {
        return !holds(inner, facts);
    }
    let Some(fact) = condition.get("fact").and_then(Value::as_str) else {
        return false;
    };
    let mut actual = facts.get(fact).cloned().unwrap_or(Value::Null);
    if let Some(path) = condition.get("path").and_then(Value::as_str) {
        actual = JsonPath::parse(path)
            .ok()
            .and_then(|path| path.query(&actual).first().cloned())
            .unwrap_or(Value::Null);
    }
    let expected = condition.get("value").unwrap_or(&Value::Null);
    let operator = condition.get("operator").and_then(Value::as_str).unwrap_or_default();
    compare(operator, &actual, expected)
}

fn compare(operator: &str, actual: &Value, expected: &Value) -> bool {
    let numbers = || actual.as_f64().zip(expected.as_f64());
    match operator {
        "equal" => actual == expected,
        "notEqual" => actual != expected,
        "in" => expected.as_array().is_some_and(|list| list.contains(actual)),
        "notIn" => expected.as_array().is_some_and(|list| !list.contains(actual)),
        "contains" => actual.as_array().is_some_and(|list| list.contains(expected)),
        "doesNotContain" => actual.as_array().is_some_and(|list| !list.contains(expected)),
        "lessThan" => numbers().is_some_and(|(a, b)| a < b),
        "lessThanInclusive" => numbers().is_some_and(|(a, b)| a <= b),
        "greaterThan" => numbers().is_some_and(|(a, b)| a > b),
        "greaterThanInclusive" => numbers().is_some_and(|(a, b)| a >= b),
        _ => false,
    }
}

/// Whether `path` is a JSONPath this engine can evaluate.
pub fn is_json_path(path: &str) -> bool {
    JsonPath::parse(path).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts() -> Value {
        json!({
            "requester": {"groups": ["Sales Stewards"], "attributes": {"Department": ["Sales"]}, "permissions": []},
            "user": {"groups": [], "attributes": {"Clearance": ["Internal"]}, "permissions": []},
            "requestType": "DATA_ACCESS",
            "answers": {"6f1c1b9e-1111-4a8e-9a51-000000000002": "Marketing", "days": 30},
            "dataProduct": {"id": "p1", "domains": ["sales"]}
        })
    }

    fn flow(rules: Value) -> ReviewFlow {
        serde_json::from_value(
            json!({"rules": rules, "defaultEvent": {"type": "review", "params": {"stages": [
            {"any": [{"type": "PERMISSION", "permission": "GOVERNANCE"}]}]}}}),
        )
        .unwrap()
    }

    #[test]
    fn the_first_rule_that_holds_decides() {
        let flow = flow(json!([
            {"conditions": {"all": [{"fact": "requester", "path": "$.groups", "operator": "contains", "value": "Finance"}]},
             "event": {"type": "deny", "params": {"comment": "first"}}},
            {"conditions": {"all": [{"fact": "requester", "path": "$.groups", "operator": "contains", "value": "Sales Stewards"},
                                     {"not": {"fact": "requestType", "operator": "equal", "value": "MASKING_EXCEPTION"}}]},
             "event": {"type": "approve", "params": {"comment": "second"}}},
            {"conditions": {"any": [{"fact": "requestType", "operator": "equal", "value": "DATA_ACCESS"}]},
             "event": {"type": "deny", "params": {"comment": "third"}}}
        ]));
        assert!(
            matches!(flow.decide(&facts()), Event::Approve { params } if params.comment.as_deref() == Some("second"))
        );
        assert!(
            matches!(flow.decide(&json!({})), Event::Review { .. }),
            "no facts: the default decides"
        );
    }

    #[test]
    fn every_operator_compares_as_json_rules_engine_does() {
        let cases = [
            (
                json!({"fact": "requestType", "operator": "notEqual", "value": "X"}),
                true,
            ),
            (
                json!({"fact": "requestType", "operator": "in", "value": ["DATA_ACCESS", "Y"]}),
                true,
            ),
            (
                json!({"fact": "requestType", "operator": "notIn", "value": ["DATA_ACCESS"]}),
                false,
            ),
            (
                json!({"fact": "user", "path": "$.attributes.Clearance", "operator": "doesNotContain", "value": "Secret"}),
                true,
            ),
            (
                json!({"fact": "answers", "path": "$.days", "operator": "lessThan", "value": 31}),
                true,
            ),
            (
                json!({"fact": "answers", "path": "$.days", "operator": "lessThanInclusive", "value": 30}),
                true,
            ),
            (
                json!({"fact": "answers", "path": "$.days", "operator": "greaterThan", "value": 30}),
                false,
            ),
            (
                json!({"fact": "answers", "path": "$.days", "operator": "greaterThanInclusive", "value": 30}),
                true,
            ),
            (
                json!({"fact": "answers", "path": "$['6f1c1b9e-1111-4a8e-9a51-000000000002']", "operator": "equal", "value": "Marketing"}),
                true,
            ),
            (
                json!({"fact": "dataProduct", "path": "$.domains", "operator": "contains", "value": "sales"}),
                true,
            ),
            (
                json!({"fact": "answers", "path": "$.missing", "operator": "greaterThan", "value": 1}),
                false,
            ),
            (
                json!({"fact": "requestType", "operator": "contains", "value": "DATA"}),
                false,
            ),
        ];
        for (condition, expected) in cases {
            assert_eq!(holds(&condition, &facts()), expected, "{condition}");
        }
        assert!(is_json_path("$.groups[0]"));
        assert!(!is_json_path("groups"));
    }
}
