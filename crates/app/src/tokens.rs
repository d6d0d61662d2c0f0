//! Personal access tokens: authenticating an actor by one, and the caller's own tokens.

mod service;
mod verified;

pub use service::{Claims, TokenError, TokenService, token_hash};

use crate::{Actor, App, AppError, Problems};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::TenantId;
use marketplace_store::{Tenant, TokenRecord, UserAccess};
use uuid::Uuid;

/// Longest token description accepted.
pub const MAX_DESCRIPTION: usize = 1000;

/// A new token: the string is shown this once.
pub struct IssuedToken {
    pub id: Uuid,
    pub token: String,
}

/// The actor, with everything the directory holds about them.
pub struct CurrentUser {
    pub tenant: Tenant,
    pub access: UserAccess,
}

fn token_not_found() -> AppError {
    AppError::NotFound("Token not found.".into())
}

impl App {
    /// The actor a token stands for. A token authenticates only if its signature verifies, it was minted for this
    /// segment, it has not expired, and a stored, undeleted token with its id, tenant and hash exists for the
    /// user it names.
    pub async fn authenticate(&self, token: &str) -> Result<Actor, AppError> {
        let hash = token_hash(token);
        let claims = self.tokens.verify(token, &hash).await.map_err(|error| match error {
            TokenError::Rejected => AppError::Unauthenticated,
            TokenError::Store(error) => error.into(),
        })?;
        let (Ok(tenant_id), Ok(token_id)) = (claims.tid.parse::<TenantId>(), Uuid::parse_str(&claims.jti)) else {
            return Err(AppError::Unauthenticated);
        };
        let credential = self
            .store
            .credential(tenant_id, token_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let now = self.now();
        let current = credential.token_hash == hash
            && credential.expires_at.is_none_or(|expires_at| expires_at > now)
            && credential.user.global_user_id.to_string() == claims.sub;
        if !current {
            return Err(AppError::Unauthenticated);
        }
        // The token page shows when a token was last used; to the minute is enough, so a busy token writes
        // once a minute, after its answer, not on every call.
        if credential.last_used_at.is_none_or(|at| at < now.plus_seconds(-60)) {
            let store = self.store.clone();
            tokio::spawn(async move {
                if let Err(error) = store.mark_token_used(token_id, now).await {
                    tracing::warn!(%error, "cannot record when a token was used");
                }
            });
        }
        let mut actor = Actor::new(tenant_id, credential.user, token_id, credential.expires_at);
        actor.tenant = tokio::sync::OnceCell::new_with(Some(credential.tenant));
        actor.access = tokio::sync::OnceCell::new_with(Some(credential.access));
        Ok(actor)
    }

    /// The actor's tenant and what they hold.
    pub async fn current_user(&self, actor: &Actor) -> Result<CurrentUser, AppError> {
        Ok(CurrentUser {
            tenant: self.tenant_of(actor).await?,
            access: self.access(actor).await?,
        })
    }

    /// The actor's tenant (read once per actor).
    pub async fn tenant_of(&self, actor: &Actor) -> Result<Tenant, AppError> {
        actor
            .tenant
            .get_or_try_init(|| async {
                self.store
                    .tenant(actor.tenant_id)
                    .await?
                    .ok_or_else(|| AppError::internal("the actor's tenant is gone"))
            })
            .await
            .cloned()
    }

    /// The actor's tokens, newest first.
    pub async fn tokens(&self, actor: &Actor) -> Result<Vec<TokenRecord>, AppError> {
        Ok(self.store.tokens_of_user(actor.tenant_id, actor.user.id).await?)
    }

    /// A new token for the actor, described and expiring as asked: an ISO 8601 time in the future, or `None`
    /// for never.
    pub async fn create_token(
        &self,
        actor: &Actor,
        description: &str,
        expiration_date: Option<&str>,
    ) -> Result<IssuedToken, AppError> {
        let mut problems = Problems::default();
        let description = description.trim();
        if description.is_empty() {
            problems.add("description", "description should not be empty");
        } else if description.chars().count() > MAX_DESCRIPTION {
            problems.add(
                "description",
                format!("description must be shorter than or equal to {MAX_DESCRIPTION} characters"),
            );
        }
        let expires_at = match expiration_date.map(Timestamp::parse) {
            None => None,
            Some(Ok(at)) if at > self.now() => Some(at),
            Some(Ok(_)) => {
                problems.add("expirationDate", "expirationDate must be in the future");
                None
            }
            Some(Err(_)) => {
                problems.add("expirationDate", "expirationDate must be a valid ISO 8601 date string");
                None
            }
        };
        problems.check()?;
        let tenant = self.tenant_of(actor).await?;
        let (id, token) = self
            .tokens
            .issue(&tenant, &actor.user, description, expires_at, self.now())
            .await?;
        Ok(IssuedToken { id, token })
    }

    /// One of the actor's tokens.
    pub async fn token(&self, actor: &Actor, id: &str) -> Result<TokenRecord, AppError> {
        let id = Uuid::parse_str(id).map_err(|_| token_not_found())?;
        self.store
            .token_of_user(actor.tenant_id, actor.user.id, id)
            .await?
            .ok_or_else(token_not_found)
    }

    /// Deletes one of the actor's tokens; it stops working at once, on every instance.
    pub async fn delete_token(&self, actor: &Actor, id: &str) -> Result<(), AppError> {
        let id = Uuid::parse_str(id).map_err(|_| token_not_found())?;
        match self
            .store
            .revoke_token(actor.tenant_id, actor.user.id, id, self.now())
            .await?
        {
            true => Ok(()),
            false => Err(token_not_found()),
        }
    }

    /// A token for a user of a tenant, as an operator makes one from the command line.
    pub async fn issue_token(
        &self,
        tenant: &str,
        username: &str,
        description: &str,
        expires_at: Option<Timestamp>,
    ) -> Result<IssuedToken, AppError> {
        let description = description.trim();
        if description.is_empty() {
            return Err(AppError::invalid("description", "the description must not be empty"));
        }
        let (tenant, user) = self.tenant_user(tenant, username).await?;
        let (id, token) = self
            .tokens
            .issue(&tenant, &user, description, expires_at, self.now())
            .await?;
        Ok(IssuedToken { id, token })
    }

    /// A tenant by its short key and one of its users by username, as operators name them.
    pub(crate) async fn tenant_user(
        &self,
        tenant: &str,
        username: &str,
    ) -> Result<(Tenant, marketplace_store::UserRecord), AppError> {
        let tenant = self.store.tenant_by_short_key(tenant).await?.ok_or_else(|| {
            AppError::NotFound(format!(
                "no tenant has the short key `{tenant}` (import its directory first)"
            ))
        })?;
        let user = self
            .store
            .user_by_username(tenant.id, username)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("tenant `{}` has no user `{username}`", tenant.short_key)))?;
        Ok((tenant, user))
    }
}
