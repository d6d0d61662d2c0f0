//! The web app's sign-in state: sessions, one-time sign-in links, and OpenID sign-ins in flight. Secrets are
//! stored as hashes the caller computes; the store never sees a session id or a link.

use crate::metadata::{UserRecord, decode_user, user_columns};
use crate::schema::{ApiTokens, OidcSignIns, SignInLinks, Users, WebSessions};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::{TenantId, UserId};
use sea_query::{Expr, ExprTrait, Query, SimpleExpr};
use uuid::Uuid;

/// A session to store.
pub struct NewSession {
    pub id_hash: String,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub csrf_token: String,
    pub at: Timestamp,
}

/// A live session and who it belongs to.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub tenant_id: TenantId,
    pub user: UserRecord,
    pub csrf_token: String,
    pub last_seen_at: Timestamp,
}

/// An OpenID sign-in waiting for its callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingOidcSignIn {
    pub tenant_id: TenantId,
    pub nonce: String,
    pub code_verifier: String,
}

fn insert_session(session: &NewSession) -> sea_query::InsertStatement {
    Query::insert()
        .into_table(WebSessions::Table)
        .columns([
            WebSessions::IdHash,
            WebSessions::TenantId,
            WebSessions::UserId,
            WebSessions::CsrfToken,
            WebSessions::CreatedAt,
            WebSessions::LastSeenAt,
        ])
        .values_panic([
            session.id_hash.clone().into(),
            session.tenant_id.to_string().into(),
            session.user_id.0.into(),
            session.csrf_token.clone().into(),
            session.at.millis().into(),
            session.at.millis().into(),
        ])
        .take()
}

/// Joins a row naming a tenant and a user to the user.
fn user_of<T: sea_query::Iden + Copy + 'static>(table: T, tenant: T, user: T) -> SimpleExpr {
    Expr::col((Users::Table, Users::TenantId))
        .equals((table, tenant))
        .and(Expr::col((Users::Table, Users::Id)).equals((table, user)))
}

impl Store {
    pub async fn insert_session(&self, session: &NewSession) -> Result<(), StoreError> {
        let mut tx = self.backend.begin().await?;
        tx.execute(&insert_session(session)).await?;
        tx.commit().await
    }

    /// The session with this id hash, if it was used after `idle_since` and its user is still in the directory.
    pub async fn session(&self, id_hash: &str, idle_since: Timestamp) -> Result<Option<SessionRecord>, StoreError> {
        let query = Query::select()
            .columns([
                (WebSessions::Table, WebSessions::TenantId),
                (WebSessions::Table, WebSessions::CsrfToken),
                (WebSessions::Table, WebSessions::LastSeenAt),
            ])
            .columns(user_columns())
            .from(WebSessions::Table)
            .inner_join(
                Users::Table,
                user_of(WebSessions::Table, WebSessions::TenantId, WebSessions::UserId),
            )
            .and_where(Expr::col((WebSessions::Table, WebSessions::IdHash)).eq(id_hash))
            .and_where(Expr::col((WebSessions::Table, WebSessions::LastSeenAt)).gt(idle_since.millis()))
            .take();
        let row = self.backend.read().await?.query_opt(&query).await?;
        row.map(|row| {
            Ok(SessionRecord {
                tenant_id: row.get(0)?,
                csrf_token: row.get(1)?,
                last_seen_at: row.get(2)?,
                user: decode_user(&row, 3)?,
            })
        })
        .transpose()
    }

    /// Records that the session was used at `at`, which keeps it from going idle.
    pub async fn touch_session(&self, id_hash: &str, at: Timestamp) -> Result<(), StoreError> {
        let update = Query::update()
            .table(WebSessions::Table)
            .value(WebSessions::LastSeenAt, at.millis())
            .and_where(Expr::col(WebSessions::IdHash).eq(id_hash))
            .take();
        let mut tx = self.backend.begin().await?;
        tx.execute(&update).await?;
        tx.commit().await
    }

    /// Ends a session (sign-out). Returns whether there was one.
    pub async fn delete_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        let delete = Query::delete()
            .from_table(WebSessions::Table)
            .and_where(Expr::col(WebSessions::IdHash).eq(id_hash))
            .take();
        let mut tx = self.backend.begin().await?;
        let deleted = tx.execute(&delete).await?;
        tx.commit().await?;
        Ok(deleted == 1)
    }

    /// Forgets sessions idle since before `idle_since`, links expired before `expired_before`, and OpenID
    /// sign-ins started before `started_before`. Returns how many rows went.
    pub async fn delete_stale_sign_ins(
        &self,
        idle_since: Timestamp,
        expired_before: Timestamp,
        started_before: Timestamp,
    ) -> Result<u64, StoreError> {
        let mut tx = self.backend.begin().await?;
        let mut deleted = 0;
        for delete in [
            Query::delete()
                .from_table(WebSessions::Table)
                .and_where(Expr::col(WebSessions::LastSeenAt).lte(idle_since.millis()))
                .take(),
            Query::delete()
                .from_table(SignInLinks::Table)
                .and_where(Expr::col(SignInLinks::ExpiresAt).lte(expired_before.millis()))
                .take(),
            Query::delete()
                .from_table(OidcSignIns::Table)
                .and_where(Expr::col(OidcSignIns::CreatedAt).lte(started_before.millis()))
                .take(),
        ] {
            deleted += tx.execute_long(&delete).await?;
        }
        tx.commit().await?;
        Ok(deleted)
    }

    pub async fn insert_sign_in_link(
        &self,
        token_hash: &str,
        tenant_id: TenantId,
        user_id: UserId,
        at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let insert = Query::insert()
            .into_table(SignInLinks::Table)
            .columns([
                SignInLinks::TokenHash,
                SignInLinks::TenantId,
                SignInLinks::UserId,
                SignInLinks::CreatedAt,
                SignInLinks::ExpiresAt,
            ])
            .values_panic([
                token_hash.into(),
                tenant_id.to_string().into(),
                user_id.0.into(),
                at.millis().into(),
                expires_at.millis().into(),
            ])
            .take();
        let mut tx = self.backend.begin().await?;
        tx.execute(&insert).await?;
        tx.commit().await
    }

    /// The user a sign-in link would sign in, if it is unused and unexpired at `now`.
    pub async fn sign_in_link_user(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(TenantId, UserRecord)>, StoreError> {
        let query = Query::select()
            .column((SignInLinks::Table, SignInLinks::TenantId))
            .columns(user_columns())
            .from(SignInLinks::Table)
            .inner_join(
                Users::Table,
                user_of(SignInLinks::Table, SignInLinks::TenantId, SignInLinks::UserId),
            )
            .and_where(Expr::col((SignInLinks::Table, SignInLinks::TokenHash)).eq(token_hash))
            .and_where(Expr::col((SignInLinks::Table, SignInLinks::UsedAt)).is_null())
            .and_where(Expr::col((SignInLinks::Table, SignInLinks::ExpiresAt)).gt(now.millis()))
            .take();
        let row = self.backend.read().await?.query_opt(&query).await?;
        row.map(|row| Ok((row.get(0)?, decode_user(&row, 1)?))).transpose()
    }

    /// Uses a sign-in link: marks it used and starts a session for its user (with the id hash and CSRF token
    /// given), in one transaction, if it is unused and unexpired at `at`. Two browsers racing with the same
    /// link: one gets the session.
    pub async fn use_sign_in_link(
        &self,
        token_hash: &str,
        id_hash: String,
        csrf_token: String,
        at: Timestamp,
    ) -> Result<Option<(TenantId, UserRecord)>, StoreError> {
        let Some((tenant_id, user)) = self.sign_in_link_user(token_hash, at).await? else {
            return Ok(None);
        };
        let claim = Query::update()
            .table(SignInLinks::Table)
            .value(SignInLinks::UsedAt, at.millis())
            .and_where(Expr::col(SignInLinks::TokenHash).eq(token_hash))
            .and_where(Expr::col(SignInLinks::UsedAt).is_null())
            .take();
        let session = NewSession {
            id_hash,
            tenant_id,
            user_id: user.id,
            csrf_token,
            at,
        };
        let mut tx = self.backend.begin().await?;
        if tx.execute(&claim).await? != 1 {
            return Ok(None);
        }
        tx.execute(&insert_session(&session)).await?;
        tx.commit().await?;
        Ok(Some((tenant_id, user)))
    }

    pub async fn insert_oidc_sign_in(
        &self,
        state: &str,
        pending: &PendingOidcSignIn,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let insert = Query::insert()
            .into_table(OidcSignIns::Table)
            .columns([
                OidcSignIns::State,
                OidcSignIns::TenantId,
                OidcSignIns::Nonce,
                OidcSignIns::CodeVerifier,
                OidcSignIns::CreatedAt,
            ])
            .values_panic([
                state.into(),
                pending.tenant_id.to_string().into(),
                pending.nonce.clone().into(),
                pending.code_verifier.clone().into(),
                at.millis().into(),
            ])
            .take();
        let mut tx = self.backend.begin().await?;
        tx.execute(&insert).await?;
        tx.commit().await
    }

    /// Takes the OpenID sign-in started with `state` after `started_after`: it can be completed once.
    pub async fn take_oidc_sign_in(
        &self,
        state: &str,
        started_after: Timestamp,
    ) -> Result<Option<PendingOidcSignIn>, StoreError> {
        let query = Query::select()
            .columns([OidcSignIns::TenantId, OidcSignIns::Nonce, OidcSignIns::CodeVerifier])
            .from(OidcSignIns::Table)
            .and_where(Expr::col(OidcSignIns::State).eq(state))
            .and_where(Expr::col(OidcSignIns::CreatedAt).gt(started_after.millis()))
            .take();
        let delete = Query::delete()
            .from_table(OidcSignIns::Table)
            .and_where(Expr::col(OidcSignIns::State).eq(state))
            .take();
        let mut tx = self.backend.begin().await?;
        let Some(row) = tx.query_opt(&query).await? else {
            return Ok(None);
        };
        let pending = PendingOidcSignIn {
            tenant_id: row.get(0)?,
            nonce: row.get(1)?,
            code_verifier: row.get(2)?,
        };
        if tx.execute(&delete).await? != 1 {
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some(pending))
    }

    /// The tenant's user whose email (or, for any other claim, username) is `value`.
    pub async fn user_by_claim(
        &self,
        tenant_id: TenantId,
        by_email: bool,
        value: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        let column = if by_email { Users::Email } else { Users::Username };
        let query = Query::select()
            .columns(user_columns())
            .from(Users::Table)
            .and_where(Expr::col((Users::Table, Users::TenantId)).eq(tenant_id.to_string()))
            .and_where(Expr::col((Users::Table, column)).eq(value))
            .limit(2)
            .take();
        let rows = self.backend.read().await?.query(&query).await?;
        // Two users sharing an email cannot be told apart: neither signs in that way.
        match rows.as_slice() {
            [row] => Ok(Some(decode_user(row, 0)?)),
            _ => Ok(None),
        }
    }

    /// Records that a token authenticated a call at `at`.
    pub async fn mark_token_used(&self, token_id: Uuid, at: Timestamp) -> Result<(), StoreError> {
        let update = Query::update()
            .table(ApiTokens::Table)
            .value(ApiTokens::LastUsedAt, at.millis())
            .and_where(Expr::col(ApiTokens::Id).eq(token_id.to_string()))
            .take();
        let mut tx = self.backend.begin().await?;
        tx.execute(&update).await?;
        tx.commit().await
    }
}
