//! A data product's page, tab by tab: *Details*, *Data sources*, *Columns*, *Access requests*, *Members* and
//! *Request form*.

use super::errors::PageError;
use super::layout::{Shell, page};
use super::products::my_state;
use super::requests::{base_search, request_table};
use super::session::{PageQuery, SignedIn};
use super::{encode, paths};
use crate::app::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use marketplace_app::Actor;
use marketplace_app::catalog::{ShownProduct, SourcesOf};
use marketplace_app::model::{ColumnFilter, RequestRole};
use marketplace_domain::access_request::RequestType;
use marketplace_domain::ids::ProductId;
use marketplace_domain::pagination::OffsetPage;
use maud::{Markup, html};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/data-product/{id}", get(product_page))
}

const TABS: [(&str, &str); 6] = [
    ("details", "Details"),
    ("data-sources", "Data sources"),
    ("columns", "Columns"),
    ("access-requests", "Access requests"),
    ("members", "Members"),
    ("request-form", "Request form"),
];

#[derive(Deserialize)]
struct TabQuery {
    tab: Option<String>,
}

async fn product_page(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    PageQuery(query): PageQuery<TabQuery>,
) -> Result<Markup, PageError> {
    let id = ProductId(id);
    let actor = signed.actor();
    let shown = state.app.product(actor, &id).await?;
    let tab = query.tab.as_deref().unwrap_or("details");
    let content = match tab {
        "details" => details(&state, actor, &shown).await?,
        "data-sources" => data_sources(&state, actor, &shown).await?,
        "columns" => columns(&state, actor, &shown).await?,
        "access-requests" => product_requests(&state, actor, &id, false, &signed.shell).await?,
        "members" => product_requests(&state, actor, &id, true, &signed.shell).await?,
        "request-form" => request_forms(&state, actor, &id).await?,
        other => return Err(PageError::NotFound(format!("A data product has no tab `{other}`."))),
    };
    let base = paths::product(&id.0);
    let body = html! {
        h1 { (shown.product.name) }
        p.muted { "My state: " span.status { (my_state(&shown.caller.status)) }
            @if let Some(expiration) = shown.caller.expiration { " until " (super::layout::when(expiration)) } }
        nav.tabs aria-label="Data product" {
            @for (key, label) in TABS {
                a href={ (base) "?tab=" (key) } aria-current=[(key == tab).then_some("page")] { (label) }
            }
        }
        (content)
    };
    Ok(page(Some(&signed.shell), &shown.product.name, body))
}

async fn details(state: &AppState, actor: &Actor, shown: &ShownProduct) -> Result<Markup, PageError> {
    let product = &shown.product;
    let mut domains = Vec::new();
    for domain in &product.domains {
        domains.push(state.app.domain(actor, domain).await.map_or(domain.clone(), |d| d.name));
    }
    let expert = product
        .metadata
        .as_ref()
        .map(|metadata| &metadata.subject_matter_expert);
    Ok(html! {
        section.card aria-labelledby="details-heading" {
            h2 #details-heading { "Details" }
            dl.facts {
                dt { "Description" } dd { (product.description.as_deref().unwrap_or("None")) }
                dt { "Subject matter expert" }
                dd { (expert.and_then(|e| e.name.clone().or(e.username.clone())).unwrap_or_else(|| "None".into())) }
                dt { "Domains" } dd { (domains.join(", ")) }
                dt { "Data sources" } dd { (shown.stats.data_sources) }
            }
            div.actions {
                @if product.suspended {
                    p.warning { "This product is suspended: it takes no new requests." }
                } @else {
                    a.button href={ (paths::product(&product.id.0)) "/request-access" } { "Request access" }
                }
            }
        }
    })
}

async fn data_sources(state: &AppState, actor: &Actor, shown: &ShownProduct) -> Result<Markup, PageError> {
    let page = state
        .app
        .product_sources(actor, &shown.product.id, SourcesOf::Actor, None, None, 500)
        .await?;
    let access = if shown.product.suspended {
        "Access prevented"
    } else if page.member {
        "Current access"
    } else {
        "Access if approved"
    };
    Ok(html! {
        h2 { "Data sources" }
        div.table-wrap { table {
            thead { tr { th { "Name" } th { "Full path" } th { "My access" } } }
            tbody {
                @for source in &page.sources {
                    tr {
                        td { (source.name) }
                        td { code { (full_path(source)) } }
                        td { (access) }
                    }
                }
            }
        } }
        @if page.more { p.muted { "Only the first 500 data sources are shown." } }
    })
}

/// Where a source lives: host, database, schema and table, dotted.
pub fn full_path(source: &marketplace_app::model::ProductSource) -> String {
    [&source.hostname, &source.database, &source.schema, &source.table]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(".")
}

async fn columns(state: &AppState, actor: &Actor, shown: &ShownProduct) -> Result<Markup, PageError> {
    let filter = ColumnFilter {
        search_text: None,
        masked_only: false,
        tag_ids: Vec::new(),
        data_source_ids: Vec::new(),
        descending: false,
        page: OffsetPage { offset: 0, limit: 500 },
    };
    let page = state.app.product_columns(actor, &shown.product.id, &filter).await?;
    let action = format!("{}/request-access", paths::product(&shown.product.id.0));
    Ok(html! {
        h2 { "Columns" }
        p.muted { "Masked columns show hidden or hashed values. Pick masked columns to request an exception that shows their values." }
        form method="get" action=(action) {
            input type="hidden" name="type" value="masking-exception";
            div.table-wrap { table {
                thead { tr { th { "Select" } th { "Column" } th { "Data source" } th { "Tags" } th { "Masking" } } }
                tbody {
                    @for column in &page.columns {
                        @let masking = column.local_masking.as_ref().or(column.global_masking.as_ref());
                        @let id = format!("column-{}-{}", column.source_id, column.name);
                        tr {
                            td {
                                @if masking.is_some() {
                                    input #(id) type="checkbox" name="columns" value={ (column.source_id) ":" (column.name) };
                                }
                            }
                            td {
                                @if masking.is_some() { label for=(id) { (column.name) } } @else { (column.name) }
                            }
                            td { (column.source_name) }
                            td { @for tag in &column.tags { span.tag { (tag) } } }
                            td { @if let Some(masking) = masking { span.masked { "Masked" } " (" (masking) ")" } }
                        }
                    }
                }
            } }
            div.actions { button type="submit" { "Request masking exception" } }
        }
    })
}

async fn product_requests(
    state: &AppState,
    actor: &Actor,
    id: &ProductId,
    members: bool,
    shell: &Shell,
) -> Result<Markup, PageError> {
    let search = base_search(
        vec![RequestRole::Manager, RequestRole::Steward],
        OffsetPage { offset: 0, limit: 100 },
    );
    let found = match members {
        true => state.app.product_members(actor, id, search).await,
        false => state.app.search_product_requests(actor, id, search).await,
    };
    let found = match found {
        Ok(found) => found,
        Err(marketplace_app::AppError::Forbidden(message)) => {
            return Ok(html! { p { (message) } });
        }
        Err(error) => return Err(error.into()),
    };
    let revoke = members.then_some((id, shell));
    Ok(html! {
        h2 { @if members { "Members" } @else { "Access requests" } }
        @if found.shown.requests.is_empty() {
            p { @if members { "No one has access yet, or you cannot see who does." } @else { "No requests you can see." } }
        } @else {
            (request_table(&found.shown, revoke))
        }
    })
}

async fn request_forms(state: &AppState, actor: &Actor, id: &ProductId) -> Result<Markup, PageError> {
    let forms = state.app.product_forms(actor, id).await?;
    Ok(html! {
        h2 { "Request form" }
        @for form in &forms {
            section.card {
                h3 { (match form.request_type { RequestType::DataAccess => "Data access", _ => "Masking exception" })
                    ": " (form.form.name) }
                ul { @for field in &form.form.fields { li { (field.label()) } } }
            }
        }
        p { a href={ (paths::product(&id.0)) "/request-access?type=" (encode("data-access")) } { "Request access with this form" } }
    })
}
