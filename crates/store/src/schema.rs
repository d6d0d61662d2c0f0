//! Table and column names, so that queries are checked by the compiler.

use sea_query::Iden;

#[derive(Iden, Clone, Copy)]
pub enum Tenants {
    Table,
    Id,
    ShortKey,
    Name,
    OrganizationId,
    Fqdn,
    ThemePrimaryColor,
    ThemeAccentColor,
    ThemeLightModeImage,
    ThemeDarkModeImage,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum SigningKeys {
    Table,
    Kid,
    Secret,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Domains {
    Table,
    TenantId,
    Id,
    Name,
    Description,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Tags {
    Table,
    TenantId,
    Id,
    Name,
    DisplayName,
    Description,
    Color,
    Source,
    Protected,
    SystemCreated,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Users {
    Table,
    TenantId,
    Id,
    IamId,
    GlobalUserId,
    Username,
    Name,
    Email,
}

#[derive(Iden, Clone, Copy)]
pub enum UserPermissions {
    Table,
    TenantId,
    UserId,
    Permission,
}

#[derive(Iden, Clone, Copy)]
pub enum UserAttributes {
    Table,
    TenantId,
    UserId,
    Key,
    Value,
}

#[derive(Iden, Clone, Copy)]
pub enum UserGroups {
    Table,
    TenantId,
    Id,
    IamId,
    Name,
    Email,
}

#[derive(Iden, Clone, Copy)]
pub enum GroupMembers {
    Table,
    TenantId,
    GroupId,
    UserId,
}

#[derive(Iden, Clone, Copy)]
pub enum DomainPermissions {
    Table,
    TenantId,
    Id,
    DomainId,
    Permission,
    UserId,
    GroupId,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum DataSources {
    Table,
    TenantId,
    Id,
    Name,
    DomainId,
    Platform,
    Hostname,
    DatabaseName,
    SchemaName,
    TableName,
    Prefix,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum DataSourceTags {
    Table,
    TenantId,
    DataSourceId,
    TagId,
}

#[derive(Iden, Clone, Copy)]
pub enum Columns {
    Table,
    TenantId,
    DataSourceId,
    Name,
    Position,
    DataType,
    GlobalMasking,
    LocalMasking,
}

#[derive(Iden, Clone, Copy)]
pub enum ColumnTags {
    Table,
    TenantId,
    DataSourceId,
    ColumnName,
    TagId,
}

#[derive(Iden, Clone, Copy)]
pub enum ApiTokens {
    Table,
    Id,
    TenantId,
    UserId,
    Description,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum DataUseAgreements {
    Table,
    TenantId,
    Id,
    Name,
    Body,
    CreatedBy,
    CreatedByName,
    CreatedAt,
    UpdatedBy,
    UpdatedByName,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum RequestForms {
    Table,
    TenantId,
    Id,
    Name,
    Version,
    Standard,
    CreatedBy,
    CreatedByName,
    CreatedAt,
    UpdatedBy,
    UpdatedByName,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum RequestFormVersions {
    Table,
    TenantId,
    Version,
    FormId,
    Snapshot,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum RequestFormAgreements {
    Table,
    TenantId,
    FormId,
    AgreementId,
    Position,
}

#[derive(Iden, Clone, Copy)]
pub enum DataProducts {
    Table,
    TenantId,
    Id,
    Name,
    Description,
    SubjectMatterExpert,
    Suspended,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    DataAccessFormId,
    MaskingExceptionFormId,
    DataAccessPolicy,
    MaskingExceptionPolicy,
}

#[derive(Iden, Clone, Copy)]
pub enum DataProductDomains {
    Table,
    TenantId,
    ProductId,
    DomainId,
}

#[derive(Iden, Clone, Copy)]
pub enum DataProductSources {
    Table,
    TenantId,
    ProductId,
    DataSourceId,
    LinkId,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum AccessRequests {
    Table,
    TenantId,
    Id,
    RequestType,
    Status,
    DataProductId,
    AssetId,
    RequestingUserId,
    UserId,
    FormVersion,
    Form,
    Metadata,
    Expiration,
    CreatedAt,
    UpdatedAt,
    TargetName,
    TargetDescription,
    TargetType,
    Domains,
}

#[derive(Iden, Clone, Copy)]
pub enum AccessRequestDomains {
    Table,
    TenantId,
    DomainId,
    RequestId,
}

#[derive(Iden, Clone, Copy)]
pub enum ApprovalRecords {
    Table,
    TenantId,
    Id,
    RequestId,
    Position,
    Approvers,
    Prerequisites,
    Status,
    ActionBy,
    Reason,
    CriteriaMet,
    Duration,
    DurationUnit,
    EndsAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum ApprovalRecordKeys {
    Table,
    TenantId,
    ApproverKey,
    RequestId,
    RecordId,
}

#[derive(Iden, Clone, Copy)]
pub enum AccessRequestColumns {
    Table,
    TenantId,
    RequestId,
    DataSourceId,
    ColumnName,
    Position,
    SourceName,
    ColumnType,
    Tags,
    MaskingType,
}

#[derive(Iden, Clone, Copy)]
pub enum AccessRequestCounts {
    Table,
    TenantId,
    Scope,
    Status,
    RequestType,
    Count,
}

#[derive(Iden, Clone, Copy)]
pub enum AccessRequestEvents {
    Table,
    TenantId,
    RequestId,
    Position,
    Event,
    ActorId,
    RecordId,
    Reason,
    At,
}

#[derive(Iden, Clone, Copy)]
pub enum DataObjects {
    Table,
    TenantId,
    Id,
    ParentId,
    Name,
    ObjectPath,
    PathKey,
    Technology,
    Host,
    LegacyType,
    DataSourceId,
    DataSourceCount,
    Description,
    ExternalLink,
    SubjectMatterExperts,
    DataAccessFormId,
    MaskingExceptionFormId,
    DataAccessReviewFlow,
    MaskingExceptionReviewFlow,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum NotificationEvents {
    Table,
    TenantId,
    Id,
    NotificationType,
    RequestId,
    ProductId,
    Detail,
    Outcome,
    ActorId,
    CreatedAt,
    SentAt,
}

#[derive(Iden, Clone, Copy)]
pub enum InboxMessages {
    Table,
    TenantId,
    Id,
    NotificationId,
    UserId,
    NotificationType,
    Subject,
    Message,
    ActionLink,
    CreatedAt,
    ReadAt,
}

#[derive(Iden, Clone, Copy)]
pub enum NotificationProviderConfigs {
    Table,
    TenantId,
    UserId,
    Provider,
    Enabled,
}

#[derive(Iden, Clone, Copy)]
pub enum NotificationTypePreferences {
    Table,
    TenantId,
    UserId,
    Provider,
    NotificationType,
    Enabled,
}

#[derive(Iden, Clone, Copy)]
pub enum Webhooks {
    Table,
    TenantId,
    Id,
    Url,
    VerifyTls,
    SigningKey,
    Suppressed,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum WebhookDeliveries {
    Table,
    TenantId,
    Id,
    WebhookId,
    EventId,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum WebhookAttempts {
    Table,
    TenantId,
    WebhookId,
    DeliveryId,
    Attempt,
    Status,
    HttpStatusCode,
    Message,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum SlackConfigurations {
    Table,
    TenantId,
    TeamId,
    TeamName,
    BotUserId,
    EnterpriseId,
    EnterpriseName,
    UpdatedAt,
}
