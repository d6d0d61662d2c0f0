//! The data products page: search by name, filter by my state (Approved, Pending, Denied, Member), page on.

use super::errors::PageError;
use super::layout::page;
use super::session::{PageQuery, SignedIn};
use super::{encode, paths};
use crate::app::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use marketplace_app::model::ProductSearch;
use marketplace_domain::catalog::Role;
use marketplace_domain::ids::ProductId;
use maud::{Markup, html};
use serde::Deserialize;

const PAGE_SIZE: u64 = 20;

pub fn router() -> Router<AppState> {
    Router::new().route("/data-products", get(list))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    #[serde(default)]
    search: String,
    #[serde(default)]
    state: String,
    /// The last product of the previous page: its name and id.
    after: Option<String>,
    after_id: Option<String>,
}

/// The states a person filters by, as the page names them and as the catalog does.
const STATES: [(&str, &str); 5] = [
    ("", "Any"),
    ("approved", "Approved"),
    ("pending", "Pending"),
    ("denied", "Denied"),
    ("member", "Member"),
];

/// How my relation to a product reads on the page.
pub fn my_state(status: &str) -> &'static str {
    match status {
        "APPROVED" => "Approved",
        "PENDING" => "Pending",
        "DENIED" => "Denied",
        "EXPIRED" => "Expired",
        "CANCELED" | "CANCELLED" => "Canceled",
        "REVOKED" => "Revoked",
        "PUBLISHER" => "Manager",
        _ => "No access",
    }
}

async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    PageQuery(query): PageQuery<ListQuery>,
) -> Result<Markup, PageError> {
    let mut search = ProductSearch {
        name_filter: Some(query.search.trim().to_owned()).filter(|name| !name.is_empty()),
        descending: false,
        after: query.after.clone().zip(query.after_id.clone().map(ProductId)),
        limit: PAGE_SIZE,
        statuses: Vec::new(),
        roles: Vec::new(),
        expiration: None,
    };
    match query.state.as_str() {
        "member" => search.roles.push(Role::Member),
        "" => {}
        other => search.statuses.push(other.to_ascii_uppercase()),
    }
    let (products, more) = state.app.search_products(signed.actor(), &search).await?;
    let next = products.last().filter(|_| more).map(|last| {
        format!(
            "{}?search={}&state={}&after={}&afterId={}",
            paths::PRODUCTS,
            encode(&query.search),
            encode(&query.state),
            encode(&last.product.name),
            encode(&last.product.id.0)
        )
    });
    let body = html! {
        h1 { "Data products" }
        form.filters method="get" role="search" {
            div.field {
                label for="search" { "Search" }
                input #search type="search" name="search" value=(query.search);
            }
            div.field {
                label for="state" { "My state" }
                select #state name="state" {
                    @for (value, label) in STATES { option value=(value) selected[value == query.state] { (label) } }
                }
            }
            button type="submit" { "Filter" }
        }
        @if products.is_empty() {
            p { "No data products match." }
        }
        ul.plain {
            @for shown in &products {
                li {
                    h2 { a href=(paths::product(&shown.product.id.0)) { (shown.product.name) } }
                    @if let Some(description) = &shown.product.description { p { (description) } }
                    p.muted {
                        "My state: " span.status { (my_state(&shown.caller.status)) }
                        " · " (shown.stats.data_sources) " data sources"
                    }
                }
            }
        }
        @if let Some(next) = next { p { a.button.secondary href=(next) { "Next page" } } }
        @if query.after.is_some() { p { a href=(paths::PRODUCTS) { "Back to the first page" } } }
    };
    Ok(page(Some(&signed.shell), "Data products", body))
}
