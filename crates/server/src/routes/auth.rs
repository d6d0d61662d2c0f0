//! The caller (`GET /api/auth/user`) and their personal access tokens.

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use axum::extract::State;
use marketplace_app::model::{Tenant, TokenRecord};
use marketplace_app::tokens::{CurrentUser, IssuedToken};
use marketplace_domain::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

/// `expiration` of a caller whose token never expires: the last second of year 9999, so that clients comparing
/// it with the clock never see it as passed.
const NEVER_EXPIRES: i64 = 253_402_300_799;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(current_user))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(get_token, delete_token))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TenantInfo {
    id: Uuid,
    fqdn: String,
    organization_id: String,
    organization_name: String,
    global_segment: String,
}

/// A domain permission, as the governance app calls it ("collection" = domain).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CollectionPermission {
    id: Uuid,
    #[schema(value_type = String, format = DateTime)]
    created_at: Timestamp,
    collection_id: String,
    permission: String,
    profile_id: Option<i64>,
    group_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserWithPermissionsAndEntitlements {
    display_name: String,
    username: String,
    /// When the caller's token expires, in seconds since the Unix epoch.
    expiration: i64,
    global_user_id: Uuid,
    tracking_id: String,
    tenant_info: TenantInfo,
    email: Option<String>,
    global_permissions: Vec<String>,
    collection_permissions: BTreeMap<String, Vec<CollectionPermission>>,
    authorizations: BTreeMap<String, Vec<String>>,
    groups: Vec<String>,
    /// The id of the hosted app's onboarding tool; this deployment has none, so it is never sent.
    #[serde(rename = "chameleonUID", skip_serializing_if = "Option::is_none")]
    #[schema(rename = "chameleonUID")]
    chameleon_uid: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonalAccessToken {
    token_id: Uuid,
    /// The owner's global user id.
    user_id: Uuid,
    tenant_id: Uuid,
    description: String,
    /// Whether the token still authenticates (it has not expired).
    active: bool,
    #[schema(value_type = String, format = DateTime)]
    creation_date: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    expiration_date: Option<Timestamp>,
}

impl PersonalAccessToken {
    /// A stored token as the API shows it, active unless it has expired by `now`.
    fn new(token: TokenRecord, now: Timestamp) -> Self {
        Self {
            token_id: token.id,
            user_id: token.user_global_id,
            tenant_id: token.tenant_id.0,
            description: token.description,
            active: token.expires_at.is_none_or(|at| at > now),
            creation_date: token.created_at,
            expiration_date: token.expires_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreatePersonalAccessToken {
    /// Stricter than Immuta's document: must not be blank, and at most 1000 characters once trimmed.
    #[serde(default)]
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 1000,
        pattern = r"[^\s\u0085]"
    )]
    description: Option<String>,
    /// When the token stops working, in the future; absent means never.
    #[schema(value_type = Option<String>, format = DateTime)]
    expiration_date: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatePersonalAccessTokenResponse {
    token_id: Uuid,
    /// The token itself. It is shown this once and cannot be retrieved again.
    token: String,
}

/// The fully qualified domain name of a tenant: the one the directory names, or one derived from its key.
pub(crate) fn tenant_fqdn(tenant: &Tenant) -> String {
    tenant
        .fqdn
        .clone()
        .unwrap_or_else(|| format!("{}.marketplace.local", tenant.short_key))
}

/// The caller, with their permissions, domain permissions, attributes and groups.
#[utoipa::path(get, path = "/api/auth/user", operation_id = "user", tag = "Auth", security(("bearer" = [])),
    responses((status = 200, body = UserWithPermissionsAndEntitlements)))]
async fn current_user(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<UserWithPermissionsAndEntitlements>, ApiError> {
    let CurrentUser { tenant, access } = state.app.current_user(&caller).await?;
    let mut collection_permissions: BTreeMap<String, Vec<CollectionPermission>> = BTreeMap::new();
    for grant in access.domain_grants {
        collection_permissions
            .entry(grant.domain_id.clone())
            .or_default()
            .push(CollectionPermission {
                id: grant.id,
                created_at: grant.created_at,
                collection_id: grant.domain_id,
                permission: grant.permission.as_str().into(),
                profile_id: grant.user_id.map(|id| id.0),
                group_id: grant.group_id,
            });
    }
    let user = caller.0.user;
    Ok(ApiJson(UserWithPermissionsAndEntitlements {
        display_name: user.name,
        username: user.username,
        expiration: caller.0.token_expires_at.map_or(NEVER_EXPIRES, Timestamp::seconds),
        global_user_id: user.global_user_id.0,
        tracking_id: user.global_user_id.to_string(),
        tenant_info: TenantInfo {
            id: tenant.id.0,
            fqdn: tenant_fqdn(&tenant),
            organization_id: tenant.organization_id.to_string(),
            organization_name: tenant.name,
            global_segment: state.segment().as_str().into(),
        },
        email: user.email,
        global_permissions: access.permissions.iter().map(|p| p.as_str().to_owned()).collect(),
        collection_permissions,
        authorizations: access.attributes,
        groups: access.groups.into_iter().map(|group| group.name).collect(),
        chameleon_uid: None,
    }))
}

/// The caller's personal access tokens, newest first.
#[utoipa::path(get, path = "/api/auth/tokens", operation_id = "listTokens", tag = "Auth",
    security(("bearer" = [])), responses((status = 200, body = Vec<PersonalAccessToken>)))]
async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<Vec<PersonalAccessToken>>, ApiError> {
    let tokens = state.app.tokens(&caller).await?;
    let now = state.app.now();
    Ok(ApiJson(
        tokens
            .into_iter()
            .map(|token| PersonalAccessToken::new(token, now))
            .collect(),
    ))
}

/// Creates a personal access token for the caller. The token is in this answer only.
#[utoipa::path(post, path = "/api/auth/tokens", operation_id = "createToken", tag = "Auth",
    security(("bearer" = [])), request_body = CreatePersonalAccessToken,
    responses((status = 200, body = CreatePersonalAccessTokenResponse)))]
async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreatePersonalAccessToken>,
) -> Result<ApiJson<CreatePersonalAccessTokenResponse>, ApiError> {
    let description = body.description.unwrap_or_default();
    let IssuedToken { id, token } = state
        .app
        .create_token(&caller, &description, body.expiration_date.as_deref())
        .await?;
    Ok(ApiJson(CreatePersonalAccessTokenResponse { token_id: id, token }))
}

/// One of the caller's tokens.
#[utoipa::path(get, path = "/api/auth/tokens/{id}", operation_id = "getToken", tag = "Auth",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = PersonalAccessToken)))]
async fn get_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<PersonalAccessToken>, ApiError> {
    let token = state.app.token(&caller, &id).await?;
    Ok(ApiJson(PersonalAccessToken::new(token, state.app.now())))
}

/// Deletes one of the caller's tokens; it stops working at once, on every instance.
#[utoipa::path(delete, path = "/api/auth/tokens/{id}", operation_id = "deleteToken", tag = "Auth",
    security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200)))]
async fn delete_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<(), ApiError> {
    Ok(state.app.delete_token(&caller, &id).await?)
}
