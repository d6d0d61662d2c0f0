//! What the actor chooses to be told, and by which channel (`provider`). Anything not chosen is on.

use crate::model::Preferences;
use crate::{Actor, App, AppError, Problems};
use marketplace_domain::notifications::{NotificationType, Provider};

/// The choices for one channel, by name as the client sends them: `(notification type, enabled)`.
#[derive(Debug, Clone)]
pub struct ProviderChoices {
    pub provider: String,
    pub types: Vec<(String, bool)>,
}

fn provider_named(name: &str, field: &str, problems: &mut Problems) -> Option<Provider> {
    let provider = Provider::parse(name);
    if provider.is_none() {
        let known: Vec<&str> = Provider::ALL.iter().map(|provider| provider.as_str()).collect();
        problems.add(field, format!("{field} `{name}` must be one of {}", known.join(", ")));
    }
    provider
}

impl App {
    /// What the actor has chosen (anything not chosen is on).
    pub async fn notification_preferences(&self, actor: &Actor) -> Result<Preferences, AppError> {
        Ok(self
            .store
            .notification_preferences(actor.tenant_id, actor.user.id)
            .await?)
    }

    /// Saves the actor's choices of notification types per channel; returns all their choices as they are now.
    /// Unknown channels or types are refused, each named by its place in `preferences`.
    pub async fn update_notification_preferences(
        &self,
        actor: &Actor,
        preferences: &[ProviderChoices],
    ) -> Result<Preferences, AppError> {
        let mut problems = Problems::default();
        let mut choices = Preferences::default();
        for (index, entry) in preferences.iter().enumerate() {
            let provider = provider_named(
                &entry.provider,
                &format!("preferences[{index}].provider"),
                &mut problems,
            );
            for (position, (name, enabled)) in entry.types.iter().enumerate() {
                let field = format!("preferences[{index}].typePreferences[{position}].notificationType");
                match (provider, NotificationType::parse(name)) {
                    (Some(provider), Some(kind)) => {
                        choices.types.insert((provider, kind), *enabled);
                    }
                    (_, None) => {
                        let known: Vec<&str> = NotificationType::ALL.iter().map(|kind| kind.as_str()).collect();
                        let message = format!("{field} `{name}` must be one of {}", known.join(", "));
                        problems.add(field, message);
                    }
                    (None, Some(_)) => {}
                }
            }
        }
        problems.check()?;
        Ok(self
            .store
            .set_notification_preferences(actor.tenant_id, actor.user.id, &choices)
            .await?)
    }

    /// Switches channels on or off for the actor (`(provider, enabled)`); returns all their choices as they are
    /// now. Unknown channels are refused, each named by its place in `configs`.
    pub async fn update_notification_providers(
        &self,
        actor: &Actor,
        configs: &[(String, bool)],
    ) -> Result<Preferences, AppError> {
        let mut problems = Problems::default();
        let mut choices = Preferences::default();
        for (index, (name, enabled)) in configs.iter().enumerate() {
            if let Some(provider) = provider_named(name, &format!("configs[{index}].provider"), &mut problems) {
                choices.providers.insert(provider, *enabled);
            }
        }
        problems.check()?;
        Ok(self
            .store
            .set_notification_preferences(actor.tenant_id, actor.user.id, &choices)
            .await?)
    }
}
