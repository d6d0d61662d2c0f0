//! Access requests: the list (mine, awaiting my review, or all I can see; by status; sorted as Immuta's page
//! sorts), and one request's page: its answers, what it asks for, its approval records by stage, the
//! provisioning of its access, and *Cancel* for its requester.

use super::errors::PageError;
use super::layout::{Shell, page, when};
use super::product_tabs::full_path;
use super::session::{NoFields, PageQuery, SignedIn, SignedInForm};
use super::{encode, paths, see_other};
use crate::app::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use marketplace_app::model::{ApprovalRecordRow, RequestRole, RequestSearch, RequestSort, ReviewStatus};
use marketplace_app::requests::{RequestDetails, ShownRequests, Users};
use marketplace_domain::access_request::{RequestStatus, RequestType};
use marketplace_domain::ids::{ProductId, RequestId, UserId};
use marketplace_domain::pagination::OffsetPage;
use marketplace_domain::review_flow::Approver;
use maud::{Markup, html};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/access-requests", get(list))
        .route("/requests/{id}", get(request_page))
        .route("/access-requests/{id}", get(request_page))
        .route("/requests/{id}/cancel", post(cancel))
}

/// A search with nothing filtered, newest first.
pub fn base_search(roles: Vec<RequestRole>, page: OffsetPage) -> RequestSearch {
    RequestSearch {
        roles,
        search_text: None,
        statuses: Vec::new(),
        types: Vec::new(),
        user_ids: Vec::new(),
        expiration: None,
        data_product_id: None,
        asset_id: None,
        asset_types: Vec::new(),
        target_types: Vec::new(),
        review_statuses: Vec::new(),
        sort: RequestSort::CreatedAt,
        descending: true,
        page,
    }
}

pub fn user_name(users: &Users, id: UserId) -> String {
    users
        .0
        .get(&id)
        .map_or_else(|| "A former user".to_owned(), |(user, _)| user.name.clone())
}

pub fn status_label(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Pending => "Pending",
        RequestStatus::Approved => "Approved",
        RequestStatus::Denied => "Denied",
        RequestStatus::Canceled => "Canceled",
        RequestStatus::Revoked => "Revoked",
        RequestStatus::Expired => "Expired",
    }
}

fn type_label(request_type: RequestType) -> &'static str {
    match request_type {
        RequestType::DataAccess => "Data access",
        _ => "Masking exception",
    }
}

/// Requests as a table; with `revoke` (a product's members tab), each row offers *Revoke access*.
pub fn request_table(shown: &ShownRequests, revoke: Option<(&ProductId, &Shell)>) -> Markup {
    html! {
        div.table-wrap { table {
            thead { tr {
                th { "Request" } th { "Type" } th { "For" } th { "Status" } th { "Created" } th { "Expires" }
                @if revoke.is_some() { th { "Actions" } }
            } }
            tbody {
                @for request in &shown.requests {
                    tr {
                        td { a href=(paths::request(&request.id.0)) { (request.target_name) } }
                        td { (type_label(request.request_type)) }
                        td { (user_name(&shown.users, request.user_id)) }
                        td.status { (status_label(request.status)) }
                        td { (when(request.created_at)) }
                        td { (request.expiration.map_or("Never".to_owned(), when)) }
                        @if let Some((product, shell)) = revoke {
                            td { (super::members::revoke_menu(product, request, &user_name(&shown.users, request.user_id), shell)) }
                        }
                    }
                }
            }
        } }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    view: String,
    #[serde(default)]
    sort_by: String,
    #[serde(default)]
    sort_order: String,
    /// The page, from 1, as Immuta's page links name it (`?offset=1&size=10`).
    offset: Option<u64>,
    size: Option<u64>,
}

async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    PageQuery(query): PageQuery<ListQuery>,
) -> Result<Markup, PageError> {
    let size = query.size.unwrap_or(20).clamp(1, 100);
    let page_number = query.offset.unwrap_or(1).max(1);
    let offset = (page_number - 1).saturating_mul(size);
    let mut search = base_search(Vec::new(), OffsetPage { offset, limit: size });
    match query.view.as_str() {
        "mine" => search.roles = vec![RequestRole::Requestor],
        "review" => {
            search.roles = vec![RequestRole::Manager, RequestRole::Steward];
            search.review_statuses = vec![ReviewStatus::AwaitingReviewFromYou];
        }
        _ => {}
    }
    if RequestStatus::parse(&query.status).is_some() {
        search.statuses = vec![query.status.clone()];
    }
    search.sort = match query.sort_by.as_str() {
        "status" => RequestSort::Status,
        "dataProduct" => RequestSort::DataProduct,
        _ => RequestSort::CreatedAt,
    };
    search.descending = query.sort_order != "asc";
    let found = state.app.search_requests(signed.actor(), &search).await?;
    let link = |offset: u64| {
        let offset = offset / size + 1;
        format!(
            "{}?status={}&view={}&sortBy={}&sortOrder={}&offset={offset}&size={size}",
            paths::REQUESTS,
            encode(&query.status),
            encode(&query.view),
            encode(&query.sort_by),
            encode(&query.sort_order)
        )
    };
    let views = [
        ("", "All I can see"),
        ("mine", "My requests"),
        ("review", "Awaiting my review"),
    ];
    let statuses = ["", "PENDING", "APPROVED", "DENIED", "CANCELED", "REVOKED", "EXPIRED"];
    let sorts = [
        ("createdAt", "Date"),
        ("status", "Status"),
        ("dataProduct", "Data product"),
    ];
    let body = html! {
        h1 { "Access requests" }
        form.filters method="get" {
            div.field { label for="view" { "Show" }
                select #view name="view" { @for (value, label) in views { option value=(value) selected[value == query.view] { (label) } } } }
            div.field { label for="status" { "Status" }
                select #status name="status" { @for value in statuses {
                    option value=(value) selected[value == query.status] {
                        (RequestStatus::parse(value).map_or("Any", status_label)) } } } }
            div.field { label for="sort-by" { "Sort by" }
                select #sort-by name="sortBy" { @for (value, label) in sorts { option value=(value) selected[value == query.sort_by] { (label) } } } }
            div.field { label for="sort-order" { "Order" }
                select #sort-order name="sortOrder" {
                    option value="desc" selected[query.sort_order != "asc"] { "Newest or last first" }
                    option value="asc" selected[query.sort_order == "asc"] { "Oldest or first first" } } }
            button type="submit" { "Filter" }
        }
        @if found.shown.requests.is_empty() { p { "No access requests match." } }
        @else { (request_table(&found.shown, None)) }
        p.muted { (found.total) " in all." }
        div.actions {
            @if offset > 0 { a.button.secondary href=(link(offset.saturating_sub(size))) { "Previous page" } }
            @if offset + size < found.total { a.button.secondary href=(link(offset + size)) { "Next page" } }
        }
    };
    Ok(page(Some(&signed.shell), "Access requests", body))
}

fn provisioning_label(state: &str) -> &'static str {
    match state {
        "NOT_PROVISIONED" => "Not provisioned by Marketplace",
        "PENDING" => "Being granted",
        "APPLIED" => "Granted",
        "FAILED" => "Failed (retried automatically)",
        "REVOKED" => "Revoked",
        _ => "Unknown",
    }
}

pub fn approver_label(approver: &Approver) -> String {
    match approver {
        Approver::User { id, display_name } => display_name.clone().unwrap_or_else(|| format!("user {id}")),
        Approver::Group { name, .. } => format!("group {name}"),
        Approver::Permission { permission } => format!("anyone with {}", permission.as_str()),
        Approver::DomainPermission { permission, .. } => format!("{} in the domain", permission.as_str()),
        Approver::Attribute { key, value } => format!("anyone with {key} = {value}"),
        Approver::CatalogPermission {} => "catalog permission holders".to_owned(),
    }
}

fn records_section(records: &[ApprovalRecordRow], users: &Users) -> Markup {
    html! {
        h2 { "Approval records" }
        @if records.is_empty() { p { "This request needed no review." } }
        ol {
            @for record in records {
                li {
                    span.status { (record.status.as_str()) } " — approvers: "
                    (record.approvers.iter().map(approver_label).collect::<Vec<_>>().join(", "))
                    @if !record.prerequisites.is_empty() { " (after the earlier stage)" }
                    @if let Some(by) = record.action_by { br; "Decided by " (user_name(users, by)) " on " (when(record.updated_at)) }
                    @if let Some(reason) = &record.reason { br; "Reason: " (reason) }
                    @if let (Some(duration), Some(unit)) = (record.duration, record.duration_unit) {
                        br; "For " (duration) " " (format!("{unit:?}").to_lowercase())
                    }
                }
            }
        }
    }
}

async fn request_page(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let id = RequestId(id);
    let actor = signed.actor();
    let RequestDetails {
        request,
        records,
        users,
        form_version,
        columns,
        sources,
        provisioning,
    } = state.app.request_details(actor, &id).await?;
    let mine = actor.user.id == request.requesting_user_id || actor.user.id == request.user_id;
    let answers = super::determination::answers(request.form.as_deref(), form_version.as_ref());
    let body = html! {
        h1 { (type_label(request.request_type)) ": " (request.target_name) }
        section.card {
            dl.facts {
                dt { "Status" } dd #request-status { (status_label(request.status)) }
                dt { "Requested by" } dd { (user_name(&users, request.requesting_user_id)) }
                dt { "For" } dd { (user_name(&users, request.user_id)) }
                dt { "Created" } dd { (when(request.created_at)) }
                dt { "Expires" } dd #request-expires { (request.expiration.map_or("Never".to_owned(), when)) }
                @if let Some(product) = &request.data_product_id {
                    dt { "Data product" } dd { a href=(paths::product(&product.0)) { (request.target_name) } }
                }
                dt { "Access in the data platform" } dd #provisioning-state { (provisioning_label(provisioning.state)) }
            }
            @if mine && request.status == RequestStatus::Pending {
                form method="post" action={ (paths::request(&id.0)) "/cancel" } {
                    (signed.shell.csrf())
                    div.actions { button.danger type="submit" { "Cancel request" } }
                }
            }
            @if !mine && request.status == RequestStatus::Pending
                && records.iter().any(|record| record.status.as_str() == "PENDING") {
                div.actions { a.button href={ (paths::request(&id.0)) "/determination" } { "Continue to determination" } }
            }
        }
        h2 { "Answers" }
        (answers)
        @if !sources.is_empty() {
            h2 { "Data sources" }
            ul { @for source in &sources { li { (source.name) " — " code { (full_path(source)) } } } }
        }
        @if !columns.is_empty() {
            h2 { "Requested columns" }
            ul { @for column in &columns { li { code { (column.source_name) "." (column.column_name) } } } }
        }
        (records_section(&records, &users))
        @if !provisioning.grants.is_empty() {
            h2 { "Provisioning" }
            ul { @for grant in &provisioning.grants {
                li { (grant.privilege.to_string()) " on " (grant.connection_name) ": " (format!("{:?}", grant.state)) }
            } }
        }
    };
    Ok(page(Some(&signed.shell), &request.target_name, body))
}

async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: SignedInForm<NoFields>,
) -> Result<Response, PageError> {
    state
        .app
        .cancel_request(posted.signed.actor(), &RequestId(id.clone()))
        .await?;
    Ok(see_other(paths::request(&id)))
}
