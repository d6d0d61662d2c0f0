//! Notifications as people and systems receive them: the inbox, what each user chooses to be told, the webhooks
//! events are posted to (and the posting itself), and the tenant's Slack configuration.

pub(crate) mod delivery;
mod inbox;
mod preferences;
mod slack;
mod webhooks;

pub use delivery::{SIGNATURE_HEADER, signature};
pub use inbox::MAX_BULK;
pub use preferences::ProviderChoices;
pub use slack::{NOT_CONFIGURED, SlackConnectionTest};
pub use webhooks::{MAX_SIGNING_KEY, MAX_URL, WebhookSettings, WebhookUpdate};

use crate::{Actor, App, AppError};
use marketplace_domain::permissions::GlobalPermission;

impl App {
    /// Passes if the actor is an `APPLICATION_ADMIN`: webhooks and the Slack configuration are theirs to manage.
    pub(crate) async fn require_application_admin(&self, actor: &Actor) -> Result<(), AppError> {
        match self.person(actor).await?.has(GlobalPermission::ApplicationAdmin) {
            true => Ok(()),
            false => Err(AppError::Forbidden("Managing webhooks takes APPLICATION_ADMIN.".into())),
        }
    }
}
