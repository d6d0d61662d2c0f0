//! Who acts: an authenticated user of one tenant.

use marketplace_domain::Timestamp;
use marketplace_domain::ids::TenantId;
use marketplace_domain::request_form::AuditUser;
use marketplace_store::{Tenant, UserAccess, UserRecord};
use uuid::Uuid;

/// An authenticated user of one tenant, and the credential they came with. What they hold (permissions, groups,
/// attributes; [`crate::App::access`], [`crate::App::person`]) and their tenant ([`crate::App::tenant_of`]) come
/// with a token's credential; for others they are read the first time a use case asks.
#[derive(Debug, Clone)]
pub struct Actor {
    pub tenant_id: TenantId,
    pub user: UserRecord,
    /// The personal access token the actor came with.
    pub token_id: Uuid,
    /// When that token stops working; `None` for never.
    pub token_expires_at: Option<Timestamp>,
    pub(crate) access: tokio::sync::OnceCell<UserAccess>,
    pub(crate) tenant: tokio::sync::OnceCell<Tenant>,
}

impl Actor {
    pub(crate) fn new(tenant_id: TenantId, user: UserRecord, token_id: Uuid, expires_at: Option<Timestamp>) -> Self {
        Actor {
            tenant_id,
            user,
            token_id,
            token_expires_at: expires_at,
            access: tokio::sync::OnceCell::new(),
            tenant: tokio::sync::OnceCell::new(),
        }
    }

    /// How the actor is recorded as the author of a change.
    pub fn audit(&self) -> AuditUser {
        AuditUser {
            global_user_id: self.user.global_user_id,
            name: self.user.name.clone(),
        }
    }
}
