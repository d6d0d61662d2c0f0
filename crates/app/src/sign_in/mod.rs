//! Signing in to the web app: sessions kept server-side, one-time sign-in links operators hand out, and the
//! tenant's OpenID provider ([`oidc`]). A browser holds only random secrets; the database holds their hashes.

pub mod oidc;

use crate::tokens::token_hash;
use crate::{Actor, App, AppError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use marketplace_domain::Timestamp;
use marketplace_domain::ids::TenantId;
use marketplace_store::{NewSession, UserRecord};
use rand::RngCore;
use uuid::Uuid;

/// How long a sign-in link works.
pub const SIGN_IN_LINK_MINUTES: i64 = 10;
/// A session used within this many seconds is not written again: a page view stays a read.
const TOUCH_EVERY_SECONDS: i64 = 60;
/// How long a browser may take at the OpenID provider.
const OIDC_SIGN_IN_SECONDS: i64 = 10 * 60;

/// A random secret, as a browser carries it: 256 bits, base64url.
pub(crate) fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A signed-in browser: who acts, and the token every form it posts must carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub csrf_token: String,
}

/// A session just started: the secret for the browser's cookie, shown to it once.
pub struct StartedSession {
    pub secret: String,
    pub session: Session,
}

/// A sign-in link an operator hands to someone.
pub struct SignInLink {
    pub token: String,
    pub expires_at: Timestamp,
}

impl App {
    /// How long a session lasts without being used.
    pub fn session_idle_seconds(&self) -> i64 {
        self.session_idle_seconds
    }

    /// Sessions lapse after `seconds` without use (8 hours unless set).
    pub fn with_session_idle_seconds(mut self, seconds: i64) -> Self {
        self.session_idle_seconds = seconds;
        self
    }

    /// A one-time link signing `username` of `tenant` in, valid for ten minutes.
    pub async fn create_sign_in_link(&self, tenant: &str, username: &str) -> Result<SignInLink, AppError> {
        let (tenant, user) = self.tenant_user(tenant, username).await?;
        let token = random_secret();
        let now = self.now();
        let expires_at = now.plus_seconds(SIGN_IN_LINK_MINUTES * 60);
        self.store
            .insert_sign_in_link(&token_hash(&token), tenant.id, user.id, now, expires_at)
            .await?;
        Ok(SignInLink { token, expires_at })
    }

    /// Who a sign-in link would sign in; an expired or used link is refused.
    pub async fn sign_in_link_user(&self, token: &str) -> Result<UserRecord, AppError> {
        match self.store.sign_in_link_user(&token_hash(token), self.now()).await? {
            Some((_, user)) => Ok(user),
            None => Err(link_refused()),
        }
    }

    /// Uses a sign-in link: it works once, and starts a session.
    pub async fn sign_in_with_link(&self, token: &str) -> Result<StartedSession, AppError> {
        let secret = random_secret();
        let csrf_token = random_secret();
        let (tenant_id, user) = self
            .store
            .use_sign_in_link(&token_hash(token), token_hash(&secret), csrf_token.clone(), self.now())
            .await?
            .ok_or_else(link_refused)?;
        Ok(started(secret, csrf_token, tenant_id, user))
    }

    /// Starts a session for a user the caller has authenticated (an OpenID sign-in).
    pub(crate) async fn start_session(
        &self,
        tenant_id: TenantId,
        user: UserRecord,
    ) -> Result<StartedSession, AppError> {
        let secret = random_secret();
        let csrf_token = random_secret();
        self.store
            .insert_session(&NewSession {
                id_hash: token_hash(&secret),
                tenant_id,
                user_id: user.id,
                csrf_token: csrf_token.clone(),
                at: self.now(),
            })
            .await?;
        Ok(started(secret, csrf_token, tenant_id, user))
    }

    /// The session a browser's secret stands for, if it has not gone idle and its user is still in the
    /// directory. Use keeps it alive.
    pub async fn session(&self, secret: &str) -> Result<Session, AppError> {
        let now = self.now();
        let id_hash = token_hash(secret);
        let idle_since = now.plus_seconds(-self.session_idle_seconds);
        let record = self
            .store
            .session(&id_hash, idle_since)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if record.last_seen_at < now.plus_seconds(-TOUCH_EVERY_SECONDS) {
            self.store.touch_session(&id_hash, now).await?;
        }
        Ok(Session {
            actor: Actor::for_session(record.tenant_id, record.user),
            csrf_token: record.csrf_token,
        })
    }

    /// Ends the session (sign-out): its cookie stops working at once, on every instance.
    pub async fn sign_out(&self, secret: &str) -> Result<(), AppError> {
        self.store.delete_session(&token_hash(secret)).await?;
        Ok(())
    }

    /// Forgets idle sessions, expired links and abandoned OpenID sign-ins (a background job).
    pub async fn forget_stale_sign_ins(&self) -> Result<u64, AppError> {
        let now = self.now();
        Ok(self
            .store
            .delete_stale_sign_ins(
                now.plus_seconds(-self.session_idle_seconds),
                now,
                now.plus_seconds(-OIDC_SIGN_IN_SECONDS),
            )
            .await?)
    }
}

fn started(secret: String, csrf_token: String, tenant_id: TenantId, user: UserRecord) -> StartedSession {
    StartedSession {
        secret,
        session: Session {
            actor: Actor::for_session(tenant_id, user),
            csrf_token,
        },
    }
}

fn link_refused() -> AppError {
    AppError::Refused("This sign-in link has expired or was already used. Ask for a new one.".into())
}

impl Actor {
    /// A user signed in to the web app: no token (its id is nil), the session decides how long it lasts.
    pub(crate) fn for_session(tenant_id: TenantId, user: UserRecord) -> Actor {
        Actor::new(tenant_id, user, Uuid::nil(), None)
    }
}
