//! Searching access requests: across everything the caller may see, for one data product, and a product's
//! members (its approved data access requests).

use super::allowed;
use super::request_views::{HydratedAccessRequest, render_all};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, de, offset_page, reject_if_any};
use crate::pagination::PaginationMeta;
use axum::extract::State;
use marketplace_app::model::{RequestRole, RequestSearch, RequestSort, ReviewStatus};
use marketplace_app::requests::RequestPage;
use marketplace_domain::access_request::RequestType;
use marketplace_domain::ids::ProductId;
use marketplace_domain::pagination::{OffsetPage, PageMeta};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_requests))
        .routes(routes!(product_requests))
        .routes(routes!(product_members))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaginatedAccessRequest {
    data: Vec<HydratedAccessRequest>,
    meta: PaginationMeta,
}

/// The filters every request search takes.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct RequestFilters {
    search_text: Option<String>,
    #[serde(default, deserialize_with = "de::list")]
    #[param(value_type = Option<Vec<allowed::RequestStatus>>, inline)]
    status: Vec<String>,
    #[serde(default, rename = "type", deserialize_with = "de::list")]
    #[param(rename = "type", value_type = Option<Vec<allowed::RequestType>>, inline)]
    request_type: Vec<String>,
    /// Stricter than Immuta's document: each is a global user id (a UUID).
    #[serde(default, deserialize_with = "de::list")]
    #[param(value_type = Option<Vec<Uuid>>)]
    user_ids: Vec<String>,
    /// Whether to include temporary access requests (deprecated: temporary requests are always included; use
    /// `expiration`)
    #[serde(default, deserialize_with = "de::boolean")]
    #[param(value_type = Option<bool>, default = false)]
    include_temporary: Option<bool>,
    /// Filter access requests by whether it has an expiration
    #[serde(default, deserialize_with = "de::boolean")]
    #[param(value_type = Option<bool>)]
    expiration: Option<bool>,
    /// The ID of the data product to filter requests by
    data_product_id: Option<String>,
    /// The ID of the asset to filter requests by
    asset_id: Option<String>,
    /// Filter access requests by asset type (DATA_OBJECT or DATA_PRODUCT)
    #[serde(default, deserialize_with = "de::list")]
    #[param(value_type = Option<Vec<allowed::AssetType>>, inline)]
    asset_type: Vec<String>,
    /// Target type filter selections (DATA_PRODUCT, COLUMNS, or legacy type strings like table/view/schema)
    #[serde(default, deserialize_with = "de::list")]
    #[param(value_type = Option<Vec<String>>)]
    target_type: Vec<String>,
    /// Filter access requests by review status
    #[serde(default, deserialize_with = "de::list")]
    #[param(value_type = Option<Vec<allowed::ReviewStatus>>, inline)]
    review_status: Vec<String>,
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
    #[param(value_type = Option<allowed::SortOrderDescending>, inline)]
    sort_order: Option<String>,
    #[param(value_type = Option<allowed::RequestSortBy>, inline)]
    sort_by: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct RoleFilter {
    #[serde(default, deserialize_with = "de::list")]
    #[param(value_type = Option<Vec<allowed::RequestRole>>, inline)]
    role: Vec<String>,
}

fn parse_each<T>(
    field: &str,
    values: &[String],
    parse: impl Fn(&str) -> Option<T>,
    allowed: &str,
    problems: &mut Vec<String>,
) -> Vec<T> {
    values
        .iter()
        .filter_map(|value| {
            let parsed = parse(value);
            if parsed.is_none() {
                problems.push(format!("{field} `{value}` must be one of {allowed}"));
            }
            parsed
        })
        .collect()
}

impl RequestFilters {
    fn search(self, roles: &[String], problems: &mut Vec<String>) -> RequestSearch {
        let roles = match roles.is_empty() {
            true => vec![RequestRole::Requestor, RequestRole::Manager, RequestRole::Steward],
            false => parse_each(
                "role",
                roles,
                |role| match role {
                    "requestor" => Some(RequestRole::Requestor),
                    "manager" => Some(RequestRole::Manager),
                    "steward" => Some(RequestRole::Steward),
                    _ => None,
                },
                "requestor, manager, steward",
                problems,
            ),
        };
        let statuses = parse_each(
            "status",
            &self.status,
            |status| super::REQUEST_STATUSES.contains(&status).then(|| status.to_owned()),
            &super::REQUEST_STATUSES.join(", "),
            problems,
        );
        let _ = self.include_temporary;
        RequestSearch {
            roles,
            search_text: self.search_text,
            statuses,
            types: parse_each(
                "type",
                &self.request_type,
                RequestType::parse,
                "DATA_ACCESS, MASKING_EXCEPTION",
                problems,
            ),
            user_ids: parse_each(
                "userIds",
                &self.user_ids,
                |id| Uuid::parse_str(id).ok(),
                "global user ids",
                problems,
            ),
            expiration: self.expiration,
            data_product_id: self.data_product_id.map(ProductId),
            asset_id: self.asset_id,
            asset_types: parse_each(
                "assetType",
                &self.asset_type,
                |kind| ["DATA_PRODUCT", "DATA_OBJECT"].contains(&kind).then(|| kind.to_owned()),
                "DATA_PRODUCT, DATA_OBJECT",
                problems,
            ),
            target_types: self.target_type,
            review_statuses: parse_each(
                "reviewStatus",
                &self.review_status,
                |review| match review {
                    "noReviews" => Some(ReviewStatus::NoReviews),
                    "reviewedByYou" => Some(ReviewStatus::ReviewedByYou),
                    "awaitingReviewFromYou" => Some(ReviewStatus::AwaitingReviewFromYou),
                    _ => None,
                },
                "noReviews, reviewedByYou, awaitingReviewFromYou",
                problems,
            ),
            sort: match self.sort_by.as_deref().unwrap_or("createdAt") {
                "status" => RequestSort::Status,
                "dataProduct" => RequestSort::DataProduct,
                "updatedAt" => RequestSort::UpdatedAt,
                "expiration" => RequestSort::Expiration,
                "createdAt" => RequestSort::CreatedAt,
                other => {
                    problems.push(format!(
                        "sortBy `{other}` must be one of status, dataProduct, createdAt, updatedAt, expiration"
                    ));
                    RequestSort::CreatedAt
                }
            },
            descending: match self.sort_order.as_deref().unwrap_or("desc") {
                "asc" => false,
                "desc" => true,
                other => {
                    problems.push(format!("sortOrder `{other}` must be one of asc, desc"));
                    true
                }
            },
            page: offset_page(self.offset, self.limit, problems),
        }
    }
}

fn page(at: OffsetPage, found: RequestPage) -> PaginatedAccessRequest {
    let meta = PageMeta::new(at, found.total, found.shown.requests.len() as u64);
    PaginatedAccessRequest {
        data: render_all(found.shown),
        meta: meta.into(),
    }
}

/// Search and filter access requests the current user can manage
#[utoipa::path(get, path = "/api/access-request", operation_id = "searchAccessRequests", tag = "Access Request",
    summary = "Search access requests", security(("bearer" = [])), params(RequestFilters, RoleFilter),
    responses((status = 200, body = PaginatedAccessRequest)))]
async fn search_requests(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(filters): ApiQuery<RequestFilters>,
    ApiQuery(role): ApiQuery<RoleFilter>,
) -> Result<ApiJson<PaginatedAccessRequest>, ApiError> {
    let mut problems = Vec::new();
    let search = filters.search(&role.role, &mut problems);
    reject_if_any(problems)?;
    let found = state.app.search_requests(&caller, &search).await?;
    Ok(ApiJson(page(search.page, found)))
}

/// Search all access requests for the data product using the provided filters
#[utoipa::path(get, path = "/api/data-product/{id}/request", operation_id = "searchDataProductAccessRequests",
    tag = "Data Product", summary = "Search all access requests for the data product", security(("bearer" = [])),
    params(("id" = String, Path), RequestFilters), responses((status = 200, body = PaginatedAccessRequest)))]
async fn product_requests(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(filters): ApiQuery<RequestFilters>,
) -> Result<ApiJson<PaginatedAccessRequest>, ApiError> {
    let search = filters.in_product()?;
    let at = search.page;
    let found = state
        .app
        .search_product_requests(&caller, &ProductId(id), search)
        .await?;
    Ok(ApiJson(page(at, found)))
}

impl RequestFilters {
    /// The search within one product the caller can see, in every role.
    fn in_product(self) -> Result<RequestSearch, ApiError> {
        let mut problems = Vec::new();
        let search = self.search(&[], &mut problems);
        reject_if_any(problems)?;
        Ok(search)
    }
}

/// Search all approved access requests for the data product
#[utoipa::path(get, path = "/api/data-product/{id}/members", operation_id = "searchDataProductMembers",
    tag = "Data Product", summary = "Search all access requests for the data product", security(("bearer" = [])),
    params(("id" = String, Path), RequestFilters), responses((status = 200, body = PaginatedAccessRequest)))]
async fn product_members(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(filters): ApiQuery<RequestFilters>,
) -> Result<ApiJson<PaginatedAccessRequest>, ApiError> {
    let search = filters.in_product()?;
    let at = search.page;
    let found = state.app.product_members(&caller, &ProductId(id), search).await?;
    Ok(ApiJson(page(at, found)))
}
