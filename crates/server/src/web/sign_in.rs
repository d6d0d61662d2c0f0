//! Signing in and out: the account page (`/marketplace?accountId=demo` pre-fills it, as Immuta's does), the
//! tenant's OpenID provider, and one-time sign-in links.

use super::errors::PageError;
use super::layout::page;
use super::session::{
    COOKIE, NoFields, PageQuery, SignedInForm, is_local_page, removal, served_over_https, session_cookie,
};
use super::{paths, see_other};
use crate::app::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::HOST;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use marketplace_app::AppError;
use maud::{Markup, html};
use serde::Deserialize;

/// The cookie binding an OpenID sign-in to the browser that started it (its `state`), and where to go after.
const OIDC_COOKIE: &str = "marketplace_sign_in";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/sign-in", get(begin_oidc))
        .route("/sign-in/callback", get(oidc_callback))
        .route("/sign-in/link/{token}", get(link_page).post(use_link))
        .route("/sign-out", post(sign_out))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Account {
    account_id: Option<String>,
    next: Option<String>,
}

fn next_page(next: Option<&str>) -> String {
    next.filter(|next| is_local_page(next))
        .unwrap_or(paths::PRODUCTS)
        .to_owned()
}

/// The sign-in page; a signed-in person goes straight on.
async fn home(State(state): State<AppState>, jar: CookieJar, PageQuery(account): PageQuery<Account>) -> Response {
    if let Some(cookie) = jar.get(COOKIE)
        && let Ok(session) = state.app.session(cookie.value()).await
    {
        // Signed in to the account asked for (or none asked for): straight on. Another account: its sign-in.
        let tenant = state.app.tenant_of(&session.actor).await.map(|tenant| tenant.short_key);
        if account.account_id.is_none() || tenant.ok() == account.account_id {
            return see_other(next_page(account.next.as_deref()));
        }
    }
    sign_in_page(StatusCode::OK, &account, None)
}

fn sign_in_page(status: StatusCode, account: &Account, problem: Option<&str>) -> Response {
    let body = html! {
        section.card {
            h1 { "Sign in to the Request app" }
            p.muted { "Enter your organisation's account to sign in with its identity provider." }
            @if let Some(problem) = problem { p.error role="alert" { (problem) } }
            form.stack method="get" action="/marketplace/sign-in" {
                div.field {
                    label for="account-id" { "Account" }
                    input #account-id type="text" name="accountId" required autocomplete="organization"
                        value=(account.account_id.as_deref().unwrap_or_default());
                }
                @if let Some(next) = account.next.as_deref().filter(|next| is_local_page(next)) {
                    input type="hidden" name="next" value=(next);
                }
                div { button type="submit" { "Continue" } }
            }
            p.muted { "Operators can also hand out one-time sign-in links: " code { "marketplace sign-in-link" } "." }
        }
    };
    (status, page(None, "Sign in", body)).into_response()
}

/// Where the provider sends the browser back: this server as the browser reached it, or its public URL.
fn callback_url(state: &AppState, parts: &Parts) -> String {
    match (
        &state.public_url,
        parts.headers.get(HOST).and_then(|host| host.to_str().ok()),
    ) {
        (None, Some(host)) => format!("http://{host}{}", paths::OIDC_CALLBACK),
        _ => state.link(paths::OIDC_CALLBACK),
    }
}

async fn begin_oidc(State(state): State<AppState>, parts: Parts, PageQuery(account): PageQuery<Account>) -> Response {
    let Some(account_id) = account.account_id.as_deref().map(str::trim).filter(|id| !id.is_empty()) else {
        return sign_in_page(StatusCode::BAD_REQUEST, &account, Some("Enter your account."));
    };
    let redirect = match state
        .app
        .begin_oidc_sign_in(account_id, &callback_url(&state, &parts))
        .await
    {
        Ok(redirect) => redirect,
        Err(AppError::NotFound(message)) => return sign_in_page(StatusCode::NOT_FOUND, &account, Some(&message)),
        Err(AppError::Refused(message)) => return sign_in_page(StatusCode::CONFLICT, &account, Some(&message)),
        Err(error) => return PageError::from(error).into_response(),
    };
    let value = format!("{} {}", redirect.state, next_page(account.next.as_deref()));
    let cookie = Cookie::build((OIDC_COOKIE, value))
        .path("/marketplace/sign-in")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(served_over_https(&state))
        .max_age(time::Duration::minutes(10))
        .build();
    (CookieJar::new().add(cookie), see_other(redirect.url)).into_response()
}

#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn oidc_callback(
    State(state): State<AppState>,
    parts: Parts,
    jar: CookieJar,
    PageQuery(callback): PageQuery<Callback>,
) -> Result<Response, PageError> {
    if let Some(error) = callback.error {
        let detail = callback.error_description.unwrap_or(error);
        return Err(PageError::Refused(format!(
            "Your identity provider did not sign you in: {detail}."
        )));
    }
    let started = jar
        .get(OIDC_COOKIE)
        .map(|cookie| cookie.value().to_owned())
        .unwrap_or_default();
    let (expected_state, next) = started.split_once(' ').unwrap_or_default();
    let (Some(code), Some(returned_state)) = (callback.code, callback.state) else {
        return Err(PageError::BadRequest(
            "The identity provider's answer lacks its code or state.".into(),
        ));
    };
    if expected_state.is_empty() || expected_state != returned_state {
        return Err(PageError::Forbidden(
            "This sign-in was not started in this browser, or it was already used. Start again from the sign-in \
             page."
                .into(),
        ));
    }
    let started = state
        .app
        .finish_oidc_sign_in(&returned_state, &code, &callback_url(&state, &parts))
        .await?;
    let jar = jar
        .remove(Cookie::build(OIDC_COOKIE).path("/marketplace/sign-in"))
        .add(session_cookie(&state, started.secret));
    Ok((jar, see_other(next_page(Some(next)))).into_response())
}

async fn link_page(State(state): State<AppState>, Path(token): Path<String>) -> Result<Markup, PageError> {
    let user = state.app.sign_in_link_user(&token).await?;
    Ok(page(
        None,
        "Sign in",
        html! {
            section.card {
                h1 { "Sign in as " (user.name) }
                p { "This link signs you in once. It stops working when used, or ten minutes after it was made." }
                form method="post" {
                    button type="submit" { "Sign in as " (user.name) }
                }
            }
        },
    ))
}

/// A link is used by a POST from its page, so that a link preview or a mail scanner fetching it does not use it up.
/// A POST from another site is refused: it would sign the browser in as someone else's account (login CSRF).
async fn use_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let from_another_site = headers
        .get("sec-fetch-site")
        .is_some_and(|site| site.as_bytes() == b"cross-site");
    if from_another_site {
        return Err(PageError::Forbidden(
            "A sign-in link works only when opened itself, not from another site's page.".into(),
        ));
    }
    let started = state.app.sign_in_with_link(&token).await?;
    let jar = CookieJar::new().add(session_cookie(&state, started.secret));
    Ok((jar, see_other(paths::PRODUCTS)).into_response())
}

async fn sign_out(
    State(state): State<AppState>,
    jar: CookieJar,
    _: SignedInForm<NoFields>,
) -> Result<Response, PageError> {
    if let Some(secret) = jar.get(COOKIE) {
        state.app.sign_out(secret.value()).await?;
    }
    Ok((jar.add(removal()), see_other(paths::HOME)).into_response())
}
