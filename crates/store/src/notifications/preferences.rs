//! What each user chose to be told, and by which channel. Anything not chosen is on.

use crate::db::Conn;
use crate::query::{one_of, tenant_is};
use crate::schema::{NotificationProviderConfigs, NotificationTypePreferences};
use crate::{Store, StoreError};
use marketplace_domain::ids::{TenantId, UserId};
use marketplace_domain::notifications::{NotificationType, Provider};
use sea_query::{Expr, ExprTrait, OnConflict, Query};
use std::collections::{BTreeMap, BTreeSet};

/// A user's choices: channels switched on or off, and kinds of notification per channel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Preferences {
    pub providers: BTreeMap<Provider, bool>,
    pub types: BTreeMap<(Provider, NotificationType), bool>,
}

impl Preferences {
    pub fn provider_enabled(&self, provider: Provider) -> bool {
        self.providers.get(&provider).copied().unwrap_or(true)
    }

    pub fn type_enabled(&self, provider: Provider, kind: NotificationType) -> bool {
        self.types.get(&(provider, kind)).copied().unwrap_or(true)
    }
}

impl Store {
    pub async fn notification_preferences(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
    ) -> Result<Preferences, StoreError> {
        let mut conn = self.backend.read().await?;
        let providers = Query::select()
            .columns([
                NotificationProviderConfigs::Provider,
                NotificationProviderConfigs::Enabled,
            ])
            .from(NotificationProviderConfigs::Table)
            .and_where(tenant_is(NotificationProviderConfigs::TenantId, tenant_id))
            .and_where(Expr::col(NotificationProviderConfigs::UserId).eq(user_id.0))
            .take();
        let mut preferences = Preferences::default();
        for row in conn.query(&providers).await? {
            // A channel this version does not know is left out.
            if let Some(provider) = Provider::parse(&row.get::<String>(0)?) {
                preferences.providers.insert(provider, row.get(1)?);
            }
        }
        let types = Query::select()
            .columns([
                NotificationTypePreferences::Provider,
                NotificationTypePreferences::NotificationType,
                NotificationTypePreferences::Enabled,
            ])
            .from(NotificationTypePreferences::Table)
            .and_where(tenant_is(NotificationTypePreferences::TenantId, tenant_id))
            .and_where(Expr::col(NotificationTypePreferences::UserId).eq(user_id.0))
            .take();
        for row in conn.query(&types).await? {
            let provider = Provider::parse(&row.get::<String>(0)?);
            let kind = NotificationType::parse(&row.get::<String>(1)?);
            if let (Some(provider), Some(kind)) = (provider, kind) {
                preferences.types.insert((provider, kind), row.get(2)?);
            }
        }
        Ok(preferences)
    }

    /// Records the user's choices, all or none.
    pub async fn set_notification_preferences(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        choices: &Preferences,
    ) -> Result<Preferences, StoreError> {
        let mut tx = self.backend.begin().await?;
        let tenant = tenant_id.to_string();
        for (provider, enabled) in &choices.providers {
            let upsert = Query::insert()
                .into_table(NotificationProviderConfigs::Table)
                .columns([
                    NotificationProviderConfigs::TenantId,
                    NotificationProviderConfigs::UserId,
                    NotificationProviderConfigs::Provider,
                    NotificationProviderConfigs::Enabled,
                ])
                .values_panic([
                    tenant.as_str().into(),
                    user_id.0.into(),
                    provider.as_str().into(),
                    (*enabled).into(),
                ])
                .on_conflict(
                    OnConflict::columns([
                        NotificationProviderConfigs::TenantId,
                        NotificationProviderConfigs::UserId,
                        NotificationProviderConfigs::Provider,
                    ])
                    .update_column(NotificationProviderConfigs::Enabled)
                    .to_owned(),
                )
                .take();
            tx.execute(&upsert).await?;
        }
        for ((provider, kind), enabled) in &choices.types {
            let upsert = Query::insert()
                .into_table(NotificationTypePreferences::Table)
                .columns([
                    NotificationTypePreferences::TenantId,
                    NotificationTypePreferences::UserId,
                    NotificationTypePreferences::Provider,
                    NotificationTypePreferences::NotificationType,
                    NotificationTypePreferences::Enabled,
                ])
                .values_panic([
                    tenant.as_str().into(),
                    user_id.0.into(),
                    provider.as_str().into(),
                    kind.as_str().into(),
                    (*enabled).into(),
                ])
                .on_conflict(
                    OnConflict::columns([
                        NotificationTypePreferences::TenantId,
                        NotificationTypePreferences::UserId,
                        NotificationTypePreferences::Provider,
                        NotificationTypePreferences::NotificationType,
                    ])
                    .update_column(NotificationTypePreferences::Enabled)
                    .to_owned(),
                )
                .take();
            tx.execute(&upsert).await?;
        }
        tx.commit().await?;
        self.notification_preferences(tenant_id, user_id).await
    }
}

/// Of `users`, those who switched the in-app channel off, or this kind of notification off in it.
pub(crate) async fn inbox_declined(
    conn: &mut Conn,
    tenant_id: TenantId,
    users: &BTreeSet<UserId>,
    kind: NotificationType,
) -> Result<BTreeSet<UserId>, StoreError> {
    let in_app = Provider::InApp.as_str();
    let channel_off = Query::select()
        .column(NotificationProviderConfigs::UserId)
        .from(NotificationProviderConfigs::Table)
        .and_where(tenant_is(NotificationProviderConfigs::TenantId, tenant_id))
        .and_where(one_of(NotificationProviderConfigs::UserId, users.iter().map(|id| id.0)))
        .and_where(Expr::col(NotificationProviderConfigs::Provider).eq(in_app))
        .and_where(Expr::col(NotificationProviderConfigs::Enabled).eq(false))
        .take();
    let kind_off = Query::select()
        .column(NotificationTypePreferences::UserId)
        .from(NotificationTypePreferences::Table)
        .and_where(tenant_is(NotificationTypePreferences::TenantId, tenant_id))
        .and_where(one_of(NotificationTypePreferences::UserId, users.iter().map(|id| id.0)))
        .and_where(Expr::col(NotificationTypePreferences::Provider).eq(in_app))
        .and_where(Expr::col(NotificationTypePreferences::NotificationType).eq(kind.as_str()))
        .and_where(Expr::col(NotificationTypePreferences::Enabled).eq(false))
        .take();
    let mut declined = BTreeSet::new();
    for query in [channel_off, kind_off] {
        for row in conn.query(&query).await? {
            declined.insert(row.get::<UserId>(0)?);
        }
    }
    Ok(declined)
}
