//! The inbox: the messages notifications left, read and unread; mark one or all; each opens its request or
//! product (and counts as read).

use super::errors::PageError;
use super::layout::{page, when};
use super::session::{NoFields, PageQuery, SignedIn, SignedInForm, is_local_page};
use super::{paths, see_other};
use crate::app::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use marketplace_domain::pagination::OffsetPage;
use maud::{Markup, html};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inbox", get(inbox))
        .route("/inbox/read-all", post(read_all))
        .route("/inbox/{id}/open", get(open))
        .route("/inbox/{id}/read", post(mark))
}

#[derive(Deserialize, Default)]
struct InboxQuery {
    #[serde(default)]
    show: String,
}

async fn inbox(
    State(state): State<AppState>,
    signed: SignedIn,
    PageQuery(query): PageQuery<InboxQuery>,
) -> Result<Markup, PageError> {
    let read = match query.show.as_str() {
        "unread" => Some(false),
        "read" => Some(true),
        _ => None,
    };
    let (messages, total) = state
        .app
        .inbox(signed.actor(), read, OffsetPage { offset: 0, limit: 100 })
        .await?;
    let shell = &signed.shell;
    let body = html! {
        h1 { "Inbox" }
        form.filters method="get" {
            div.field { label for="show" { "Show" }
                select #show name="show" {
                    @for (value, label) in [("", "All messages"), ("unread", "Unread"), ("read", "Read")] {
                        option value=(value) selected[value == query.show] { (label) } } } }
            button type="submit" { "Filter" }
        }
        @if shell.unread > 0 {
            form method="post" action="/marketplace/inbox/read-all" {
                (shell.csrf())
                div.actions { button.secondary type="submit" { "Mark all as read" } }
            }
        }
        @if messages.is_empty() { p { "No messages." } }
        ul.plain {
            @for message in &messages {
                li.unread[message.read_at.is_none()] {
                    @if message.read_at.is_none() { span.badge { "Unread" } " " }
                    a href={ (paths::INBOX) "/" (super::encode(&message.id)) "/open" } { (message.subject) }
                    p { (message.message) }
                    p.muted { (when(message.created_at)) }
                    form.inline method="post" action={ (paths::INBOX) "/" (super::encode(&message.id)) "/read" } {
                        (shell.csrf())
                        input type="hidden" name="read" value=(if message.read_at.is_none() { "true" } else { "false" });
                        button.link type="submit" {
                            @if message.read_at.is_none() { "Mark as read" } @else { "Mark as unread" } }
                    }
                }
            }
        }
        @if total > messages.len() as u64 { p.muted { "The newest 100 of " (total) " messages are shown." } }
    };
    Ok(page(Some(shell), "Inbox", body))
}

/// Opens what the message is about, and marks it read. Links elsewhere than this app are not followed.
async fn open(State(state): State<AppState>, signed: SignedIn, Path(id): Path<String>) -> Result<Response, PageError> {
    let message = state.app.mark_inbox_message(signed.actor(), &id, true).await?;
    let local = message.action_link.as_deref().map(|link| match &state.public_url {
        Some(base) => link.strip_prefix(base.trim_end_matches('/')).unwrap_or(link),
        None => link,
    });
    Ok(see_other(
        local.filter(|link| is_local_page(link)).unwrap_or(paths::INBOX),
    ))
}

#[derive(Deserialize)]
struct Mark {
    read: bool,
}

async fn mark(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: SignedInForm<Mark>,
) -> Result<Response, PageError> {
    state
        .app
        .mark_inbox_message(posted.signed.actor(), &id, posted.form.read)
        .await?;
    Ok(see_other(paths::INBOX))
}

async fn read_all(State(state): State<AppState>, posted: SignedInForm<NoFields>) -> Result<Response, PageError> {
    state.app.mark_all_inbox_messages_read(posted.signed.actor()).await?;
    Ok(see_other(paths::INBOX))
}
