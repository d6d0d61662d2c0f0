//! The Request app in the browser: server-rendered pages under `/marketplace/`, on the same use cases as the
//! JSON API. Plain HTML forms posted and redirected (POST-redirect-GET), a CSRF token in each, sessions kept
//! server-side; a few lines of JavaScript only for what HTML cannot do (copy to the clipboard, a confirming
//! `<dialog>`). Paths follow Immuta's Request app, so its deep links work here.

mod determination;
mod errors;
mod inbox;
mod layout;
mod members;
mod product_tabs;
mod products;
mod request_access;
mod requests;
mod session;
mod sign_in;
mod tokens;

pub use errors::{PageError, not_found_page};

use crate::app::AppState;
use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

/// The paths of the pages, relative to the base path where routes are declared, absolute where linked.
pub mod paths {
    pub const HOME: &str = "/marketplace";
    pub const PRODUCTS: &str = "/marketplace/data-products";
    pub const REQUESTS: &str = "/marketplace/access-requests";
    pub const TOKENS: &str = "/marketplace/personal-access-tokens";
    pub const INBOX: &str = "/marketplace/inbox";
    pub const SIGN_OUT: &str = "/marketplace/sign-out";
    pub const OIDC_CALLBACK: &str = "/marketplace/sign-in/callback";

    pub fn product(id: &str) -> String {
        format!("/marketplace/data-product/{}", super::encode(id))
    }

    /// A one-time sign-in link's path.
    pub fn sign_in_link(token: &str) -> String {
        format!("/marketplace/sign-in/link/{}", super::encode(token))
    }

    pub fn request(id: &str) -> String {
        format!("/marketplace/requests/{}", super::encode(id))
    }
}

/// A path segment or query value, percent-encoded.
pub fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// After a form: back to a page with GET (303), so a reload never posts twice.
pub fn see_other(path: impl AsRef<str>) -> Response {
    Redirect::to(path.as_ref()).into_response()
}

const STYLESHEET: &str = include_str!("static/app.css");
const SCRIPT: &str = include_str!("static/app.js");

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [(CONTENT_TYPE, content_type), (CACHE_CONTROL, "public, max-age=3600")],
        body,
    )
        .into_response()
}

/// The pages, to nest under the base path beside the API.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/assets/app.css",
            get(|| async { asset("text/css; charset=utf-8", STYLESHEET) }),
        )
        .route(
            "/assets/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
        )
        .merge(sign_in::router())
        .merge(tokens::router())
        .merge(products::router())
        .merge(product_tabs::router())
        .merge(request_access::router())
        .merge(requests::router())
        .merge(determination::router())
        .merge(members::router())
        .merge(inbox::router())
}
