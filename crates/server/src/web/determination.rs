//! The steward's determination: the request's answers and the risk assessment beside the choice of
//! **Approve**, **Temporarily approve** (a duration and unit, or a custom whole number) or **Deny**, with a
//! reason always; and the product's recent determinations for comparison.

use super::errors::PageError;
use super::layout::{page, when};
use super::requests::{status_label, user_name};
use super::session::{SignedIn, SignedInForm};
use super::{paths, see_other};
use crate::app::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use marketplace_app::requests::{DecisionInput, DeterminationDetails};
use marketplace_app::{AppError, Problems};
use marketplace_domain::ids::RequestId;
use marketplace_domain::number::Whole;
use marketplace_domain::request_form::FormSnapshot;
use marketplace_domain::review_flow::DurationUnit;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

pub fn router() -> Router<AppState> {
    Router::new().route("/requests/{id}/determination", get(determination_page).post(decide))
}

/// The stored answers, labelled by the form version they were given on, and the data use agreements accepted.
pub fn answers(form: Option<&RawValue>, version: Option<&FormSnapshot>) -> Markup {
    let form: Option<Value> = form.and_then(|form| serde_json::from_str(form.get()).ok());
    let answers = form
        .as_ref()
        .and_then(|form| form.get("answers"))
        .and_then(Value::as_array);
    let label = |id: &str| {
        version
            .and_then(|version| version.fields.iter().find(|field| field.id().to_string() == id))
            .map_or_else(|| id.to_owned(), |field| field.label().to_owned())
    };
    let shown = |value: &Value| match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "),
        Value::Object(duration) => format!(
            "{} {}",
            duration.get("duration").map(Value::to_string).unwrap_or_default(),
            duration
                .get("durationUnit")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_lowercase()
        ),
        other => other.to_string(),
    };
    let accepted: Vec<&str> = form
        .as_ref()
        .and_then(|form| form.get("acceptedDataUseAgreementIds"))
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let agreements: Vec<&str> = version
        .map(|version| {
            version
                .data_use_agreements
                .iter()
                .filter(|agreement| accepted.contains(&agreement.id.to_string().as_str()))
                .map(|agreement| agreement.name.as_str())
                .collect()
        })
        .unwrap_or_default();
    html! {
        @match answers.filter(|answers| !answers.is_empty()) {
            None => p { "No answers." },
            Some(answers) => dl.facts {
                @for answer in answers {
                    dt { (label(answer.get("fieldId").and_then(Value::as_str).unwrap_or_default())) }
                    dd { (answer.get("value").map(shown).unwrap_or_default()) }
                }
                @if !agreements.is_empty() {
                    dt { "Data use agreements accepted" }
                    dd { (agreements.join(", ")) }
                }
            },
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Determination {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    custom_duration: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    reason: String,
}

async fn determination_page(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    render(
        &state,
        &signed,
        &RequestId(id),
        &Determination::default(),
        &[],
        StatusCode::OK,
    )
    .await
}

async fn render(
    state: &AppState,
    signed: &SignedIn,
    id: &RequestId,
    entered: &Determination,
    problems: &[String],
    status: StatusCode,
) -> Result<Response, PageError> {
    let DeterminationDetails {
        request,
        users,
        form_version,
        risk,
        history,
    } = state.app.determination_details(signed.actor(), id).await?;
    let decision = if entered.decision.is_empty() {
        "approve"
    } else {
        entered.decision.as_str()
    };
    let body = html! {
        h1 { "Determination: " (request.target_name) }
        p { "Requested by " (user_name(&users, request.requesting_user_id)) " for "
            (user_name(&users, request.user_id)) " · " span.status { (status_label(request.status)) } }
        section.card aria-labelledby="answers-heading" {
            h2 #answers-heading { "Answers" }
            (answers(request.form.as_deref(), form_version.as_ref()))
        }
        section.card aria-labelledby="risk-heading" {
            h2 #risk-heading { "Risk assessment" }
            @match &risk {
                None => p { "Not enough past determinations to assess this request." },
                Some(risk) => {
                    p { "Risk: " strong { (format!("{:?}", risk.risk)) } " · recommendation: "
                        (risk.recommendation.map_or("none", |status| status.as_str())) }
                    p { (risk.explanation) }
                }
            }
        }
        @if !problems.is_empty() { div.warning role="alert" { @for problem in problems { p.error { (problem) } } } }
        form.stack.card method="post" {
            (signed.shell.csrf())
            fieldset {
                legend { "Decision" }
                @for (value, label) in [("approve", "Approve"), ("temporary", "Temporarily approve"), ("deny", "Deny")] {
                    label.choice { input type="radio" name="decision" value=(value) checked[value == decision]; (label) }
                }
            }
            fieldset {
                legend { "Duration (for Temporarily approve)" }
                div.filters {
                    div.field { label for="duration" { "Duration" }
                        select #duration name="duration" {
                            @for value in ["1", "2", "7", "14", "30", "90", "custom"] {
                                option value=(value) selected[value == entered.duration] {
                                    @if value == "custom" { "Custom" } @else { (value) } } } } }
                    div.field { label for="custom-duration" { "Custom duration (a whole number)" }
                        input #custom-duration type="number" min="1" step="1" name="customDuration" value=(entered.custom_duration); }
                    div.field { label for="unit" { "Unit" }
                        select #unit name="unit" {
                            @for unit in ["HOURS", "DAYS", "WEEKS", "MONTHS", "YEARS"] {
                                option value=(unit) selected[unit == entered.unit || (entered.unit.is_empty() && unit == "DAYS")] {
                                    (unit.to_lowercase()) } } } }
                }
            }
            div.field {
                label for="reason" { "Reason" }
                textarea #reason name="reason" required { (entered.reason) }
            }
            div.actions {
                button type="submit" { "Submit determination" }
                a href=(paths::request(&id.0)) { "Back to the request" }
            }
        }
        @if let Some((recent, their_users)) = &history {
            h2 { "Determination history" }
            @if recent.is_empty() { p { "No earlier determinations on this product." } }
            ul { @for past in recent {
                li { (user_name(their_users, past.request.user_id)) ": " (past.record.status.as_str()) " on " (when(past.record.updated_at))
                    @if let Some(reason) = &past.record.reason { " — " (reason) } }
            } }
        }
    };
    Ok((status, page(Some(&signed.shell), "Determination", body)).into_response())
}

fn unit(text: &str) -> Option<DurationUnit> {
    serde_json::from_value(Value::String(text.to_owned())).ok()
}

/// The determination the form asks for, or what is wrong with the form.
fn decision_input(form: &Determination) -> Result<DecisionInput, Problems> {
    let wrong = |field: &str, message: &str| {
        let mut problems = Problems::default();
        problems.add(field, message);
        problems
    };
    let (status, duration) = match form.decision.as_str() {
        "approve" => ("APPROVED", None),
        "deny" => ("DENIED", None),
        "temporary" => {
            let amount = match form.duration.as_str() {
                "custom" => form.custom_duration.trim(),
                chosen => chosen,
            };
            match (amount.parse::<u32>(), unit(&form.unit)) {
                (Ok(amount), Some(unit)) if amount > 0 => ("APPROVED", Some((Whole(amount), unit))),
                _ => {
                    return Err(wrong(
                        "duration",
                        "Temporarily approve needs a duration of at least 1 and a unit.",
                    ));
                }
            }
        }
        _ => return Err(wrong("decision", "Choose Approve, Temporarily approve or Deny.")),
    };
    Ok(DecisionInput {
        status: status.to_owned(),
        reason: Some(form.reason.clone()),
        duration: duration.map(|(amount, _)| amount),
        duration_unit: duration.map(|(_, unit)| unit),
    })
}

async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: SignedInForm<Determination>,
) -> Result<Response, PageError> {
    let SignedInForm { signed, form } = posted;
    let id = RequestId(id);
    let problems = match state
        .app
        .decide_request(signed.actor(), &id, decision_input(&form))
        .await
    {
        Ok(_) => return Ok(see_other(paths::request(&id.0))),
        // What the reviewer can put right, or another reviewer's business: said beside the form.
        Err(AppError::Invalid(found)) => found.into_iter().map(|problem| problem.message).collect(),
        Err(AppError::Forbidden(message) | AppError::Conflict(message)) => vec![message],
        // Among them a request that awaits no determination (`Refused`): nothing on the form would help.
        Err(error) => return Err(error.into()),
    };
    render(&state, &signed, &id, &form, &problems, StatusCode::BAD_REQUEST).await
}
