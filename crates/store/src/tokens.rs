use crate::db::Template;
use crate::metadata::access::{TOKEN_OWNER_ACCESS, decode_access, token_owner};
use crate::metadata::{UserAccess, UserRecord, decode_user, user_columns};
use crate::schema::{ApiTokens, Tenants, Users};
use crate::tenants::{self, Tenant};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::{TenantId, UserId};
use sea_query::{Expr, ExprTrait, InsertStatement, Order, Query, SelectStatement, SimpleExpr};
use uuid::Uuid;

/// A personal access token as stored: never the token itself, only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub user_global_id: Uuid,
    pub description: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    /// When it last authenticated a call, to the minute.
    pub last_used_at: Option<Timestamp>,
}

pub struct NewToken {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub description: String,
    pub token_hash: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
}

/// What authenticating a token needs: the stored hash and expiry, the user it belongs to, their tenant and what
/// they hold (read with it: nearly every call needs them, and on PostgreSQL each statement is a round trip).
#[derive(Debug, Clone)]
pub struct Credential {
    pub token_hash: String,
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    pub user: UserRecord,
    pub tenant: Tenant,
    /// What the user holds.
    pub access: UserAccess,
}

/// Joins a token to the user who owns it.
fn owner() -> SimpleExpr {
    Expr::col((Users::Table, Users::TenantId))
        .equals((ApiTokens::Table, ApiTokens::TenantId))
        .and(Expr::col((Users::Table, Users::Id)).equals((ApiTokens::Table, ApiTokens::UserId)))
}

fn select_tokens(tenant_id: TenantId, user_id: UserId) -> SelectStatement {
    Query::select()
        .column((ApiTokens::Table, ApiTokens::Id))
        .column((Users::Table, Users::GlobalUserId))
        .columns([
            (ApiTokens::Table, ApiTokens::Description),
            (ApiTokens::Table, ApiTokens::CreatedAt),
            (ApiTokens::Table, ApiTokens::ExpiresAt),
            (ApiTokens::Table, ApiTokens::LastUsedAt),
        ])
        .from(ApiTokens::Table)
        .inner_join(Users::Table, owner())
        .and_where(Expr::col((ApiTokens::Table, ApiTokens::TenantId)).eq(tenant_id.to_string()))
        .and_where(Expr::col((ApiTokens::Table, ApiTokens::UserId)).eq(user_id.0))
        .and_where(Expr::col((ApiTokens::Table, ApiTokens::RevokedAt)).is_null())
        .take()
}

fn decode_token(tenant_id: TenantId, row: &crate::Row) -> Result<TokenRecord, StoreError> {
    Ok(TokenRecord {
        id: row.get(0)?,
        tenant_id,
        user_global_id: row.get(1)?,
        description: row.get(2)?,
        created_at: row.get(3)?,
        expires_at: row.get(4)?,
        last_used_at: row.get(5)?,
    })
}

fn insert_statement(token: &NewToken) -> InsertStatement {
    Query::insert()
        .into_table(ApiTokens::Table)
        .columns([
            ApiTokens::Id,
            ApiTokens::TenantId,
            ApiTokens::UserId,
            ApiTokens::Description,
            ApiTokens::TokenHash,
            ApiTokens::CreatedAt,
            ApiTokens::ExpiresAt,
        ])
        .values_panic([
            token.id.to_string().into(),
            token.tenant_id.to_string().into(),
            token.user_id.0.into(),
            token.description.clone().into(),
            token.token_hash.clone().into(),
            token.created_at.millis().into(),
            token.expires_at.map(Timestamp::millis).into(),
        ])
        .take()
}

/// A token's credential, by tenant and token id: read on every authenticated call. Its user is also named by
/// [`token_owner`]: joined only through the token, PostgreSQL's planner may walk the tenant's users in id order
/// to meet the token (a merge join), which cost five times as much for the user with the highest id of 2,000
/// as for one of the first.
static CREDENTIAL: Template<2> = Template::new(|[tenant, token]| {
    Query::select()
        .columns([
            (ApiTokens::Table, ApiTokens::TokenHash),
            (ApiTokens::Table, ApiTokens::ExpiresAt),
            (ApiTokens::Table, ApiTokens::LastUsedAt),
        ])
        .columns(user_columns())
        .columns(tenants::columns())
        .from(ApiTokens::Table)
        .inner_join(Users::Table, owner())
        .inner_join(
            Tenants::Table,
            Expr::col((Tenants::Table, Tenants::Id)).equals((ApiTokens::Table, ApiTokens::TenantId)),
        )
        .and_where(Expr::col((ApiTokens::Table, ApiTokens::Id)).eq(token.clone()))
        .and_where(Expr::col((ApiTokens::Table, ApiTokens::TenantId)).eq(tenant.clone()))
        .and_where(Expr::col((ApiTokens::Table, ApiTokens::RevokedAt)).is_null())
        .and_where(Expr::col((Users::Table, Users::Id)).eq(token_owner(tenant, token)))
        .take()
});

impl Store {
    pub async fn insert_token(&self, token: &NewToken) -> Result<(), StoreError> {
        let mut tx = self.backend.begin().await?;
        tx.execute(&insert_statement(token)).await?;
        tx.commit().await
    }

    /// Stores `token` in place of its user's tokens with the same description, in one transaction: a tool that
    /// makes tokens for itself (`quickstart`) leaves only its latest working. Returns how many were deleted.
    pub async fn replace_tokens(&self, token: &NewToken) -> Result<u64, StoreError> {
        let delete = Query::update()
            .table(ApiTokens::Table)
            .value(ApiTokens::RevokedAt, token.created_at.millis())
            .and_where(Expr::col(ApiTokens::TenantId).eq(token.tenant_id.to_string()))
            .and_where(Expr::col(ApiTokens::UserId).eq(token.user_id.0))
            .and_where(Expr::col(ApiTokens::Description).eq(token.description.as_str()))
            .and_where(Expr::col(ApiTokens::RevokedAt).is_null())
            .take();
        let mut tx = self.backend.begin().await?;
        let deleted = tx.execute(&delete).await?;
        tx.execute(&insert_statement(token)).await?;
        tx.commit().await?;
        Ok(deleted)
    }

    /// The user's tokens that have not been deleted, newest first.
    pub async fn tokens_of_user(&self, tenant_id: TenantId, user_id: UserId) -> Result<Vec<TokenRecord>, StoreError> {
        let query = select_tokens(tenant_id, user_id)
            .order_by((ApiTokens::Table, ApiTokens::CreatedAt), Order::Desc)
            .order_by((ApiTokens::Table, ApiTokens::Id), Order::Desc)
            .take();
        let rows = self.backend.read().await?.query(&query).await?;
        rows.iter().map(|row| decode_token(tenant_id, row)).collect()
    }

    pub async fn token_of_user(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        token_id: Uuid,
    ) -> Result<Option<TokenRecord>, StoreError> {
        let query = select_tokens(tenant_id, user_id)
            .and_where(Expr::col((ApiTokens::Table, ApiTokens::Id)).eq(token_id.to_string()))
            .take();
        let row = self.backend.read().await?.query_opt(&query).await?;
        row.map(|row| decode_token(tenant_id, &row)).transpose()
    }

    /// Marks the user's token deleted; it stops authenticating at once. Returns whether there was one.
    pub async fn revoke_token(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        token_id: Uuid,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let update = Query::update()
            .table(ApiTokens::Table)
            .value(ApiTokens::RevokedAt, at.millis())
            .and_where(Expr::col(ApiTokens::TenantId).eq(tenant_id.to_string()))
            .and_where(Expr::col(ApiTokens::UserId).eq(user_id.0))
            .and_where(Expr::col(ApiTokens::Id).eq(token_id.to_string()))
            .and_where(Expr::col(ApiTokens::RevokedAt).is_null())
            .take();
        let mut tx = self.backend.begin().await?;
        let changed = tx.execute(&update).await?;
        tx.commit().await?;
        Ok(changed == 1)
    }

    /// The stored credential behind a token id, if the token exists in that tenant and was not deleted, with
    /// what its owner holds (read together).
    pub async fn credential(&self, tenant_id: TenantId, token_id: Uuid) -> Result<Option<Credential>, StoreError> {
        let arguments = || [tenant_id.to_string().into(), token_id.to_string().into()];
        let (credential, access) = self
            .backend
            .read()
            .await?
            .query_both(&CREDENTIAL.with(arguments()), &TOKEN_OWNER_ACCESS.with(arguments()))
            .await?;
        let Some(row) = credential.first() else {
            return Ok(None);
        };
        Ok(Some(Credential {
            token_hash: row.get(0)?,
            expires_at: row.get(1)?,
            last_used_at: row.get(2)?,
            user: decode_user(row, 3)?,
            tenant: tenants::decode(row, 3 + user_columns().len())?,
            access: decode_access(&access)?,
        }))
    }
}
