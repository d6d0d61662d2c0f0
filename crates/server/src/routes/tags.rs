//! Tags of the governance directory, and where they are applied.

use super::allowed;
use super::metadata::numeric_ids;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, de, offset_page, reject_if_any, whole_number};
use axum::extract::State;
use marketplace_app::metadata::AppliedTagSearch;
use marketplace_app::model::{AppliedTagFilter, TagRecord};
use marketplace_domain::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ArrayBuilder, OneOfBuilder, Schema};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The reference's maximum for tag searches, also their default.
const TAG_LIMIT: u64 = 200;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(tags)).routes(routes!(applied_tags))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct TagsQuery {
    /// A string used to filter returned tags based on name.
    search_text: Option<String>,
    /// Whether to perform a fuzzy search (the name contains the text, rather than starts with it).
    #[serde(default, deserialize_with = "de::boolean")]
    #[param(value_type = Option<bool>)]
    fuzzy_search: Option<bool>,
    /// The maximum number of search results that will be returned. Stricter than Immuta's document: a whole
    /// number of at least 1.
    #[serde(default, deserialize_with = "de::number")]
    #[param(value_type = Option<f64>, minimum = 1, maximum = 200, multiple_of = 1.0)]
    limit: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImmutaTag {
    id: i64,
    name: String,
    display_name: String,
    /// Absent when the tag has none (the reference allows no `null` here).
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    color: Option<String>,
    source: String,
    context: String,
    deleted: bool,
    protected: bool,
    system_created: bool,
    has_leaf_nodes: bool,
    created_at: String,
    updated_at: String,
    /// Who created or applied the tag in the governance app, and the data product it came from; the directory
    /// file records neither, so they are never sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    added_by: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_by: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_product_name: Option<String>,
}

/// Search across all tags of the tenant.
#[utoipa::path(get, path = "/api/metadata/tags", operation_id = "getImmutaTags", tag = "Metadata",
    summary = "Search Immuta tags", security(("bearer" = [])), params(TagsQuery),
    responses((status = 200, body = Vec<ImmutaTag>)))]
async fn tags(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<TagsQuery>,
) -> Result<ApiJson<Vec<ImmutaTag>>, ApiError> {
    let mut problems = Vec::new();
    let limit = whole_number("limit", query.limit, TAG_LIMIT, 1, Some(TAG_LIMIT), &mut problems);
    reject_if_any(problems)?;
    let tags = state
        .app
        .search_tags(
            &caller,
            query.search_text.as_deref(),
            query.fuzzy_search.unwrap_or(false),
            limit,
        )
        .await?;
    Ok(ApiJson(
        tags.into_iter()
            .map(|tag| ImmutaTag {
                id: tag.id,
                display_name: tag.display_name.unwrap_or_else(|| tag.name.clone()),
                name: tag.name,
                description: tag.description,
                color: tag.color,
                source: tag.source,
                context: "tag".into(),
                deleted: false,
                protected: tag.protected,
                system_created: tag.system_created,
                has_leaf_nodes: tag.has_leaf_nodes,
                created_at: tag.created_at.to_string(),
                updated_at: tag.updated_at.to_string(),
                added_by: None,
                created_by: None,
                data_product_name: None,
            })
            .collect(),
    ))
}

/// A single model type or a list of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ModelTypes {
    One(String),
    Many(Vec<String>),
}

impl utoipa::PartialSchema for ModelTypes {
    fn schema() -> RefOr<Schema> {
        let one = allowed::ModelType::schema;
        OneOfBuilder::new()
            .item(one())
            .item(ArrayBuilder::new().items(one()).min_items(Some(1)))
            .description(Some("A single model type or a list of them."))
            .into()
    }
}

impl ToSchema for ModelTypes {}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppliedTagSearchRequest {
    /// Data product ID to search for applied tags across all its data sources
    data_product_id: Option<String>,
    /// Data object ID to search for applied tags across all its child data sources
    data_object_id: Option<String>,
    /// Array of data source IDs to search for applied tags. Stricter than Immuta's document: at most 16 digits.
    #[schema(value_type = Option<Vec<allowed::DataSourceId>>, inline)]
    data_source_ids: Option<Vec<f64>>,
    search_text: Option<String>,
    fuzzy_search: Option<bool>,
    /// `datasource`, `column` or both (the default).
    model_type: Option<ModelTypes>,
    excluded_hierarchies: Option<Vec<String>>,
    /// Stricter than Immuta's document: at most 2⁶³ − 1.
    #[schema(minimum = 0, maximum = 9_223_372_036_854_775_807_i64, multiple_of = 1.0)]
    offset: Option<f64>,
    /// Above 1000 it is served as 1000.
    #[schema(minimum = 1, multiple_of = 1.0)]
    limit: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppliedTag {
    tag_id: i64,
    name: String,
    display_name: Option<String>,
    color: Option<String>,
    source: String,
    description: Option<String>,
    protected: bool,
    deleted: bool,
    system_created: bool,
    created_by: Option<i64>,
    #[schema(value_type = String, format = DateTime)]
    created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    updated_at: Timestamp,
}

impl From<TagRecord> for AppliedTag {
    fn from(tag: TagRecord) -> Self {
        Self {
            tag_id: tag.id,
            name: tag.name,
            display_name: tag.display_name,
            color: tag.color,
            source: tag.source,
            description: tag.description,
            protected: tag.protected,
            deleted: false,
            system_created: tag.system_created,
            created_by: None,
            created_at: tag.created_at,
            updated_at: tag.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppliedTagSearchResponse {
    data: Vec<AppliedTag>,
    /// Total number of results
    total: u64,
}

/// Search for the tags applied to data sources and their columns.
#[utoipa::path(post, path = "/api/metadata/tags/applied/search", operation_id = "searchAppliedTags",
    tag = "Metadata", summary = "Search applied tags", security(("bearer" = [])),
    request_body = AppliedTagSearchRequest, responses((status = 200, body = AppliedTagSearchResponse)))]
async fn applied_tags(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<AppliedTagSearchRequest>,
) -> Result<ApiJson<AppliedTagSearchResponse>, ApiError> {
    let mut problems = Vec::new();
    let page = offset_page(body.offset, body.limit, &mut problems);
    let data_source_ids = body.data_source_ids.map(|ids| {
        let texts: Vec<String> = ids.iter().map(f64::to_string).collect();
        numeric_ids("dataSourceIds", &texts, &mut problems)
    });
    let model_types = match body.model_type {
        None => vec!["datasource".to_owned(), "column".to_owned()],
        Some(ModelTypes::One(one)) => vec![one],
        Some(ModelTypes::Many(many)) => many,
    };
    if model_types.is_empty() {
        problems.push("modelType must contain at least 1 elements".into());
    }
    if model_types
        .iter()
        .any(|model| model != "datasource" && model != "column")
    {
        problems.push("modelType must be one of the following values: datasource, column".into());
    }
    reject_if_any(problems)?;
    let filter = AppliedTagFilter {
        data_source_ids,
        search_text: body.search_text,
        fuzzy: body.fuzzy_search.unwrap_or(false),
        on_data_sources: model_types.iter().any(|model| model == "datasource"),
        on_columns: model_types.iter().any(|model| model == "column"),
        excluded_hierarchies: body.excluded_hierarchies.unwrap_or_default(),
        page,
    };
    let search = AppliedTagSearch {
        data_product_id: body.data_product_id,
        data_object_id: body.data_object_id,
        filter,
    };
    let (tags, total) = state.app.search_applied_tags(&caller, &search).await?;
    Ok(ApiJson(AppliedTagSearchResponse {
        data: tags.into_iter().map(AppliedTag::from).collect(),
        total,
    }))
}
