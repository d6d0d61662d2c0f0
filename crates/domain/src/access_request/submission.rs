//! A request form submission (`form` of a request), checked against the form version in force when the request
//! is made: required questions answered, a dropdown answer one listed option, checkboxes a subset of the
//! options, an access duration positive, and every data use agreement of the form accepted.

use crate::ids::AgreementId;
use crate::number::Whole;
use crate::request_form::{FormField, FormSnapshot};
use crate::review_flow::DurationUnit;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// A submission that passed every check: what the request stores, and what the review flow reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    /// Answers by question id, as the requester gave them.
    pub answers: BTreeMap<Uuid, Value>,
    pub accepted_agreements: BTreeSet<AgreementId>,
    /// The answer to the access-duration question, if the form has one.
    pub duration: Option<(u32, DurationUnit)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawSubmission {
    #[serde(default)]
    answers: Vec<RawAnswer>,
    #[serde(default)]
    accepted_data_use_agreement_ids: Vec<AgreementId>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawAnswer {
    field_id: Uuid,
    value: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DurationAnswer {
    duration: Whole,
    duration_unit: DurationUnit,
}

impl Submission {
    /// Checks `form` (absent = no answers, no accepted agreements) against the form version. Every problem is
    /// reported, each naming its field.
    pub fn check(form: Option<&Value>, version: &FormSnapshot) -> Result<Submission, Vec<String>> {
        let raw = match form {
            None | Some(Value::Null) => RawSubmission {
                answers: Vec::new(),
                accepted_data_use_agreement_ids: Vec::new(),
            },
            Some(value) => {
                if let Some(problem) = not_an_object(value) {
                    return Err(vec![problem]);
                }
                serde_json::from_value::<RawSubmission>(value.clone())
                    .map_err(|error| vec![format!("form: {error}")])?
            }
        };
        let mut problems = Vec::new();
        let mut answers = BTreeMap::new();
        for answer in raw.answers {
            if !version.fields.iter().any(|field| field.id() == answer.field_id) {
                problems.push(format!("form.answers: the form has no question {}", answer.field_id));
            } else if answers.insert(answer.field_id, answer.value).is_some() {
                problems.push(format!("form.answers: question {} is answered twice", answer.field_id));
            }
        }
        let mut duration = None;
        for field in &version.fields {
            let path = format!("form.answers[{}]", field.id());
            match answers.get(&field.id()).filter(|value| !is_blank(value)) {
                None if field.required() => problems.push(format!("{path}: \"{}\" must be answered", field.label())),
                None => {}
                Some(value) => match check_answer(field, value) {
                    Ok(chosen) => duration = duration.or(chosen),
                    Err(problem) => problems.push(format!("{path}: {problem}")),
                },
            }
        }
        let accepted: BTreeSet<AgreementId> = raw.accepted_data_use_agreement_ids.into_iter().collect();
        for agreement in &version.data_use_agreements {
            if !accepted.contains(&agreement.id) {
                problems.push(format!(
                    "form.acceptedDataUseAgreementIds: the data use agreement \"{}\" ({}) must be accepted",
                    agreement.name, agreement.id
                ));
            }
        }
        match problems.is_empty() {
            true => Ok(Submission {
                answers,
                accepted_agreements: accepted,
                duration,
            }),
            false => Err(problems),
        }
    }

    /// The submission as the request stores and returns it.
    pub fn to_value(&self) -> Value {
        let answers: Vec<Value> = self
            .answers
            .iter()
            .map(|(id, value)| serde_json::json!({"fieldId": id, "value": value}))
            .collect();
        serde_json::json!({
            "answers": answers,
            "acceptedDataUseAgreementIds": self.accepted_agreements,
        })
    }

    /// The `answers` fact of a review flow: answers by question id.
    pub fn answers_fact(&self) -> Value {
        Value::Object(
            self.answers
                .iter()
                .map(|(id, value)| (id.to_string(), value.clone()))
                .collect::<Map<_, _>>(),
        )
    }
}

/// serde reads a struct from an array too, field by field in order: the form and its answers must be objects.
fn not_an_object(form: &Value) -> Option<String> {
    if !form.is_object() {
        return Some("form must be an object".into());
    }
    let answers = form.get("answers").and_then(Value::as_array)?;
    let at = answers.iter().position(|answer| !answer.is_object())?;
    Some(format!("form.answers[{at}] must be an object"))
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// Checks one answer; an access-duration answer is returned as the chosen duration.
fn check_answer(field: &FormField, value: &Value) -> Result<Option<(u32, DurationUnit)>, String> {
    let listed = |options: &[crate::request_form::FieldOption], chosen: &str| {
        options.iter().any(|option| option.value == chosen)
    };
    match field {
        FormField::ShortAnswer { .. } => match value {
            Value::String(_) => Ok(None),
            _ => Err("must be text".into()),
        },
        FormField::Dropdown { options, .. } => match value.as_str() {
            Some(chosen) if listed(options, chosen) => Ok(None),
            Some(chosen) => Err(format!("`{chosen}` is not one of the options")),
            None => Err("must be one of the options".into()),
        },
        FormField::Checkboxes { options, .. } => {
            let chosen: Option<Vec<&str>> = match value {
                Value::Array(items) => items.iter().map(Value::as_str).collect(),
                _ => None,
            };
            let chosen = chosen.ok_or("must be a list of options")?;
            match chosen.iter().find(|chosen| !listed(options, chosen)) {
                Some(unknown) => Err(format!("`{unknown}` is not one of the options")),
                None => Ok(None),
            }
        }
        FormField::AccessDuration { .. } => {
            let answer = match value.is_object() {
                true => serde_json::from_value::<DurationAnswer>(value.clone()).ok(),
                false => None,
            };
            let answer = answer.ok_or(
                "must be {\"duration\": a whole number ≥ 1, \"durationUnit\": HOURS | DAYS | WEEKS | MONTHS | YEARS}",
            )?;
            match answer.duration.0 {
                0 => Err("duration must be at least 1".into()),
                amount => Ok(Some((amount, answer.duration_unit))),
            }
        }
    }
}

#[cfg(test)]
mod proptests;
