//! The Slack workspace a tenant is connected to.

use crate::query::tenant_is;
use crate::schema::SlackConfigurations;
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::TenantId;
use sea_query::{OnConflict, Query};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackConfiguration {
    pub team_id: String,
    pub team_name: String,
    pub bot_user_id: String,
    pub enterprise_id: Option<String>,
    pub enterprise_name: Option<String>,
}

impl Store {
    pub async fn slack_configuration(&self, tenant_id: TenantId) -> Result<Option<SlackConfiguration>, StoreError> {
        let query = Query::select()
            .columns([
                SlackConfigurations::TeamId,
                SlackConfigurations::TeamName,
                SlackConfigurations::BotUserId,
                SlackConfigurations::EnterpriseId,
                SlackConfigurations::EnterpriseName,
            ])
            .from(SlackConfigurations::Table)
            .and_where(tenant_is(SlackConfigurations::TenantId, tenant_id))
            .take();
        let row = self.backend.read().await?.query_opt(&query).await?;
        row.map(|row| {
            Ok(SlackConfiguration {
                team_id: row.get(0)?,
                team_name: row.get(1)?,
                bot_user_id: row.get(2)?,
                enterprise_id: row.get(3)?,
                enterprise_name: row.get(4)?,
            })
        })
        .transpose()
    }

    /// Connects the tenant to a workspace, replacing any earlier one.
    pub async fn set_slack_configuration(
        &self,
        tenant_id: TenantId,
        configuration: &SlackConfiguration,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let upsert = Query::insert()
            .into_table(SlackConfigurations::Table)
            .columns([
                SlackConfigurations::TenantId,
                SlackConfigurations::TeamId,
                SlackConfigurations::TeamName,
                SlackConfigurations::BotUserId,
                SlackConfigurations::EnterpriseId,
                SlackConfigurations::EnterpriseName,
                SlackConfigurations::UpdatedAt,
            ])
            .values_panic([
                tenant_id.to_string().into(),
                configuration.team_id.as_str().into(),
                configuration.team_name.as_str().into(),
                configuration.bot_user_id.as_str().into(),
                configuration.enterprise_id.clone().into(),
                configuration.enterprise_name.clone().into(),
                now.millis().into(),
            ])
            .on_conflict(
                OnConflict::column(SlackConfigurations::TenantId)
                    .update_columns([
                        SlackConfigurations::TeamId,
                        SlackConfigurations::TeamName,
                        SlackConfigurations::BotUserId,
                        SlackConfigurations::EnterpriseId,
                        SlackConfigurations::EnterpriseName,
                        SlackConfigurations::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .take();
        let mut tx = self.backend.begin().await?;
        tx.execute(&upsert).await?;
        tx.commit().await
    }

    /// Disconnects the tenant from its workspace; `false` if it had none.
    pub async fn delete_slack_configuration(&self, tenant_id: TenantId) -> Result<bool, StoreError> {
        let delete = Query::delete()
            .from_table(SlackConfigurations::Table)
            .and_where(tenant_is(SlackConfigurations::TenantId, tenant_id))
            .take();
        let mut tx = self.backend.begin().await?;
        let deleted = tx.execute(&delete).await? > 0;
        tx.commit().await?;
        Ok(deleted)
    }
}
