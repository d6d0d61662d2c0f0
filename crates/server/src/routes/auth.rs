//! The caller (`GET /api/auth/user`) and their personal access tokens.

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use axum::extract::State;
use marketplace_domain::Timestamp;
use marketplace_store::{Tenant, TokenRecord};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

/// `expiration` of a caller whose token never expires: the last second of year 9999, so that clients comparing
/// it with the clock never see it as passed.
const NEVER_EXPIRES: i64 = 253_402_300_799;
/// Longest token description accepted.
const MAX_DESCRIPTION: usize = 1000;

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

impl From<TokenRecord> for PersonalAccessToken {
    fn from(token: TokenRecord) -> Self {
        Self {
            token_id: token.id,
            user_id: token.user_global_id,
            tenant_id: token.tenant_id,
            description: token.description,
            active: token.expires_at.is_none_or(|at| at > Timestamp::now()),
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

pub(crate) async fn caller_tenant(state: &AppState, caller: &Caller) -> Result<Tenant, ApiError> {
    state
        .store
        .tenant(caller.tenant_id)
        .await?
        .ok_or_else(|| ApiError::Internal("the caller's tenant is gone".into()))
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
    let tenant = caller_tenant(&state, &caller).await?;
    let access = state.store.user_access(caller.tenant_id, caller.user.id).await?;
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
                profile_id: grant.user_id,
                group_id: grant.group_id,
            });
    }
    Ok(ApiJson(UserWithPermissionsAndEntitlements {
        display_name: caller.user.name,
        username: caller.user.username,
        expiration: caller.token_expires_at.map_or(NEVER_EXPIRES, Timestamp::seconds),
        global_user_id: caller.user.global_user_id,
        tracking_id: caller.user.global_user_id.to_string(),
        tenant_info: TenantInfo {
            id: tenant.id,
            fqdn: tenant_fqdn(&tenant),
            organization_id: tenant.organization_id.to_string(),
            organization_name: tenant.name,
            global_segment: state.segment().as_str().into(),
        },
        email: caller.user.email,
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
    let tokens = state.store.tokens_of_user(caller.tenant_id, caller.user.id).await?;
    Ok(ApiJson(tokens.into_iter().map(PersonalAccessToken::from).collect()))
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
    let mut problems = Vec::new();
    let description = body.description.unwrap_or_default().trim().to_owned();
    if description.is_empty() {
        problems.push("description should not be empty".to_owned());
    } else if description.chars().count() > MAX_DESCRIPTION {
        problems.push(format!(
            "description must be shorter than or equal to {MAX_DESCRIPTION} characters"
        ));
    }
    let expires_at = match body.expiration_date.as_deref().map(Timestamp::parse) {
        None => None,
        Some(Ok(at)) if at > Timestamp::now() => Some(at),
        Some(Ok(_)) => {
            problems.push("expirationDate must be in the future".to_owned());
            None
        }
        Some(Err(_)) => {
            problems.push("expirationDate must be a valid ISO 8601 date string".to_owned());
            None
        }
    };
    crate::extract::reject_if_any(problems)?;
    let tenant = caller_tenant(&state, &caller).await?;
    let (token_id, token) = state
        .tokens
        .issue(&tenant, &caller.user, &description, expires_at)
        .await?;
    Ok(ApiJson(CreatePersonalAccessTokenResponse { token_id, token }))
}

fn token_not_found() -> ApiError {
    ApiError::NotFound("Token not found.".into())
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
    let id = Uuid::parse_str(&id).map_err(|_| token_not_found())?;
    let token = state
        .store
        .token_of_user(caller.tenant_id, caller.user.id, id)
        .await?
        .ok_or_else(token_not_found)?;
    Ok(ApiJson(token.into()))
}

/// Deletes one of the caller's tokens; it stops working at once, on every instance.
#[utoipa::path(delete, path = "/api/auth/tokens/{id}", operation_id = "deleteToken", tag = "Auth",
    security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200)))]
async fn delete_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<(), ApiError> {
    let id = Uuid::parse_str(&id).map_err(|_| token_not_found())?;
    let deleted = state
        .store
        .revoke_token(caller.tenant_id, caller.user.id, id, Timestamp::now())
        .await?;
    if deleted { Ok(()) } else { Err(token_not_found()) }
}
