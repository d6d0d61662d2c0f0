//! Who is looking at a page: the session behind the browser's cookie, and the CSRF token its forms carry.

use super::errors::PageError;
use super::layout::Shell;
use crate::app::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Request};
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use marketplace_app::sign_in::Session;
use marketplace_domain::pagination::OffsetPage;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The cookie that carries the session's secret.
pub const COOKIE: &str = "marketplace_session";

/// The session cookie for a new session: script cannot read it, other sites' forms do not carry it, and behind
/// HTTPS it never travels in clear.
pub fn session_cookie(state: &AppState, secret: String) -> Cookie<'static> {
    Cookie::build((COOKIE, secret))
        .path("/marketplace")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(served_over_https(state))
        .build()
}

/// A cookie that removes the session cookie.
pub fn removal() -> Cookie<'static> {
    Cookie::build((COOKIE, "")).path("/marketplace").build()
}

pub fn served_over_https(state: &AppState) -> bool {
    state
        .public_url
        .as_deref()
        .is_some_and(|url| url.starts_with("https://"))
}

/// A signed-in person, with what every page's frame shows.
pub struct SignedIn {
    pub session: Session,
    pub shell: Shell,
}

impl SignedIn {
    pub fn actor(&self) -> &marketplace_app::Actor {
        &self.session.actor
    }
}

/// Where a person who must sign in first comes back to: this page, if it is one of ours.
fn return_path(parts: &Parts) -> String {
    // Inside the nested router the URI lacks `/marketplace`; the original one has it.
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |original| &original.0);
    uri.path_and_query()
        .map(|path| path.as_str().to_owned())
        .filter(|path| is_local_page(path))
        .unwrap_or_else(|| super::paths::PRODUCTS.to_owned())
}

/// Only paths of this app are followed after signing in, never another site (`//evil.example`).
pub fn is_local_page(path: &str) -> bool {
    path.starts_with("/marketplace/") && !path.starts_with("//") && !path.contains('\\') && !path.contains("://")
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(secret) = jar
            .get(COOKIE)
            .map(|cookie| cookie.value().to_owned())
            .filter(|v| !v.is_empty())
        else {
            return Err(PageError::SignInFirst(return_path(parts)));
        };
        let session = match state.app.session(&secret).await {
            Ok(session) => session,
            Err(marketplace_app::AppError::Unauthenticated) => {
                return Err(PageError::SessionExpired(return_path(parts)));
            }
            Err(error) => return Err(error.into()),
        };
        let actor = &session.actor;
        tracing::Span::current()
            .record("tenant.id", tracing::field::display(actor.tenant_id))
            .record("user.id", actor.user.id.0);
        let tenant = state.app.tenant_of(actor).await?;
        let (_, unread) = state
            .app
            .inbox(actor, Some(false), OffsetPage { offset: 0, limit: 1 })
            .await?;
        let shell = Shell {
            tenant_name: tenant.name,
            theme: tenant.theme,
            user_name: actor.user.name.clone(),
            unread,
            csrf_token: session.csrf_token.clone(),
        };
        Ok(SignedIn { session, shell })
    }
}

/// A form with nothing to send but its CSRF token (a button).
#[derive(Deserialize)]
pub struct NoFields {}

/// A page's query string, read as HTML forms send it (a name may repeat, as checkboxes do); a malformed one is a
/// page saying so, not a bare text answer.
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        serde_html_form::from_str(parts.uri.query().unwrap_or_default())
            .map(PageQuery)
            .map_err(|error| PageError::BadRequest(format!("The address is not one this page understands: {error}.")))
    }
}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// A form posted by a signed-in person, whose CSRF token matches their session's.
pub struct SignedInForm<T> {
    pub signed: SignedIn,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for SignedInForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let signed = SignedIn::from_request_parts(&mut parts, state).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|rejection| PageError::BadRequest(rejection.body_text()))?;
        let field: CsrfField =
            serde_html_form::from_bytes(&bytes).map_err(|error| PageError::BadRequest(error.to_string()))?;
        if !constant_time_eq(field.csrf.as_bytes(), signed.session.csrf_token.as_bytes()) {
            return Err(PageError::Forbidden(
                "This form was not sent from a page of this app, or its page is out of date. Go back, reload \
                 the page and send it again."
                    .into(),
            ));
        }
        let form = serde_html_form::from_bytes(&bytes).map_err(|error| PageError::BadRequest(error.to_string()))?;
        Ok(SignedInForm { signed, form })
    }
}

/// Compares secrets in time that does not depend on where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_pages_are_followed_after_sign_in() {
        assert!(is_local_page("/marketplace/data-products?state=approved"));
        for path in [
            "//evil.example/x",
            "/marketplace",
            "https://evil.example/",
            "/other",
            "/marketplace/\\evil",
        ] {
            assert!(!is_local_page(path), "{path}");
        }
    }

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
