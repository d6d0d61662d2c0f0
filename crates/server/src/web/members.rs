//! A product's members tab: a member's more-actions menu → **Revoke access**, with a reason, confirmed in a
//! modal (or on its own page without JavaScript).

use super::errors::PageError;
use super::layout::{Shell, page};
use super::session::{SignedIn, SignedInForm};
use super::{paths, see_other};
use crate::app::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use marketplace_app::model::AccessRequestRecord;
use marketplace_domain::ids::{ProductId, RequestId};
use maud::{Markup, html};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/data-product/{id}/members/{request}/revoke",
        get(confirm_page).post(revoke),
    )
}

fn revoke_path(product: &ProductId, request: &RequestId) -> String {
    format!(
        "{}/members/{}/revoke",
        paths::product(&product.0),
        super::encode(&request.0)
    )
}

fn revoke_form(action: &str, member: &str, shell: &Shell, in_dialog: bool) -> Markup {
    let field = format!("reason-{}", super::encode(action).replace('%', ""));
    html! {
        form.stack method="post" action=(action) {
            (shell.csrf())
            p { "Revoke " (member) "'s access? It ends at once, and their grants in the data platform are removed." }
            div.field {
                label for=(field) { "Reason" }
                textarea #(field) name="reason" required {}
            }
            div.actions {
                button.danger type="submit" { "Revoke access" }
                @if in_dialog { button.secondary type="button" data-close { "Cancel" } }
            }
        }
    }
}

/// The row's menu and its confirming dialog.
pub fn revoke_menu(product: &ProductId, request: &AccessRequestRecord, member: &str, shell: &Shell) -> Markup {
    let action = revoke_path(product, &request.id);
    let dialog = format!("revoke-{}", request.id.0);
    html! {
        details.menu {
            summary aria-label={ "More actions for " (member) } { "⋯" }
            div.menu-items { a href=(action) data-dialog=(dialog) { "Revoke access" } }
        }
        dialog #(dialog) aria-labelledby={ (dialog) "-title" } {
            h2 #{ (dialog) "-title" } { "Revoke access" }
            (revoke_form(&action, member, shell, true))
        }
    }
}

async fn confirm_page(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((product, request)): Path<(String, String)>,
) -> Result<Markup, PageError> {
    let (product, request) = (ProductId(product), RequestId(request));
    let shown = state.app.access_request(signed.actor(), &request).await?;
    let member = shown
        .requests
        .first()
        .map(|found| super::requests::user_name(&shown.users, found.user_id))
        .unwrap_or_default();
    let body = html! {
        h1 { "Revoke access" }
        (revoke_form(&revoke_path(&product, &request), &member, &signed.shell, false))
    };
    Ok(page(Some(&signed.shell), "Revoke access", body))
}

#[derive(Deserialize)]
struct Revoke {
    #[serde(default)]
    reason: String,
}

async fn revoke(
    State(state): State<AppState>,
    Path((product, request)): Path<(String, String)>,
    posted: SignedInForm<Revoke>,
) -> Result<Response, PageError> {
    let SignedInForm { signed, form } = posted;
    if form.reason.trim().is_empty() {
        return Err(PageError::BadRequest(
            "Say why the access is revoked: the reason is required.".into(),
        ));
    }
    let product = ProductId(product);
    state
        .app
        .revoke_product_access(signed.actor(), &product, &RequestId(request), Some(&form.reason))
        .await?;
    Ok(see_other(format!("{}?tab=members", paths::product(&product.0))))
}
