//! What a browser sees when a page cannot be shown: a page in the app's layout that says why in words and
//! offers a way back, never the JSON the API answers with.

use super::layout::{self, Shell};
use super::session::removal;
use super::{encode, paths, see_other};
use crate::logging::Refusal;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use marketplace_app::AppError;
use maud::{Markup, html};

#[derive(Debug)]
pub enum PageError {
    /// No session: the sign-in page, then back to this page.
    SignInFirst(String),
    /// The session lapsed or was ended elsewhere.
    SessionExpired(String),
    Forbidden(String),
    NotFound(String),
    BadRequest(String),
    /// Well formed, but not possible now (a used link, a request no longer pending).
    Refused(String),
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Unauthenticated => PageError::SessionExpired(paths::PRODUCTS.into()),
            AppError::Forbidden(message) => PageError::Forbidden(message),
            AppError::NotFound(message) => PageError::NotFound(message),
            AppError::Conflict(message) | AppError::Refused(message) => PageError::Refused(message),
            AppError::Invalid(_) => PageError::BadRequest(error.to_string()),
            AppError::Internal(source) => PageError::Internal(source),
        }
    }
}

/// A page of the app's layout with a heading, a message and the way back.
fn error_page(shell: Option<&Shell>, status: StatusCode, heading: &str, message: &str, back: Markup) -> Response {
    let body = html! {
        section.error-page {
            h1 { (heading) }
            p { (message) }
            p { (back) }
        }
    };
    let mut response = (status, layout::page(shell, heading, body)).into_response();
    response.extensions_mut().insert(Refusal(message.into()));
    response
}

fn back_to_products() -> Markup {
    html! { a href=(paths::PRODUCTS) { "Back to data products" } }
}

/// The 404 page for a browser that asked for a path nothing serves.
pub fn not_found_page(path: &str) -> Response {
    error_page(
        None,
        StatusCode::NOT_FOUND,
        "Page not found",
        &format!("There is no page at {path}."),
        back_to_products(),
    )
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::SignInFirst(next) => see_other(format!("{}?next={}", paths::HOME, encode(&next))),
            PageError::SessionExpired(next) => {
                let back = html! { a href={ (paths::HOME) "?next=" (encode(&next)) } { "Sign in again" } };
                let page = error_page(
                    None,
                    StatusCode::UNAUTHORIZED,
                    "Your session has expired",
                    "You were signed out, because the session was not used for a while or was ended. Sign in \
                     again to go on where you were.",
                    back,
                );
                (CookieJar::new().add(removal()), page).into_response()
            }
            PageError::Forbidden(message) => {
                error_page(None, StatusCode::FORBIDDEN, "Not allowed", &message, back_to_products())
            }
            PageError::NotFound(message) => {
                error_page(None, StatusCode::NOT_FOUND, "Not found", &message, back_to_products())
            }
            PageError::BadRequest(message) => error_page(
                None,
                StatusCode::BAD_REQUEST,
                "Something in the form is wrong",
                &message,
                back_to_products(),
            ),
            PageError::Refused(message) => error_page(
                None,
                StatusCode::CONFLICT,
                "That cannot be done",
                &message,
                back_to_products(),
            ),
            PageError::Internal(source) => {
                tracing::error!(error = %source, "a page failed");
                error_page(
                    None,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The page could not be shown because of an error on our side. It has been logged; try again \
                     in a moment.",
                    back_to_products(),
                )
            }
        }
    }
}
