//! Requesting access: for myself or someone else, the form's questions by type, the data use agreements to
//! accept, *Submit request*; every problem shown next to its field. Also Immuta's asset deep link
//! `/marketplace/request?fullyQualifiedName=…&requestType=…`.

use super::errors::PageError;
use super::layout::page;
use super::session::{PageQuery, SignedIn, SignedInForm};
use super::{encode, paths, see_other};
use crate::app::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use marketplace_app::AppError;
use marketplace_app::Problems;
use marketplace_app::assets::ShownAsset;
use marketplace_app::model::ObjectLookup;
use marketplace_app::requests::{ColumnRef, Submit};
use marketplace_domain::access_request::RequestType;
use marketplace_domain::request_form::{FormField, FormSnapshot};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/data-product/{id}/request-access", get(request_page).post(submit))
        .route("/asset/{id}/request-access", get(request_page).post(submit))
        .route("/request", get(asset_link))
}

#[derive(Deserialize, Default)]
struct RequestQuery {
    #[serde(rename = "type", default)]
    request_type: String,
    #[serde(default)]
    columns: Vec<String>,
}

/// The request's kind, as the page's `type` names it.
fn request_type(name: &str) -> RequestType {
    match name {
        "masking-exception" => RequestType::MaskingException,
        _ => RequestType::DataAccess,
    }
}

/// What the person entered, to show again with the problems.
#[derive(Default)]
struct Entered {
    pairs: Vec<(String, String)>,
    problems: Vec<String>,
}

impl Entered {
    fn values(&self, name: &str) -> impl Iterator<Item = &str> {
        self.pairs
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn value(&self, name: &str) -> &str {
        self.values(name).next().unwrap_or_default()
    }

    /// The problems reported for `prefix` (`form.answers[<field id>]`, `user`).
    fn problems_of(&self, prefix: &str) -> Vec<&str> {
        self.problems
            .iter()
            .filter(|problem| problem.starts_with(prefix))
            .map(String::as_str)
            .collect()
    }
}

/// A problem as shown beside its field: without the API's path of the field (`form.answers[…]: `).
fn readable(problem: &str) -> &str {
    problem.split_once(": ").map_or(problem, |(_, message)| message)
}

async fn request_page(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    PageQuery(query): PageQuery<RequestQuery>,
) -> Result<Response, PageError> {
    let mut entered = Entered::default();
    entered.pairs.extend(
        query
            .columns
            .iter()
            .map(|column| ("columns".to_owned(), column.clone())),
    );
    render(
        &state,
        &signed,
        &id,
        request_type(&query.request_type),
        &entered,
        StatusCode::OK,
    )
    .await
}

async fn render(
    state: &AppState,
    signed: &SignedIn,
    id: &str,
    kind: RequestType,
    entered: &Entered,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = signed.actor();
    let (name, back) = match state.app.asset(actor, id).await? {
        ShownAsset::Product(shown) => (shown.product.name, paths::product(id)),
        ShownAsset::Object { object, .. } => (object.name, paths::PRODUCTS.to_owned()),
    };
    let form = form_for(state, signed, id, kind).await?;
    let masking = kind == RequestType::MaskingException;
    let title = if masking {
        "Request a masking exception"
    } else {
        "Request access"
    };
    let columns: Vec<&str> = entered.values("columns").collect();
    let known: Vec<&str> = entered
        .problems_of("form.answers")
        .into_iter()
        .chain(entered.problems_of("form.accepted"))
        .collect();
    let others: Vec<&String> = entered
        .problems
        .iter()
        .filter(|problem| !known.contains(&problem.as_str()))
        .collect();
    let type_name = if masking { "masking-exception" } else { "data-access" };
    let body = html! {
        h1 { (title) ": " (name) }
        @if !others.is_empty() {
            div.warning role="alert" { @for problem in &others { p.error { (problem) } } }
        }
        form.stack.card method="post" action={ "?type=" (type_name) } novalidate {
            (signed.shell.csrf())
            @if masking {
                fieldset {
                    legend { "Columns to see unmasked" }
                    @if columns.is_empty() { p.error { "Pick masked columns on the product's Columns tab first." } }
                    ul { @for column in &columns { li { code { (column) } } input type="hidden" name="columns" value=(column); } }
                }
            }
            fieldset {
                legend { "Who is the request for?" }
                label.choice { input type="radio" name="for" value="me" checked[entered.value("for") != "other"]; "For myself" }
                label.choice { input type="radio" name="for" value="other" checked[entered.value("for") == "other"]; "For someone else" }
                div.field {
                    label for="username" { "Username of the person (for someone else)" }
                    input #username type="text" name="username" value=(entered.value("username"));
                    @for problem in entered.problems_of("user") { p.error { (readable(problem)) } }
                }
            }
            @for field in &form.fields { (question(field, entered)) }
            (agreements(&form, entered))
            div.actions {
                button type="submit" { "Submit request" }
                a href=(back) { "Cancel" }
            }
        }
    };
    Ok((status, page(Some(&signed.shell), title, body)).into_response())
}

fn question(field: &FormField, entered: &Entered) -> Markup {
    let name = format!("answer.{}", field.id());
    let problems = entered.problems_of(&format!("form.answers[{}]", field.id()));
    let label = html! { (field.label()) @if field.required() { " (required)" } };
    html! {
        @match field {
            FormField::ShortAnswer { .. } => div.field {
                label for=(name) { (label) }
                input #(name) type="text" name=(name) value=(entered.value(&name)) required[field.required()];
                @for problem in &problems { p.error { (readable(problem)) } }
            },
            FormField::Dropdown { options, .. } => div.field {
                label for=(name) { (label) }
                select #(name) name=(name) required[field.required()] {
                    option value="" { "Choose…" }
                    @for option in options {
                        option value=(option.value) selected[entered.value(&name) == option.value] { (option.value) }
                    }
                }
                @for problem in &problems { p.error { (readable(problem)) } }
            },
            FormField::Checkboxes { options, .. } => fieldset {
                legend { (label) }
                @for (index, option) in options.iter().enumerate() {
                    @let id = format!("{name}-{index}");
                    div.choice {
                        input #(id) type="checkbox" name=(name) value=(option.value)
                            checked[entered.values(&name).any(|value| value == option.value)];
                        label for=(id) { (option.value) }
                    }
                }
                @for problem in &problems { p.error { (readable(problem)) } }
            },
            FormField::AccessDuration { .. } => fieldset {
                legend { (label) }
                div.filters {
                    div.field {
                        label for={ (name) "-duration" } { "Duration" }
                        input #{ (name) "-duration" } type="number" min="1" step="1" name={ (name) ".duration" }
                            value=(entered.value(&format!("{name}.duration")));
                    }
                    div.field {
                        label for={ (name) "-unit" } { "Unit" }
                        select #{ (name) "-unit" } name={ (name) ".unit" } {
                            @for unit in ["HOURS", "DAYS", "WEEKS", "MONTHS", "YEARS"] {
                                option value=(unit) selected[entered.value(&format!("{name}.unit")) == unit
                                    || (unit == "DAYS" && entered.value(&format!("{name}.unit")).is_empty())] {
                                    (unit[..1].to_owned() + &unit[1..].to_lowercase())
                                }
                            }
                        }
                    }
                }
                @for problem in &problems { p.error { (readable(problem)) } }
            },
        }
    }
}

fn agreements(form: &FormSnapshot, entered: &Entered) -> Markup {
    html! {
        @for agreement in &form.data_use_agreements {
            @let id = format!("agreement-{}", agreement.id);
            fieldset {
                legend { "Data use agreement: " (agreement.name) }
                p { (agreement.body) }
                div.choice {
                    input #(id) type="checkbox" name="agreement" value=(agreement.id)
                        checked[entered.values("agreement").any(|value| value == agreement.id.to_string())];
                    label for=(id) { "I accept the data use agreement “" (agreement.name) "”" }
                }
                @for problem in entered.problems_of("form.acceptedDataUseAgreementIds") {
                    @if problem.contains(&agreement.id.to_string()) { p.error { (readable(problem)) } }
                }
            }
        }
    }
}

/// The form that governs this kind of request for the asset (a product, or a data object).
async fn form_for(state: &AppState, signed: &SignedIn, id: &str, kind: RequestType) -> Result<FormSnapshot, PageError> {
    let forms = state.app.asset_forms(signed.actor(), id).await?;
    let governing = forms.into_iter().find(|forms| forms.request_type == kind);
    governing
        .map(|forms| forms.form.value)
        .ok_or_else(|| PageError::NotFound("There is no form for that request.".into()))
}

/// The form's answers as the API takes them (DESIGN: request form submission).
fn submission(form: &FormSnapshot, entered: &Entered) -> Value {
    let mut answers = Vec::new();
    for field in &form.fields {
        let name = format!("answer.{}", field.id());
        let value = match field {
            FormField::ShortAnswer { .. } | FormField::Dropdown { .. } => json!(entered.value(&name)),
            FormField::Checkboxes { .. } => json!(entered.values(&name).collect::<Vec<_>>()),
            FormField::AccessDuration { .. } => match entered.value(&format!("{name}.duration")).trim() {
                "" => continue,
                duration => json!({
                    "duration": duration.parse::<i64>().map_or(json!(duration), |number| json!(number)),
                    "durationUnit": entered.value(&format!("{name}.unit")),
                }),
            },
        };
        answers.push(json!({ "fieldId": field.id(), "value": value }));
    }
    json!({ "answers": answers, "acceptedDataUseAgreementIds": entered.values("agreement").collect::<Vec<_>>() })
}

async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageQuery(query): PageQuery<RequestQuery>,
    posted: SignedInForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let SignedInForm { signed, form: pairs } = posted;
    let kind = request_type(&query.request_type);
    let mut entered = Entered {
        pairs,
        problems: Vec::new(),
    };
    let actor = signed.actor();
    let form = form_for(&state, &signed, &id, kind).await?;
    let user = match entered.value("for") {
        "other" => {
            let username = entered.value("username").trim().to_owned();
            let found = state.app.search_users(actor, Some(&username), &[], 50).await?;
            match found
                .into_iter()
                .find(|(user, _)| !username.is_empty() && user.username == username)
            {
                Some((user, _)) => Some(user.global_user_id),
                None => {
                    entered.problems.push(format!("user: no user is named `{username}`"));
                    None
                }
            }
        }
        _ => Some(actor.user.global_user_id),
    };
    if let Some(user) = user {
        let submit = Submit {
            user,
            form: Some(submission(&form, &entered)),
        };
        let columns: Vec<ColumnRef> = entered
            .values("columns")
            .filter_map(|column| column.split_once(':'))
            .map(|(source, column)| ColumnRef {
                source_id: source.into(),
                column_name: column.into(),
            })
            .collect();
        let masking = (kind == RequestType::MaskingException).then_some(columns.as_slice());
        let result = state.app.request_asset(actor, &id, submit, masking).await;
        match result {
            Ok(shown) => {
                let request = shown
                    .requests
                    .first()
                    .map(|request| request.id.0.clone())
                    .unwrap_or_default();
                return Ok(see_other(paths::request(&request)));
            }
            Err(AppError::Invalid(problems)) => entered.problems.extend(problems.into_iter().map(|p| p.message)),
            Err(AppError::Conflict(message) | AppError::Refused(message)) => entered.problems.push(message),
            Err(error) => return Err(error.into()),
        }
    }
    render(&state, &signed, &id, kind, &entered, StatusCode::BAD_REQUEST).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssetLink {
    fully_qualified_name: Option<String>,
    request_type: Option<String>,
    host: Option<String>,
    technology: Option<String>,
}

/// Immuta's asset deep link: the data object at that place (`database.schema.table`, or a parent), on its
/// request page.
async fn asset_link(
    State(state): State<AppState>,
    signed: SignedIn,
    PageQuery(link): PageQuery<AssetLink>,
) -> Result<Response, PageError> {
    let lookup = ObjectLookup {
        fully_qualified_name: link.fully_qualified_name.unwrap_or_default(),
        legacy_type: None,
        host: link.host,
        technology: link.technology,
    };
    let id = match state
        .app
        .asset_by_metadata(signed.actor(), lookup, Problems::default())
        .await?
    {
        ShownAsset::Product(shown) => shown.product.id.0,
        ShownAsset::Object { object, .. } => object.id.to_string(),
    };
    let kind = match link.request_type.as_deref() {
        Some("masking-exception") => "masking-exception",
        _ => "data-access",
    };
    Ok(see_other(format!(
        "/marketplace/asset/{}/request-access?type={kind}",
        encode(&id)
    )))
}
