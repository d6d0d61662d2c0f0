//! The Slack workspace a tenant is connected to, which an operator sets from the command line (Slack's OAuth
//! flow is not offered). Posting to Slack is not done yet, so a test says what is configured and why the
//! connection cannot be checked.

use crate::model::{SlackConfiguration, Tenant};
use crate::{Actor, App, AppError};

/// Why a tenant without a configuration cannot be tested.
pub const NOT_CONFIGURED: &str =
    "Slack is not configured for this tenant: an operator connects a workspace with `marketplace slack configure`.";

/// How a test of the Slack connection went.
#[derive(Debug, Clone)]
pub struct SlackConnectionTest {
    pub is_valid: bool,
    pub error_message: Option<String>,
}

impl App {
    /// The tenant's Slack configuration, if it has one (`APPLICATION_ADMIN` only).
    pub async fn slack_configuration(&self, actor: &Actor) -> Result<Option<SlackConfiguration>, AppError> {
        self.require_application_admin(actor).await?;
        Ok(self.store.slack_configuration(actor.tenant_id).await?)
    }

    /// Removes the tenant's Slack configuration, also when there is none (`APPLICATION_ADMIN` only).
    pub async fn delete_slack_configuration(&self, actor: &Actor) -> Result<(), AppError> {
        self.require_application_admin(actor).await?;
        self.store.delete_slack_configuration(actor.tenant_id).await?;
        Ok(())
    }

    /// Tests the tenant's Slack connection (`APPLICATION_ADMIN` only): this deployment does not connect to Slack
    /// yet, so the answer is never valid, and says why.
    pub async fn test_slack_connection(&self, actor: &Actor) -> Result<SlackConnectionTest, AppError> {
        self.require_application_admin(actor).await?;
        let why = match self.store.slack_configuration(actor.tenant_id).await? {
            None => NOT_CONFIGURED.to_owned(),
            Some(stored) => format!(
                "Slack workspace {} ({}) is configured, but this deployment does not connect to Slack yet, so the \
                 connection cannot be checked.",
                stored.team_name, stored.team_id
            ),
        };
        Ok(SlackConnectionTest {
            is_valid: false,
            error_message: Some(why),
        })
    }

    /// Connects a tenant, named by its short key, to a Slack workspace, replacing any earlier one: what an
    /// operator does from the command line. Returns the tenant.
    pub async fn configure_slack(&self, tenant: &str, configuration: &SlackConfiguration) -> Result<Tenant, AppError> {
        let tenant = self.store.tenant_by_short_key(tenant).await?.ok_or_else(|| {
            AppError::NotFound(format!(
                "no tenant has the short key `{tenant}` (import its directory first)"
            ))
        })?;
        self.store
            .set_slack_configuration(tenant.id, configuration, self.now())
            .await?;
        Ok(tenant)
    }
}
