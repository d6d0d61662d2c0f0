//! The governance directory as the Request app reads it: domains and their data sources, users, groups and
//! attributes.

use super::allowed;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, de, offset_page, reject_if_any, whole_number};
use crate::pagination::PaginationMeta;
use axum::extract::State;
use marketplace_app::model::{DataSourceRecord, DomainRecord, UserRecord};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::GlobalUserId;
use marketplace_domain::pagination::{MAX_LIMIT, PageMeta};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

/// Default and largest page of the user and group pickers.
const PICKER_LIMIT: u64 = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(available_domains))
        .routes(routes!(domain))
        .routes(routes!(domain_data_sources))
        .routes(routes!(users))
        .routes(routes!(groups))
        .routes(routes!(attributes))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImmutaDomain {
    id: String,
    #[schema(example = "North American Sales")]
    name: String,
    description: String,
}

impl From<DomainRecord> for ImmutaDomain {
    fn from(domain: DomainRecord) -> Self {
        Self {
            id: domain.id,
            name: domain.name,
            description: domain.description,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImmutaDomainSchemaResponse {
    domains: Vec<ImmutaDomain>,
}

/// Domains the caller can build a data product from: all of them with `GOVERNANCE`, else those where they hold
/// `Manage Data Products`.
#[utoipa::path(get, path = "/api/metadata/domain", operation_id = "getAvailableDomains", tag = "Metadata",
    summary = "Get available Immuta Domains", security(("bearer" = [])),
    responses((status = 200, body = ImmutaDomainSchemaResponse)))]
async fn available_domains(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<ImmutaDomainSchemaResponse>, ApiError> {
    let domains = state.app.available_domains(&caller).await?;
    Ok(ApiJson(ImmutaDomainSchemaResponse {
        domains: domains.into_iter().map(ImmutaDomain::from).collect(),
    }))
}

/// Returns the Immuta domain specified in the request.
#[utoipa::path(get, path = "/api/metadata/domain/{id}", operation_id = "getDomain", tag = "Metadata",
    summary = "Get the specified domain", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ImmutaDomain)))]
async fn domain(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<ImmutaDomain>, ApiError> {
    Ok(ApiJson(state.app.domain(&caller, &id).await?.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct DomainDataSourcesQuery {
    /// Stricter than Immuta's document: a whole number, at most 2⁶³ − 1.
    #[serde(default, deserialize_with = "de::number")]
    #[param(
        value_type = Option<f64>, minimum = 0, maximum = 9_223_372_036_854_775_807_i64, multiple_of = 1.0, default = 0
    )]
    offset: Option<f64>,
    /// Stricter than Immuta's document: a whole number (above 1000 it is served as 1000).
    #[serde(default, deserialize_with = "de::number")]
    #[param(value_type = Option<f64>, minimum = 1, multiple_of = 1.0, default = 10)]
    limit: Option<f64>,
    /// Search text to filter data sources
    search_text: Option<String>,
    /// Array of ids to filter data sources. Stricter than Immuta's document: whole numbers.
    #[serde(default, deserialize_with = "de::list")]
    #[param(value_type = Option<Vec<allowed::DataSourceId>>, inline)]
    data_source_ids: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImmutaDataSource {
    data_source_id: i64,
    #[schema(example = "November 2023 Online")]
    name: String,
    #[schema(example = "Databricks")]
    platform: String,
    #[schema(value_type = String, format = DateTime)]
    created_at: Timestamp,
    prefix: Option<String>,
    hostname: Option<String>,
    database: Option<String>,
    schema: Option<String>,
    table: Option<String>,
}

impl From<DataSourceRecord> for ImmutaDataSource {
    fn from(source: DataSourceRecord) -> Self {
        Self {
            data_source_id: source.id,
            name: source.name,
            platform: source.platform,
            created_at: source.created_at,
            prefix: source.prefix,
            hostname: source.hostname,
            database: source.database,
            schema: source.schema,
            table: source.table,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaginatedImmutaDataSource {
    data: Vec<ImmutaDataSource>,
    meta: PaginationMeta,
}

/// Parses ids sent as numbers, possibly written `7.0`.
pub(crate) fn numeric_ids(name: &str, values: &[String], problems: &mut Vec<String>) -> Vec<i64> {
    let mut ids = Vec::with_capacity(values.len());
    for value in values {
        match value.parse::<f64>() {
            Ok(number) if number.fract() == 0.0 && number.abs() < 9.0e15 => ids.push(number as i64),
            _ => {
                problems.push(format!(
                    "each value in {name} must be a number conforming to the specified constraints"
                ));
                break;
            }
        }
    }
    ids
}

/// Search data sources within the selected domain that can be included in a data product.
#[utoipa::path(get, path = "/api/metadata/domain/{id}/datasources", operation_id = "getDomainDataSources",
    tag = "Metadata", summary = "Search data sources in domain", security(("bearer" = [])),
    params(("id" = String, Path), DomainDataSourcesQuery),
    responses((status = 200, body = PaginatedImmutaDataSource)))]
async fn domain_data_sources(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<DomainDataSourcesQuery>,
) -> Result<ApiJson<PaginatedImmutaDataSource>, ApiError> {
    let mut problems = Vec::new();
    let page = offset_page(query.offset, query.limit, &mut problems);
    let ids = numeric_ids("dataSourceIds", &query.data_source_ids, &mut problems);
    reject_if_any(problems)?;
    let (sources, total) = state
        .app
        .domain_data_sources(&caller, &id, query.search_text.as_deref(), &ids, page)
        .await?;
    let meta = PageMeta::new(page, total, sources.len() as u64).into();
    Ok(ApiJson(PaginatedImmutaDataSource {
        data: sources.into_iter().map(ImmutaDataSource::from).collect(),
        meta,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct UsersQuery {
    /// Stricter than Immuta's document: a whole number of at least 1 (above 1000 it is served as 1000).
    #[serde(default, deserialize_with = "de::number")]
    #[param(value_type = Option<f64>, minimum = 1, multiple_of = 1.0, default = 100)]
    limit: Option<f64>,
    filter: Option<String>,
    /// Stricter than Immuta's document: each is a global user id (a UUID).
    #[serde(default, deserialize_with = "de::list")]
    #[param(value_type = Option<Vec<Uuid>>)]
    global_user_id: Vec<String>,
}

/// A user of the directory, as embedded everywhere in the API.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(title = "Immuta User")]
pub struct ImmutaUser {
    id: i64,
    iam_id: String,
    global_user_id: Uuid,
    username: String,
    name: String,
    email: Option<String>,
    authorizations: BTreeMap<String, Vec<String>>,
}

impl ImmutaUser {
    pub fn new(user: UserRecord, authorizations: BTreeMap<String, Vec<String>>) -> Self {
        Self {
            id: user.id.0,
            iam_id: user.iam_id,
            global_user_id: user.global_user_id.0,
            username: user.username,
            name: user.name,
            email: user.email,
            authorizations,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImmutaUserList {
    users: Vec<ImmutaUser>,
}

/// Search across all users of the tenant by username, name or email, or by global user id.
#[utoipa::path(get, path = "/api/metadata/users", operation_id = "getImmutaUsers", tag = "Metadata",
    summary = "Search Immuta users", security(("bearer" = [])), params(UsersQuery),
    responses((status = 200, body = ImmutaUserList)))]
async fn users(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<UsersQuery>,
) -> Result<ApiJson<ImmutaUserList>, ApiError> {
    let mut problems = Vec::new();
    let limit = whole_number("limit", query.limit, PICKER_LIMIT, 1, None, &mut problems).min(MAX_LIMIT);
    let mut global_ids = Vec::new();
    for id in &query.global_user_id {
        match Uuid::parse_str(id) {
            Ok(id) => global_ids.push(GlobalUserId(id)),
            Err(_) => problems.push(format!("each value in globalUserId must be a UUID, `{id}` is not")),
        }
    }
    reject_if_any(problems)?;
    let users = state
        .app
        .search_users(&caller, query.filter.as_deref(), &global_ids, limit)
        .await?;
    Ok(ApiJson(ImmutaUserList {
        users: users
            .into_iter()
            .map(|(user, attributes)| ImmutaUser::new(user, attributes))
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct GroupsQuery {
    /// Stricter than Immuta's document: a whole number of at least 1 (above 1000 it is served as 1000).
    #[serde(default, deserialize_with = "de::number")]
    #[param(value_type = Option<f64>, minimum = 1, multiple_of = 1.0, default = 100)]
    limit: Option<f64>,
    filter: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImmutaGroup {
    id: i64,
    iam_id: Option<String>,
    name: String,
    email: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImmutaGroupList {
    groups: Vec<ImmutaGroup>,
}

/// Search across all groups of the tenant by name.
#[utoipa::path(get, path = "/api/metadata/groups", operation_id = "getImmutaGroups", tag = "Metadata",
    summary = "Search Immuta groups", security(("bearer" = [])), params(GroupsQuery),
    responses((status = 200, body = ImmutaGroupList)))]
async fn groups(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<GroupsQuery>,
) -> Result<ApiJson<ImmutaGroupList>, ApiError> {
    let mut problems = Vec::new();
    let limit = whole_number("limit", query.limit, PICKER_LIMIT, 1, None, &mut problems).min(MAX_LIMIT);
    reject_if_any(problems)?;
    let groups = state.app.search_groups(&caller, query.filter.as_deref(), limit).await?;
    Ok(ApiJson(ImmutaGroupList {
        groups: groups
            .into_iter()
            .map(|group| ImmutaGroup {
                id: group.id,
                iam_id: group.iam_id,
                name: group.name,
                email: group.email,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttributesQuery {
    /// Text that the attribute's name or value contains.
    search: Option<String>,
    /// Only attributes of this name.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    key: Option<String>,
}

/// One attribute a user holds: `type` is the attribute's name, `value` its value.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImmutaAttribute {
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    key: String,
    value: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImmutaAttributeList {
    attributes: Vec<ImmutaAttribute>,
}

/// Search across the attributes users of the tenant hold.
#[utoipa::path(get, path = "/api/metadata/attributes", operation_id = "getImmutaAttributes", tag = "Metadata",
    summary = "Search Immuta attributes", security(("bearer" = [])), params(AttributesQuery),
    responses((status = 200, body = ImmutaAttributeList)))]
async fn attributes(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<AttributesQuery>,
) -> Result<ApiJson<ImmutaAttributeList>, ApiError> {
    let attributes = state
        .app
        .search_attributes(&caller, query.search.as_deref(), query.key.as_deref())
        .await?;
    Ok(ApiJson(ImmutaAttributeList {
        attributes: attributes
            .into_iter()
            .map(|attribute| ImmutaAttribute {
                key: attribute.key,
                value: attribute.value,
            })
            .collect(),
    }))
}
