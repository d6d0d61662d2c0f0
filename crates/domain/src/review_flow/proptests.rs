//! Properties of review flows over arbitrary input: validation never panics and names every problem under the
//! field it was given; conditions built to hold (or not) against generated facts evaluate so, whatever their
//! shape; the first rule that holds decides, else the default event.

use super::*;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::json;

/// Any JSON value, small.
pub(crate) fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[a-z$.\\[\\]' ]{0,8}".prop_map(Value::from),
        prop::sample::select(FACTS).prop_map(Value::from),
        prop::sample::select(OPERATORS).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        let keys = prop_oneof![
            prop::sample::select(vec![
                "all", "any", "not", "fact", "operator", "value", "path", "type", "params"
            ])
            .prop_map(str::to_owned),
            "[a-z]{1,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            prop::collection::btree_map(keys, inner, 0..5).prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Facts as a request presents them: `requester`, `user`, `requestType`, `answers`, `dataProduct`.
pub(crate) fn any_facts() -> impl Strategy<Value = Value> {
    let person = (
        prop::collection::btree_set("[A-Z][a-z]{0,6}( [A-Z][a-z]{0,4})?", 0..4),
        prop::collection::btree_map("[A-Za-z]{1,8}", prop::collection::vec("[a-z]{1,5}", 0..3), 0..3),
        prop::collection::btree_set(prop::sample::select(vec!["GOVERNANCE", "AUDIT", "USER_ADMIN"]), 0..3),
    )
        .prop_map(|(groups, attributes, permissions)| {
            json!({"groups": groups, "attributes": attributes, "permissions": permissions})
        });
    let answer = prop_oneof![
        "[a-z ]{0,8}".prop_map(Value::from),
        (-1000i64..1000).prop_map(Value::from),
        prop::collection::vec("[a-z]{1,4}", 0..3).prop_map(Value::from),
        (1u32..100, prop::sample::select(vec!["DAYS", "WEEKS"]))
            .prop_map(|(duration, unit)| json!({"duration": duration, "durationUnit": unit})),
    ];
    (
        person.clone(),
        person,
        prop::sample::select(vec!["DATA_ACCESS", "MASKING_EXCEPTION"]),
        prop::collection::btree_map(
            any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).to_string()),
            answer,
            0..4,
        ),
        "[a-z0-9]{1,8}",
        prop::collection::vec("[a-z]{1,6}", 0..3),
    )
        .prop_map(|(requester, user, request_type, answers, id, domains)| {
            json!({"requester": requester, "user": user, "requestType": request_type, "answers": answers,
                   "dataProduct": {"id": id, "domains": domains}})
        })
}

/// The shape of a condition, to be filled in against particular facts with a truth value decided beforehand.
#[derive(Debug, Clone)]
pub(crate) enum Shape {
    /// A leaf: which observable fact, which way of comparing it.
    Leaf(Index, Index),
    All(Vec<(bool, Shape)>),
    Any(Vec<(bool, Shape)>),
    Not(Box<Shape>),
}

pub(crate) fn any_shape() -> impl Strategy<Value = Shape> {
    let leaf = (any::<Index>(), any::<Index>()).prop_map(|(fact, way)| Shape::Leaf(fact, way));
    leaf.prop_recursive(3, 16, 4, |inner| {
        let children = prop::collection::vec((any::<bool>(), inner.clone()), 0..4);
        prop_oneof![
            children.clone().prop_map(Shape::All),
            children.prop_map(Shape::Any),
            inner.prop_map(|shape| Shape::Not(Box::new(shape))),
        ]
    })
}

/// A value no generated fact holds.
fn foreign() -> Value {
    json!({"not": "in the facts"})
}

/// What a condition can read from the facts: (fact, JSONPath, the value found there).
fn observable(facts: &Value) -> Vec<(&'static str, Option<String>, Value)> {
    let mut found = vec![("requestType", None, facts["requestType"].clone())];
    for fact in ["requester", "user"] {
        for key in ["groups", "permissions"] {
            found.push((fact, Some(format!("$.{key}")), facts[fact][key].clone()));
        }
        for (key, values) in facts[fact]["attributes"].as_object().into_iter().flatten() {
            found.push((fact, Some(format!("$.attributes['{key}']")), values.clone()));
        }
    }
    for (id, answer) in facts["answers"].as_object().into_iter().flatten() {
        found.push(("answers", Some(format!("$['{id}']")), answer.clone()));
    }
    found.push(("dataProduct", Some("$.id".into()), facts["dataProduct"]["id"].clone()));
    found.push((
        "dataProduct",
        Some("$.domains".into()),
        facts["dataProduct"]["domains"].clone(),
    ));
    found
}

/// A leaf comparison that holds (or not, as `truth` says) for `actual`: (operator, value).
fn comparison(actual: &Value, truth: bool, way: Index) -> (&'static str, Value) {
    let mut ways: Vec<(&'static str, Value)> = match truth {
        true => vec![
            ("equal", actual.clone()),
            ("notEqual", foreign()),
            ("in", json!([foreign(), actual])),
            ("notIn", json!([foreign()])),
        ],
        false => vec![
            ("equal", foreign()),
            ("notEqual", actual.clone()),
            ("in", json!([foreign()])),
            ("notIn", json!([actual])),
        ],
    };
    if let Some(items) = actual.as_array() {
        ways.push(match truth {
            true => ("doesNotContain", foreign()),
            false => ("contains", foreign()),
        });
        if let Some(item) = items.first() {
            ways.push(match truth {
                true => ("contains", item.clone()),
                false => ("doesNotContain", item.clone()),
            });
        }
    }
    if let Some(number) = actual.as_i64() {
        ways.extend(match truth {
            true => [
                ("lessThanInclusive", json!(number)),
                ("greaterThanInclusive", json!(number)),
                ("lessThan", json!(number + 1)),
                ("greaterThan", json!(number - 1)),
            ],
            false => [
                ("lessThan", json!(number)),
                ("greaterThan", json!(number)),
                ("lessThanInclusive", json!(number - 1)),
                ("greaterThanInclusive", json!(number + 1)),
            ],
        });
    }
    way.get(&ways).clone()
}

/// Fills `shape` in so that it holds exactly when `truth` is true for `facts`.
pub(crate) fn condition(shape: &Shape, truth: bool, facts: &Value) -> Value {
    match shape {
        Shape::Leaf(fact, way) => {
            let facts_seen = observable(facts);
            let (name, path, actual) = fact.get(&facts_seen);
            let (operator, value) = comparison(actual, truth, *way);
            let mut leaf = json!({"fact": name, "operator": operator, "value": value});
            if let Some(path) = path {
                leaf["path"] = json!(path);
            }
            leaf
        }
        Shape::All(children) | Shape::Any(children) => {
            let is_all = matches!(shape, Shape::All(_));
            let mut truths: Vec<bool> = children.iter().map(|(bit, _)| *bit).collect();
            // `all` holds when every child does; `any` when one does. Force the children to agree with `truth`.
            match (is_all, truth) {
                (true, true) => truths.iter_mut().for_each(|t| *t = true),
                (false, false) => truths.iter_mut().for_each(|t| *t = false),
                (true, false) if truths.iter().all(|t| *t) => match truths.first_mut() {
                    Some(first) => *first = false,
                    // An empty `all` always holds: make it a `not` of one.
                    None => return json!({"not": {"all": []}}),
                },
                (false, true) if !truths.iter().any(|t| *t) => match truths.first_mut() {
                    Some(first) => *first = true,
                    None => return json!({"not": {"any": []}}),
                },
                _ => {}
            }
            let inner: Vec<Value> = children
                .iter()
                .zip(truths)
                .map(|((_, child), truth)| condition(child, truth, facts))
                .collect();
            let key = if is_all { "all" } else { "any" };
            Value::Object([(key.to_owned(), Value::from(inner))].into_iter().collect())
        }
        Shape::Not(inner) => json!({"not": condition(inner, !truth, facts)}),
    }
}

fn numbered_event(index: usize) -> Event {
    Event::Deny {
        params: DenyParams {
            comment: Some(format!("rule {index}")),
        },
    }
}

proptest! {
    #[test]
    fn validation_never_panics_and_prefixes_every_problem_with_the_field(
        value in any_json(),
        conditions in any_json(),
        event in any_json(),
    ) {
        // The flow as sent, and arbitrary conditions and events inside a flow's frame.
        let framed = json!({"rules": [{"conditions": conditions, "event": event}], "defaultEvent": {"type": "deny"}});
        for candidate in [value, framed] {
            if let Ok(flow) = serde_json::from_value::<ReviewFlow>(candidate) {
                for owner in [FlowOwner::RequestForm, FlowOwner::Target] {
                    for problem in flow.problems("policy", owner) {
                        prop_assert!(problem.starts_with("policy."), "{problem}");
                    }
                }
                let _ = flow.references();
                let _ = flow.decide(&json!({}));
            }
        }
    }

    #[test]
    fn holds_never_panics_on_arbitrary_conditions_and_facts(condition in any_json(), facts in any_json()) {
        let _ = holds(&condition, &facts);
        let negated = json!({"not": condition.clone()});
        prop_assert_eq!(holds(&negated, &facts), !holds(&condition, &facts));
    }

    #[test]
    fn a_condition_holds_exactly_when_it_was_built_to(facts in any_facts(), shape in any_shape(), truth: bool) {
        let built = condition(&shape, truth, &facts);
        prop_assert_eq!(holds(&built, &facts), truth, "{}", built);
        // What evaluates is also what validation accepts.
        let flow = ReviewFlow {
            version: None,
            rules: vec![Rule { conditions: built, event: numbered_event(0) }],
            default_event: ReviewFlow::default_for_target().default_event,
        };
        prop_assert_eq!(flow.problems("policy", FlowOwner::Target), Vec::<String>::new());
    }

    #[test]
    fn the_first_rule_that_holds_decides_else_the_default(
        facts in any_facts(),
        rules in prop::collection::vec((any::<bool>(), any_shape()), 0..6),
    ) {
        let flow = ReviewFlow {
            version: None,
            rules: rules
                .iter()
                .enumerate()
                .map(|(index, (truth, shape))| Rule {
                    conditions: condition(shape, *truth, &facts),
                    event: numbered_event(index),
                })
                .collect(),
            default_event: Event::Approve { params: ApproveParams::default() },
        };
        let expected = match rules.iter().position(|(truth, _)| *truth) {
            Some(first) => numbered_event(first),
            None => flow.default_event.clone(),
        };
        prop_assert_eq!(flow.decide(&facts), &expected);
    }

    #[test]
    fn an_unknown_fact_or_operator_is_named_where_it_is(
        facts in any_facts(),
        shapes in prop::collection::vec(any_shape(), 1..4),
        broken: Index,
        fact_or_operator: bool,
    ) {
        let mut rules: Vec<Rule> = shapes
            .iter()
            .enumerate()
            .map(|(index, shape)| Rule { conditions: condition(shape, true, &facts), event: numbered_event(index) })
            .collect();
        let at = broken.index(rules.len());
        let wrapped = &mut rules[at].conditions;
        let bad = match fact_or_operator {
            true => json!({"fact": "weather", "operator": "equal", "value": 1}),
            false => json!({"fact": "user", "operator": "resembles", "value": 1}),
        };
        *wrapped = json!({"all": [wrapped.clone(), bad]});
        let flow = ReviewFlow { version: None, rules, default_event: numbered_event(99) };
        let problems = flow.problems("policy", FlowOwner::RequestForm);
        prop_assert_eq!(problems.len(), 1, "{:?}", problems);
        let expected = format!("policy.rules[{at}].conditions.all[1].");
        prop_assert!(problems[0].starts_with(&expected), "{}", problems[0]);
    }
}
