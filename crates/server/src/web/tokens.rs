//! Personal access tokens, as Immuta's page has them: *Generate new token* → description and expiration → the
//! token shown once → the list → a row's more-actions menu → *Delete token* → *Delete* in a modal.

use super::errors::PageError;
use super::layout::{Shell, page, when};
use super::session::{NoFields, SignedIn, SignedInForm, served_over_https};
use super::{paths, see_other};
use crate::app::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use marketplace_app::AppError;
use marketplace_app::model::TokenRecord;
use maud::{Markup, html};
use serde::Deserialize;

/// Carries a new token from its POST to the page that shows it, once: it lives in the owner's browser only,
/// never in the database, and only on this page's path for a minute.
const NEW_TOKEN_COOKIE: &str = "marketplace_new_token";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/personal-access-tokens", get(list).post(create))
        .route("/personal-access-tokens/new", get(new_form))
        .route("/personal-access-tokens/{id}/delete", get(confirm_delete).post(delete))
}

fn new_token_cookie(state: &AppState, value: String, max_age: time::Duration) -> Cookie<'static> {
    Cookie::build((NEW_TOKEN_COOKIE, value))
        .path(paths::TOKENS)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(served_over_https(state))
        .max_age(max_age)
        .build()
}

async fn list(State(state): State<AppState>, jar: CookieJar, signed: SignedIn) -> Result<Response, PageError> {
    let tokens = state.app.tokens(signed.actor()).await?;
    let new_token = jar.get(NEW_TOKEN_COOKIE).map(|cookie| cookie.value().to_owned());
    let jar = jar.add(new_token_cookie(&state, String::new(), time::Duration::ZERO));
    let shell = &signed.shell;
    let body = html! {
        h1 { "Personal access tokens" }
        p.muted { "Tokens let scripts and tools call the Request app API as you: send one as "
            code { "Authorization: Bearer <token>" } "." }
        @if let Some(token) = new_token.filter(|token| !token.is_empty()) {
            section.notice aria-labelledby="new-token-heading" {
                h2 #new-token-heading { "Your new token" }
                p { "Copy it now and store it somewhere secure; it cannot be shown again." }
                p.secret #new-token { (token) }
                button.secondary type="button" data-copy="new-token" { "Copy token" }
            }
        }
        div.actions { a.button href="/marketplace/personal-access-tokens/new" { "Generate new token" } }
        @if tokens.is_empty() {
            p { "You have no tokens." }
        } @else {
            div.table-wrap { table {
                caption.muted { "Your tokens, newest first" }
                thead { tr { th { "Description" } th { "Created" } th { "Expires" } th { "Last used" } th { "Actions" } } }
                tbody { @for token in &tokens { (token_row(shell, token)) } }
            } }
        }
    };
    let page = page(Some(shell), "Personal access tokens", body);
    Ok((jar, [(CACHE_CONTROL, "no-store")], page).into_response())
}

fn token_row(shell: &Shell, token: &TokenRecord) -> Markup {
    let id = token.id.to_string();
    let dialog = format!("delete-{id}");
    let delete = format!("{}/{id}/delete", paths::TOKENS);
    html! {
        tr {
            td { (token.description) }
            td { (when(token.created_at)) }
            td { (token.expires_at.map_or("Never".to_owned(), when)) }
            td { (token.last_used_at.map_or("Never".to_owned(), when)) }
            td {
                details.menu {
                    summary aria-label={ "More actions for " (token.description) } { "⋯" }
                    div.menu-items { a href=(delete) data-dialog=(dialog) { "Delete token" } }
                }
                dialog #(dialog) aria-labelledby={ (dialog) "-title" } {
                    h2 #{ (dialog) "-title" } { "Delete token" }
                    p { "Delete “" (token.description) "”? Anything using it stops working at once." }
                    form method="post" action=(delete) {
                        (shell.csrf())
                        div.actions {
                            button.danger type="submit" { "Delete" }
                            button.secondary type="button" data-close { "Cancel" }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct NewToken {
    #[serde(default)]
    description: String,
    #[serde(default)]
    expiration: String,
    #[serde(default)]
    custom_date: String,
}

async fn new_form(signed: SignedIn) -> Markup {
    token_form(&signed.shell, &NewToken::default(), &[])
}

fn token_form(shell: &Shell, input: &NewToken, problems: &[(&str, String)]) -> Markup {
    let problem = |field: &str| {
        problems
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.clone())
    };
    let options = [
        ("30", "30 days"),
        ("60", "60 days"),
        ("90", "90 days"),
        ("custom", "Custom date"),
        ("never", "No expiration"),
    ];
    let chosen = if input.expiration.is_empty() {
        "30"
    } else {
        input.expiration.as_str()
    };
    let body = html! {
        h1 { "Generate new token" }
        form.stack.card method="post" action=(paths::TOKENS) {
            (shell.csrf())
            div.field {
                label for="description" { "Description" }
                input #description type="text" name="description" required maxlength="1000" value=(input.description)
                    aria-describedby="description-error";
                @if let Some(message) = problem("description") { p.error #description-error { (message) } }
            }
            div.field {
                label for="expiration" { "Expiration" }
                select #expiration name="expiration" {
                    @for (value, label) in options {
                        option value=(value) selected[value == chosen] { (label) }
                    }
                }
            }
            div.field {
                label for="custom-date" { "Custom date (when Expiration is Custom date)" }
                input #custom-date type="date" name="customDate" value=(input.custom_date)
                    aria-describedby="expiration-error";
                @if let Some(message) = problem("expirationDate") { p.error #expiration-error { (message) } }
            }
            div.actions {
                button type="submit" { "Generate new token" }
                a href=(paths::TOKENS) { "Cancel" }
            }
        }
    };
    page(Some(shell), "Generate new token", body)
}

async fn create(State(state): State<AppState>, posted: SignedInForm<NewToken>) -> Result<Response, PageError> {
    let SignedInForm { signed, form } = posted;
    let expiration = match form.expiration.as_str() {
        "never" => Ok(None),
        "custom" if form.custom_date.is_empty() => Err("Choose the date the token expires."),
        "custom" => Ok(Some(format!("{}T00:00:00.000Z", form.custom_date))),
        days @ ("30" | "60" | "90") => {
            let days: i64 = days.parse().unwrap_or(30);
            Ok(Some(state.app.now().plus_seconds(days * 86_400).to_string()))
        }
        _ => Err("Choose when the token expires."),
    };
    let problems = match expiration {
        Err(message) => vec![("expirationDate", message.to_owned())],
        Ok(expiration) => match state
            .app
            .create_token(signed.actor(), &form.description, expiration.as_deref())
            .await
        {
            Ok(issued) => {
                let cookie = new_token_cookie(&state, issued.token, time::Duration::minutes(1));
                return Ok((CookieJar::new().add(cookie), see_other(paths::TOKENS)).into_response());
            }
            Err(AppError::Invalid(problems)) => problems
                .into_iter()
                .map(|problem| {
                    let field = if problem.field == "description" {
                        "description"
                    } else {
                        "expirationDate"
                    };
                    (field, problem.message)
                })
                .collect(),
            Err(error) => return Err(error.into()),
        },
    };
    Ok((StatusCode::BAD_REQUEST, token_form(&signed.shell, &form, &problems)).into_response())
}

/// The confirmation without JavaScript; with it, the row's `<dialog>` asks the same.
async fn confirm_delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let token = state.app.token(signed.actor(), &id).await?;
    let shell = &signed.shell;
    Ok(page(
        Some(shell),
        "Delete token",
        html! {
            h1 { "Delete token" }
            p { "Delete “" (token.description) "”? Anything using it stops working at once." }
            form method="post" {
                (shell.csrf())
                div.actions {
                    button.danger type="submit" { "Delete" }
                    a href=(paths::TOKENS) { "Cancel" }
                }
            }
        },
    ))
}

async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: SignedInForm<NoFields>,
) -> Result<Response, PageError> {
    state.app.delete_token(posted.signed.actor(), &id).await?;
    Ok(see_other(paths::TOKENS))
}
