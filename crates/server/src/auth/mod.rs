//! Who is calling: every `/api` request carries `Authorization: Bearer <personal access token>`.

pub mod tokens;

use crate::app::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use marketplace_domain::Timestamp;
use marketplace_domain::access::Person;
use marketplace_domain::request_form::AuditUser;
use marketplace_store::UserRecord;
use tokens::{TokenError, token_hash};
use uuid::Uuid;

/// An authenticated caller: a user of one tenant, through one token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub tenant_id: Uuid,
    pub user: UserRecord,
    pub token_id: Uuid,
    pub token_expires_at: Option<Timestamp>,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts).ok_or(ApiError::Unauthenticated)?;
        let caller = authenticate(state, token).await?;
        tracing::Span::current()
            .record("tenant.id", tracing::field::display(caller.tenant_id))
            .record("user.id", caller.user.id);
        Ok(caller)
    }
}

impl Caller {
    /// The caller as the domain rules see them: permissions, groups, attributes.
    pub async fn person(&self, state: &AppState) -> Result<Person, ApiError> {
        let access = state.store.user_access(self.tenant_id, self.user.id).await?;
        Ok(access.into_person(self.user.global_user_id))
    }

    /// How the caller is recorded as the author of a change.
    pub fn audit(&self) -> AuditUser {
        AuditUser {
            global_user_id: self.user.global_user_id,
            name: self.user.name.clone(),
        }
    }
}

fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

/// A token authenticates only if its signature verifies, it was minted for this segment, it has not expired,
/// and a stored, undeleted token with its id, tenant and hash exists for the user it names.
async fn authenticate(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    let claims = state.tokens.verify(token).await.map_err(|error| match error {
        TokenError::Rejected => ApiError::Unauthenticated,
        TokenError::Store(error) => error.into(),
    })?;
    let (Ok(tenant_id), Ok(token_id)) = (Uuid::parse_str(&claims.tid), Uuid::parse_str(&claims.jti)) else {
        return Err(ApiError::Unauthenticated);
    };
    let credential = state
        .store
        .credential(tenant_id, token_id)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let now = Timestamp::now();
    let current = credential.token_hash == token_hash(token)
        && credential.expires_at.is_none_or(|expires_at| expires_at > now)
        && credential.user.global_user_id.to_string() == claims.sub;
    if !current {
        return Err(ApiError::Unauthenticated);
    }
    Ok(Caller {
        tenant_id,
        user: credential.user,
        token_id,
        token_expires_at: credential.expires_at,
    })
}
