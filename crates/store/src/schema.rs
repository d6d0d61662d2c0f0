//! Table and column names, so that queries are checked by the compiler: one enum per table, whose `Table`
//! names the table and whose other variants name its columns, every one of them, used by a query yet or not.
//! A test holds this list to the tables and columns the migrations create, on each backend.

use sea_query::Iden;

/// Declares each table's enum, and `TABLES` (in tests): every table with its columns.
macro_rules! tables {
    ($($table:ident { $($column:ident),+ $(,)? })+) => {
        $(
            #[derive(Iden, Clone, Copy)]
            #[allow(dead_code, reason = "every column is named, used by a query yet or not")]
            pub enum $table {
                Table,
                $($column),+
            }
        )+

        /// Every table, with its columns.
        #[cfg(test)]
        pub const TABLES: &[(&dyn Iden, &[&dyn Iden])] = &[$((&$table::Table, &[$(&$table::$column),+])),+];
    };
}

tables! {
    Tenants {
        Id, ShortKey, Name, OrganizationId, Fqdn, ThemePrimaryColor, ThemeAccentColor, ThemeLightModeImage,
        ThemeDarkModeImage, CreatedAt, UpdatedAt, OidcIssuer, OidcClientId, OidcClientSecretEnv, OidcUserClaim,
        OidcClientSecretFile,
    }
    SigningKeys { Kid, Secret, CreatedAt }
    Domains { TenantId, Id, Name, Description, CreatedAt }
    Tags { TenantId, Id, Name, DisplayName, Description, Color, Source, Protected, SystemCreated, CreatedAt, UpdatedAt }
    Users { TenantId, Id, IamId, GlobalUserId, Username, Name, Email }
    UserPermissions { TenantId, UserId, Permission }
    UserAttributes { TenantId, UserId, Key, Value }
    UserGroups { TenantId, Id, IamId, Name, Email }
    GroupMembers { TenantId, GroupId, UserId }
    DomainPermissions { TenantId, Id, DomainId, Permission, UserId, GroupId, CreatedAt }
    DataSources {
        TenantId, Id, Name, DomainId, Platform, Hostname, DatabaseName, SchemaName, TableName, Prefix, CreatedAt,
        ConnectionName,
    }
    Connections { TenantId, Name, Platform, UrlEnv, UrlFile, OnDrift, CreatedAt, UpdatedAt }
    UserAccounts { TenantId, UserId, ConnectionName, Account }
    DataSourceTags { TenantId, DataSourceId, TagId }
    Columns { TenantId, DataSourceId, Name, Position, DataType, GlobalMasking, LocalMasking }
    ColumnTags { TenantId, DataSourceId, ColumnName, TagId }
    ApiTokens { Id, TenantId, UserId, Description, TokenHash, CreatedAt, ExpiresAt, RevokedAt, LastUsedAt }
    WebSessions { IdHash, TenantId, UserId, CsrfToken, CreatedAt, LastSeenAt }
    SignInLinks { TokenHash, TenantId, UserId, CreatedAt, ExpiresAt, UsedAt }
    OidcSignIns { State, TenantId, Nonce, CodeVerifier, CreatedAt }
    DataUseAgreements {
        TenantId, Id, Name, Body, CreatedBy, CreatedByName, CreatedAt, UpdatedBy, UpdatedByName, UpdatedAt,
    }
    RequestForms {
        TenantId, Id, Name, Version, Standard, CreatedBy, CreatedByName, CreatedAt, UpdatedBy, UpdatedByName, UpdatedAt,
    }
    RequestFormVersions { TenantId, Version, FormId, Snapshot, CreatedAt }
    RequestFormAgreements { TenantId, FormId, AgreementId, Position }
    DataProducts {
        TenantId, Id, Name, Description, SubjectMatterExpert, Suspended, CreatedBy, CreatedAt, UpdatedAt,
        DataAccessFormId, MaskingExceptionFormId, DataAccessPolicy, MaskingExceptionPolicy,
    }
    DataProductDomains { TenantId, ProductId, DomainId }
    DataProductSources { TenantId, ProductId, DataSourceId, LinkId, CreatedAt }
    AccessRequests {
        TenantId, Id, RequestType, Status, DataProductId, AssetId, RequestingUserId, UserId, FormVersion, Form,
        Metadata, Expiration, CreatedAt, UpdatedAt, TargetName, TargetDescription, TargetType, Domains,
    }
    AccessRequestDomains { TenantId, DomainId, RequestId }
    ApprovalRecords {
        TenantId, Id, RequestId, Position, Approvers, Prerequisites, Status, ActionBy, Reason, CriteriaMet, Duration,
        DurationUnit, EndsAt, CreatedAt, UpdatedAt,
    }
    ApprovalRecordKeys { TenantId, ApproverKey, RequestId, RecordId }
    AccessRequestColumns {
        TenantId, RequestId, DataSourceId, ColumnName, Position, SourceName, ColumnType, Tags, MaskingType,
    }
    AccessRequestCounts { TenantId, Scope, Status, RequestType, Count }
    AccessRequestEvents { TenantId, RequestId, Position, Event, ActorId, RecordId, Reason, At }
    DataObjects {
        TenantId, Id, ParentId, Name, ObjectPath, PathKey, Technology, Host, LegacyType, DataSourceId, DataSourceCount,
        Description, ExternalLink, SubjectMatterExperts, DataAccessFormId, MaskingExceptionFormId, DataAccessReviewFlow,
        MaskingExceptionReviewFlow, CreatedAt, UpdatedAt,
    }
    NotificationEvents {
        TenantId, Id, NotificationType, RequestId, ProductId, Detail, Outcome, ActorId, CreatedAt, SentAt,
    }
    InboxMessages {
        TenantId, Id, NotificationId, UserId, NotificationType, Subject, Message, ActionLink, CreatedAt, ReadAt,
    }
    NotificationProviderConfigs { TenantId, UserId, Provider, Enabled }
    NotificationTypePreferences { TenantId, UserId, Provider, NotificationType, Enabled }
    Webhooks { TenantId, Id, Url, VerifyTls, SigningKey, Suppressed, CreatedAt, UpdatedAt }
    WebhookDeliveries { TenantId, Id, WebhookId, EventId, Body, Status, Attempts, NextAttemptAt, LeaseUntil, CreatedAt }
    WebhookAttempts { TenantId, WebhookId, DeliveryId, Attempt, Status, HttpStatusCode, Message, CreatedAt }
    SlackConfigurations { TenantId, TeamId, TeamName, BotUserId, EnterpriseId, EnterpriseName, UpdatedAt }
    ProvisioningStatus {
        TenantId, ConnectionName, LeaseOwner, LeaseUntil, DueAt, LastCycleAt, Reachable, LastError, Applied, Pending,
        Failed,
    }
    ProvisioningLedger { TenantId, ConnectionName, Entry, RoleName, Kind, SchemaName, TableName, ColumnName }
    ProvisioningGrants {
        TenantId, ConnectionName, RequestId, RoleName, Kind, SchemaName, TableName, ColumnName, State, Error, UpdatedAt,
    }
    ProvisioningChanges {
        TenantId, Id, ConnectionName, RoleName, Kind, SchemaName, TableName, ColumnName, Action, Reason, Statement,
        RequestIds, State, Error, Attempts, CreatedAt, UpdatedAt,
    }
}

#[cfg(test)]
mod tests;
