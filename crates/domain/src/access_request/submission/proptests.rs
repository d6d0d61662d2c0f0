//! Properties of checking a submission against a form: valid submissions pass with what was answered, each
//! mutation of one is refused with one message naming what was mutated, and arbitrary JSON is judged as the
//! rules say, never with a panic.

use super::*;
use crate::Timestamp;
use crate::ids::{AgreementId, FormId};
use crate::request_form::{ACCESS_DURATION_LABEL, AgreementText, AuditUser, FieldOption};
use crate::review_flow::ReviewFlow;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::json;

const UNITS: [&str; 5] = ["HOURS", "DAYS", "WEEKS", "MONTHS", "YEARS"];

/// A form a save would accept: unique question ids, listed options unique and not blank, at most one access
/// duration question.
fn any_form() -> impl Strategy<Value = FormSnapshot> {
    let options = prop::collection::btree_set("[A-Za-z][A-Za-z ]{0,5}", 1..5).prop_map(|values| {
        values
            .into_iter()
            .map(|value| FieldOption { value })
            .collect::<Vec<_>>()
    });
    let field = (0u8..3, "[A-Z][a-z]{0,6}\\??", any::<bool>(), options);
    (
        prop::collection::vec(field, 0..6),
        prop::option::of(any::<Index>()),
        prop::collection::vec("[A-Z][a-z]{0,6}", 0..3),
    )
        .prop_map(|(fields, duration_at, agreements)| {
            let mut fields: Vec<FormField> = fields
                .into_iter()
                .enumerate()
                .map(|(index, (kind, label, required, options))| {
                    let id = Uuid::from_u128(0xf00 + index as u128);
                    match kind {
                        0 => FormField::ShortAnswer { id, label, required },
                        1 => FormField::Dropdown {
                            id,
                            label,
                            required,
                            options,
                        },
                        _ => FormField::Checkboxes {
                            id,
                            label,
                            required,
                            options,
                        },
                    }
                })
                .collect();
            if let Some(at) = duration_at {
                let duration = FormField::AccessDuration {
                    id: Uuid::from_u128(0xd00),
                    label: ACCESS_DURATION_LABEL.into(),
                    required: true,
                };
                fields.insert(at.index(fields.len() + 1), duration);
            }
            let data_use_agreements = agreements
                .into_iter()
                .enumerate()
                .map(|(index, name)| AgreementText {
                    id: AgreementId(Uuid::from_u128(0xa00 + index as u128)),
                    name,
                    body: "Use it well.".into(),
                })
                .collect();
            let at = Timestamp::from_millis(0);
            FormSnapshot {
                id: FormId(Uuid::from_u128(1)),
                name: "Form".into(),
                fields,
                policy: ReviewFlow::default_for_target(),
                data_use_agreements,
                created_by: AuditUser::system(),
                created_at: at,
                updated_by: AuditUser::system(),
                updated_at: at,
                version: "v1".into(),
            }
        })
}

/// How a requester answers one question: whether they answer an optional one, which options, what text.
#[derive(Debug, Clone)]
struct Choice {
    answer_optional: bool,
    option: Index,
    checked: Vec<bool>,
    text: String,
    duration: (u32, usize),
    order: u32,
}

fn any_choices() -> impl Strategy<Value = Vec<Choice>> {
    let choice = (
        any::<bool>(),
        any::<Index>(),
        prop::collection::vec(any::<bool>(), 5),
        "[a-zA-Z0-9][a-zA-Z0-9 .,]{0,12}",
        (1u32..100_000, 0usize..5),
        any::<u32>(),
    )
        .prop_map(|(answer_optional, option, checked, text, duration, order)| Choice {
            answer_optional,
            option,
            checked,
            text,
            duration,
            order,
        });
    prop::collection::vec(choice, 7)
}

/// A valid answer to `field`; `None` leaves an optional question unanswered.
fn valid_answer(field: &FormField, choice: &Choice) -> Option<Value> {
    if !field.required() && !choice.answer_optional {
        return None;
    }
    Some(match field {
        FormField::ShortAnswer { .. } => json!(choice.text),
        FormField::Dropdown { options, .. } => json!(choice.option.get(options).value),
        FormField::Checkboxes { options, required, .. } => {
            let mut checked: Vec<&str> = options
                .iter()
                .zip(&choice.checked)
                .filter(|(_, on)| **on)
                .map(|(option, _)| option.value.as_str())
                .collect();
            if checked.is_empty() && *required {
                checked.push(&choice.option.get(options).value);
            }
            json!(checked)
        }
        FormField::AccessDuration { .. } => {
            json!({"duration": choice.duration.0, "durationUnit": UNITS[choice.duration.1]})
        }
    })
}

/// A valid submission (answers in any order, every agreement accepted) and the answers it gives.
fn valid_submission(form: &FormSnapshot, choices: &[Choice]) -> (Vec<(u32, Uuid, Value)>, Vec<Uuid>) {
    let mut answers: Vec<(u32, Uuid, Value)> = form
        .fields
        .iter()
        .zip(choices)
        .filter_map(|(field, choice)| valid_answer(field, choice).map(|value| (choice.order, field.id(), value)))
        .collect();
    answers.sort_by_key(|(order, ..)| *order);
    let agreements = form
        .data_use_agreements
        .iter()
        .rev()
        .map(|agreement| agreement.id.0)
        .collect();
    (answers, agreements)
}

fn to_json(answers: &[(u32, Uuid, Value)], agreements: &[Uuid]) -> Value {
    let answers: Vec<Value> = answers
        .iter()
        .map(|(_, id, value)| json!({"fieldId": id, "value": value}))
        .collect();
    json!({"answers": answers, "acceptedDataUseAgreementIds": agreements})
}

/// Ways to spoil one answer of a valid submission, each of which must be refused naming the question.
fn spoilers(field: &FormField, answered: Option<&Value>) -> Vec<Option<Value>> {
    let mut ways = vec![Some(json!(7)), Some(json!({"x": 1}))];
    if field.required() {
        ways.extend([None, Some(Value::Null), Some(json!("  ")), Some(json!([]))]);
    }
    match field {
        FormField::ShortAnswer { .. } => ways.push(Some(json!(["text"]))),
        FormField::Dropdown { options, .. } => {
            ways.push(Some(json!("\u{2}unlisted")));
            ways.push(Some(json!([options[0].value])));
        }
        FormField::Checkboxes { .. } => {
            let mut unlisted = answered.and_then(Value::as_array).cloned().unwrap_or_default();
            unlisted.push(json!("\u{2}unlisted"));
            ways.extend([
                Some(Value::Array(unlisted)),
                Some(json!("\u{2}unlisted")),
                Some(json!([1])),
            ]);
        }
        FormField::AccessDuration { .. } => ways.extend([
            Some(json!({"duration": 0, "durationUnit": "DAYS"})),
            Some(json!({"duration": 1.5, "durationUnit": "DAYS"})),
            Some(json!({"duration": -3, "durationUnit": "DAYS"})),
            Some(json!({"duration": 3})),
            Some(json!({"duration": 3, "durationUnit": "FORTNIGHTS"})),
            Some(json!({"durationUnit": "DAYS"})),
        ]),
    }
    ways
}

/// Whether an answer is one the rules accept for a question (DESIGN §2), written from the rules.
fn acceptable(field: &FormField, value: &Value) -> bool {
    let listed = |options: &[FieldOption], chosen: &Value| {
        chosen
            .as_str()
            .is_some_and(|chosen| options.iter().any(|option| option.value == chosen))
    };
    match field {
        FormField::ShortAnswer { .. } => value.is_string(),
        FormField::Dropdown { options, .. } => listed(options, value),
        FormField::Checkboxes { options, .. } => value
            .as_array()
            .is_some_and(|items| items.iter().all(|item| listed(options, item))),
        FormField::AccessDuration { .. } => value.as_object().is_some_and(|object| {
            let duration = object.get("duration").and_then(Value::as_f64);
            let unit = object.get("durationUnit").and_then(Value::as_str);
            object.len() == 2
                && duration.is_some_and(|n| n.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(&n))
                && unit.is_some_and(|unit| UNITS.contains(&unit))
        }),
    }
}

fn unanswered(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(text)) => text.trim().is_empty(),
        Some(Value::Array(items)) => items.is_empty(),
        Some(_) => false,
    }
}

/// An answer that may be right, of another question's kind, or anything at all.
fn any_answer() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[A-Za-z ]{0,6}".prop_map(Value::from),
        prop::collection::vec("[A-Za-z][A-Za-z ]{0,5}", 0..3).prop_map(Value::from),
        ((-2.0f64..1e10), prop::sample::select(UNITS.to_vec()))
            .prop_map(|(n, unit)| json!({"duration": n.round(), "durationUnit": unit})),
        crate::review_flow::proptests::any_json(),
    ]
}

proptest! {
    #[test]
    fn a_valid_submission_is_accepted_with_its_answers(form in any_form(), choices in any_choices()) {
        let (answers, agreements) = valid_submission(&form, &choices);
        let submission = Submission::check(Some(&to_json(&answers, &agreements)), &form);
        let submission = submission.map_err(|problems| TestCaseError::fail(format!("{problems:?}")))?;
        let expected: BTreeMap<Uuid, Value> = answers.iter().map(|(_, id, value)| (*id, value.clone())).collect();
        prop_assert_eq!(&submission.answers, &expected);
        prop_assert_eq!(submission.accepted_agreements, agreements.into_iter().map(AgreementId).collect::<BTreeSet<_>>());
        let duration = form.fields.iter().zip(&choices).find_map(|(field, choice)| match field {
            FormField::AccessDuration { .. } => Some(choice.duration),
            _ => None,
        });
        let unit = |index: usize| serde_json::from_value::<DurationUnit>(json!(UNITS[index])).unwrap();
        prop_assert_eq!(submission.duration, duration.map(|(amount, index)| (amount, unit(index))));
    }

    #[test]
    fn each_spoiled_answer_is_refused_in_one_message_naming_it(
        form in any_form(),
        choices in any_choices(),
        spoil in prop::collection::vec((any::<bool>(), any::<Index>()), 7),
        drop_agreements in prop::collection::vec(any::<bool>(), 3),
        strangers in 0u128..3,
        twice in prop::option::of(any::<Index>()),
    ) {
        let (mut answers, mut agreements) = valid_submission(&form, &choices);
        let mut named: Vec<Uuid> = Vec::new();
        for (field, (_, way)) in form.fields.iter().zip(&spoil).filter(|(_, (on, _))| *on) {
            let at = answers.iter().position(|(_, id, _)| *id == field.id());
            let ways = spoilers(field, at.map(|at| &answers[at].2));
            match (way.get(&ways), at) {
                (None, Some(at)) => drop(answers.remove(at)),
                (None, None) => {}
                (Some(value), Some(at)) => answers[at].2 = value.clone(),
                (Some(value), None) => answers.push((0, field.id(), value.clone())),
            }
            named.push(field.id());
        }
        for (agreement, _) in form.data_use_agreements.iter().zip(&drop_agreements).filter(|(_, dropped)| **dropped) {
            agreements.retain(|id| *id != agreement.id.0);
            named.push(agreement.id.0);
        }
        for stranger in 0..strangers {
            let id = Uuid::from_u128(0xbad + stranger);
            answers.push((0, id, json!("?")));
            named.push(id);
        }
        // A question answered twice, alike both times, among those left valid.
        let untouched: Vec<(u32, Uuid, Value)> =
            answers.iter().filter(|(_, id, _)| !named.contains(id)).cloned().collect();
        if let (Some(pick), false) = (twice, untouched.is_empty()) {
            let again = pick.get(&untouched).clone();
            named.push(again.1);
            answers.push(again);
        }
        let outcome = Submission::check(Some(&to_json(&answers, &agreements)), &form);
        if named.is_empty() {
            prop_assert!(outcome.is_ok(), "{:?}", outcome);
            return Ok(());
        }
        let problems = outcome.expect_err("a spoiled submission is refused");
        prop_assert_eq!(problems.len(), named.len(), "{:?} for {:?}", problems, named);
        for id in &named {
            let naming = problems.iter().filter(|problem| problem.contains(&id.to_string())).count();
            prop_assert_eq!(naming, 1, "{} in {:?}", id, problems);
        }
    }

    #[test]
    fn arbitrary_submissions_are_judged_by_the_rules(
        form in any_form(),
        given in prop::collection::vec(prop::option::of(any_answer()), 7),
        strangers in prop::collection::vec(any_answer(), 0..2),
        accepted in prop::collection::vec(any::<bool>(), 3),
        anything in prop::option::of(crate::review_flow::proptests::any_json()),
    ) {
        let mut answers: Vec<(u32, Uuid, Value)> = form
            .fields
            .iter()
            .zip(&given)
            .filter_map(|(field, value)| value.clone().map(|value| (0, field.id(), value)))
            .collect();
        answers.extend(strangers.iter().enumerate().map(|(n, value)| (0, Uuid::from_u128(0xbad + n as u128), value.clone())));
        let agreements: Vec<Uuid> = form
            .data_use_agreements
            .iter()
            .zip(&accepted)
            .filter(|(_, accepted)| **accepted)
            .map(|(agreement, _)| agreement.id.0)
            .collect();
        // Sometimes the whole submission is arbitrary JSON instead.
        let submission = anything.clone().unwrap_or_else(|| to_json(&answers, &agreements));
        let outcome = Submission::check(Some(&submission), &form);
        if anything.is_some() {
            let empty = matches!(&submission, Value::Null)
                || submission.as_object().is_some_and(|object| {
                    object.keys().all(|key| key == "answers" || key == "acceptedDataUseAgreementIds")
                        && object.values().all(|list| list.as_array().is_some_and(Vec::is_empty))
                });
            if !empty {
                let problems = outcome.expect_err("not a submission");
                prop_assert_eq!(problems.len(), 1);
                prop_assert!(problems[0].starts_with("form"), "{}", problems[0]);
            }
            return Ok(());
        }
        let mut wrong: Vec<Uuid> = strangers.iter().enumerate().map(|(n, _)| Uuid::from_u128(0xbad + n as u128)).collect();
        for (field, value) in form.fields.iter().zip(&given) {
            let bad = match unanswered(value.as_ref()) {
                true => field.required(),
                false => !acceptable(field, value.as_ref().unwrap()),
            };
            if bad {
                wrong.push(field.id());
            }
        }
        wrong.extend(form.data_use_agreements.iter().filter(|a| !agreements.contains(&a.id.0)).map(|a| a.id.0));
        match outcome {
            Ok(_) => prop_assert!(wrong.is_empty(), "accepted with {:?} wrong", wrong),
            Err(problems) => {
                prop_assert_eq!(problems.len(), wrong.len(), "{:?} for {:?}", problems, wrong);
                for id in &wrong {
                    prop_assert!(problems.iter().any(|problem| problem.contains(&id.to_string())), "{} in {:?}", id, problems);
                }
            }
        }
    }
}
