//! A user's inbox: the messages notifications left them, newest first, read or not.

use crate::db::Conn;
use crate::query::{count, limit_of, one_of, tenant_is};
use crate::schema::InboxMessages;
use crate::{Row, Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::{TenantId, UserId};
use marketplace_domain::pagination::OffsetPage;
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

#[derive(Debug, Clone, PartialEq)]
pub struct InboxMessage {
    pub id: String,
    pub notification_id: String,
    pub notification_type: String,
    pub subject: String,
    pub message: String,
    pub action_link: Option<String>,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct InboxFilter {
    /// Only read (`true`) or unread (`false`) messages.
    pub read: Option<bool>,
    pub page: OffsetPage,
}

fn select(tenant_id: TenantId, user_id: UserId) -> SelectStatement {
    Query::select()
        .columns([
            InboxMessages::Id,
            InboxMessages::NotificationId,
            InboxMessages::NotificationType,
            InboxMessages::Subject,
            InboxMessages::Message,
            InboxMessages::ActionLink,
            InboxMessages::CreatedAt,
            InboxMessages::ReadAt,
        ])
        .from(InboxMessages::Table)
        .and_where(tenant_is(InboxMessages::TenantId, tenant_id))
        .and_where(Expr::col(InboxMessages::UserId).eq(user_id.0))
        .take()
}

fn decode(row: &Row) -> Result<InboxMessage, StoreError> {
    Ok(InboxMessage {
        id: row.get(0)?,
        notification_id: row.get(1)?,
        notification_type: row.get(2)?,
        subject: row.get(3)?,
        message: row.get(4)?,
        action_link: row.get(5)?,
        created_at: Timestamp::from_millis(row.get(6)?),
        read_at: row.get::<Option<i64>>(7)?.map(Timestamp::from_millis),
    })
}

impl Store {
    /// A page of the user's messages, newest first, and how many match.
    pub async fn inbox(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        filter: &InboxFilter,
    ) -> Result<(Vec<InboxMessage>, u64), StoreError> {
        let mut query = select(tenant_id, user_id);
        match filter.read {
            Some(true) => query.and_where(Expr::col(InboxMessages::ReadAt).is_not_null()),
            Some(false) => query.and_where(Expr::col(InboxMessages::ReadAt).is_null()),
            None => &mut query,
        };
        let mut conn = self.backend.read().await?;
        let total = count(&mut conn, query.clone()).await?;
        let page = query
            .order_by(InboxMessages::CreatedAt, Order::Desc)
            .order_by(InboxMessages::Id, Order::Desc)
            .limit(limit_of(filter.page.limit))
            .offset(filter.page.offset)
            .take();
        let messages = conn.query(&page).await?.iter().map(decode).collect::<Result<_, _>>()?;
        Ok((messages, total))
    }

    /// One of the user's messages.
    pub async fn inbox_message(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        id: &str,
    ) -> Result<Option<InboxMessage>, StoreError> {
        let query = select(tenant_id, user_id)
            .and_where(Expr::col(InboxMessages::Id).eq(id))
            .take();
        let row = self.backend.read().await?.query_opt(&query).await?;
        row.as_ref().map(decode).transpose()
    }

    /// Marks the user's messages read or unread (a read message keeps when it was first read) and returns them,
    /// in the order asked; `Ok(None)` if one of them is not the user's, and then nothing changes.
    pub async fn mark_inbox_messages(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        changes: &[(String, bool)],
        now: Timestamp,
    ) -> Result<Option<Vec<InboxMessage>>, StoreError> {
        let mut tx = self.backend.begin().await?;
        let found = named(&mut tx, tenant_id, user_id, changes).await?;
        if changes
            .iter()
            .any(|(id, _)| !found.iter().any(|message| &message.id == id))
        {
            return Ok(None);
        }
        for (id, read) in changes {
            let mut update = Query::update()
                .table(InboxMessages::Table)
                .and_where(tenant_is(InboxMessages::TenantId, tenant_id))
                .and_where(Expr::col(InboxMessages::UserId).eq(user_id.0))
                .and_where(Expr::col(InboxMessages::Id).eq(id.as_str()))
                .take();
            match read {
                // A message read again keeps when it was first read.
                true => update
                    .value(InboxMessages::ReadAt, now.millis())
                    .and_where(Expr::col(InboxMessages::ReadAt).is_null()),
                false => update.value(InboxMessages::ReadAt, Option::<i64>::None),
            };
            tx.execute(&update).await?;
        }
        let read_back = named(&mut tx, tenant_id, user_id, changes).await?;
        // In the order asked.
        let changed = changes
            .iter()
            .filter_map(|(id, _)| read_back.iter().find(|message| &message.id == id).cloned())
            .collect();
        tx.commit().await?;
        Ok(Some(changed))
    }

    /// Marks all the user's unread messages read, however many, in one statement: nothing is listed first, so
    /// there is no page to cap them and no gap between reading and marking. Returns how many were marked.
    pub async fn mark_all_inbox_messages_read(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        let update = Query::update()
            .table(InboxMessages::Table)
            .value(InboxMessages::ReadAt, now.millis())
            .and_where(tenant_is(InboxMessages::TenantId, tenant_id))
            .and_where(Expr::col(InboxMessages::UserId).eq(user_id.0))
            .and_where(Expr::col(InboxMessages::ReadAt).is_null())
            .take();
        let mut tx = self.backend.begin().await?;
        let marked = tx.execute_long(&update).await?;
        tx.commit().await?;
        Ok(marked)
    }
}

/// The user's messages among those `changes` name.
async fn named(
    conn: &mut Conn,
    tenant_id: TenantId,
    user_id: UserId,
    changes: &[(String, bool)],
) -> Result<Vec<InboxMessage>, StoreError> {
    let ids = changes.iter().map(|(id, _)| id.clone());
    let query = select(tenant_id, user_id)
        .and_where(one_of(InboxMessages::Id, ids))
        .take();
    conn.query(&query).await?.iter().map(decode).collect()
}
