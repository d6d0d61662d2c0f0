//! The actor's inbox: the messages notifications left them, read and unread.

use crate::model::{InboxFilter, InboxMessage};
use crate::{Actor, App, AppError};
use marketplace_domain::pagination::OffsetPage;

/// The most messages one bulk update may change.
pub const MAX_BULK: usize = 1000;

fn not_found() -> AppError {
    AppError::NotFound("Inbox message not found.".into())
}

impl App {
    /// One page of the actor's messages, newest first, only read (`Some(true)`) or unread (`Some(false)`) ones if
    /// asked; with how many match in all.
    pub async fn inbox(
        &self,
        actor: &Actor,
        read: Option<bool>,
        page: OffsetPage,
    ) -> Result<(Vec<InboxMessage>, u64), AppError> {
        let filter = InboxFilter { read, page };
        Ok(self.store.inbox(actor.tenant_id, actor.user.id, &filter).await?)
    }

    /// One of the actor's messages.
    pub async fn inbox_message(&self, actor: &Actor, id: &str) -> Result<InboxMessage, AppError> {
        self.store
            .inbox_message(actor.tenant_id, actor.user.id, id)
            .await?
            .ok_or_else(not_found)
    }

    /// Marks one of the actor's messages read or unread; returns it as it is now.
    pub async fn mark_inbox_message(&self, actor: &Actor, id: &str, read: bool) -> Result<InboxMessage, AppError> {
        let now = self.now();
        self.store
            .mark_inbox_messages(actor.tenant_id, actor.user.id, &[(id.to_owned(), read)], now)
            .await?
            .and_then(|mut changed| changed.pop())
            .ok_or_else(not_found)
    }

    /// Marks all the actor's unread messages read, however many; returns how many were marked.
    pub async fn mark_all_inbox_messages_read(&self, actor: &Actor) -> Result<u64, AppError> {
        let now = self.now();
        Ok(self
            .store
            .mark_all_inbox_messages_read(actor.tenant_id, actor.user.id, now)
            .await?)
    }

    /// Marks several of the actor's messages read or unread (`(id, read)`; the last word on a message counts), all
    /// or none: if one is not the actor's, nothing changes. At most [`MAX_BULK`] at once.
    pub async fn mark_inbox_messages(
        &self,
        actor: &Actor,
        changes: Vec<(String, bool)>,
    ) -> Result<Vec<InboxMessage>, AppError> {
        if changes.len() > MAX_BULK {
            return Err(AppError::invalid(
                "",
                format!("at most {MAX_BULK} messages may be updated at once"),
            ));
        }
        let mut merged: Vec<(String, bool)> = Vec::with_capacity(changes.len());
        for (id, read) in changes {
            match merged.iter_mut().find(|(seen, _)| *seen == id) {
                Some(existing) => existing.1 = read,
                None => merged.push((id, read)),
            }
        }
        let now = self.now();
        self.store
            .mark_inbox_messages(actor.tenant_id, actor.user.id, &merged, now)
            .await?
            .ok_or_else(|| AppError::NotFound("An inbox message named is not found; none was changed.".into()))
    }
}
