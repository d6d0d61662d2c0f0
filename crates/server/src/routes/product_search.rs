//! `GET /api/data-product`: products page by page, as the caller sees them.

use super::allowed;
use super::product_view::{DataProduct, render};
use super::products::MAX_CURSOR_LIMIT;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, de, reject_if_any, whole_number};
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use marketplace_app::model::ProductSearch;
use marketplace_domain::catalog::Role;
use marketplace_domain::ids::ProductId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Search data products in the marketplace using the provided filters
#[utoipa::path(get, path = "/api/data-product", operation_id = "searchDataProducts", tag = "Data Product",
    summary = "Search data products across the marketplace", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, body = PaginatedDataProduct)))]
pub(super) async fn search_products(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<ApiJson<PaginatedDataProduct>, ApiError> {
    let mut problems = Vec::new();
    let limit = whole_number("limit", query.limit, 10, 1, Some(MAX_CURSOR_LIMIT), &mut problems);
    let after = query.next_token.as_deref().map(|token| {
        decode_token::<(String, ProductId)>(token).ok_or_else(|| "nextToken is not a token this API issued".to_owned())
    });
    let after = match after.transpose() {
        Ok(after) => after,
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    let roles = query
        .role_filter
        .iter()
        .map(|role| match role.as_str() {
            "manager" => Ok(Role::Manager),
            "member" => Ok(Role::Member),
            "steward" => Ok(Role::Steward),
            "noRole" => Ok(Role::NoRole),
            other => Err(format!(
                "roleFilter `{other}` must be one of manager, member, steward, noRole"
            )),
        })
        .filter_map(|role| role.map_err(|problem| problems.push(problem)).ok())
        .collect();
    for status in &query.status_filter {
        if !crate::routes::REQUEST_STATUSES.contains(&status.as_str()) {
            problems.push(format!(
                "statusFilter `{status}` must be one of {}",
                crate::routes::REQUEST_STATUSES.join(", ")
            ));
        }
    }
    if query.sort_by.as_deref().is_some_and(|by| by != "name") {
        problems.push("sortBy must be one of the following values: name".into());
    }
    let descending = match query.sort_order.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => {
            problems.push("sortOrder must be one of the following values: asc, desc".into());
            false
        }
    };
    reject_if_any(problems)?;
    let search = ProductSearch {
        name_filter: query.name_filter,
        descending,
        after,
        limit,
        statuses: query.status_filter,
        roles,
        expiration: query.expiration,
    };
    let (shown, more) = state.app.search_products(&caller, &search).await?;
    let next_token = match (more, shown.last()) {
        (true, Some(last)) => Some(encode_token(&(last.product.name.clone(), last.product.id.clone()))),
        _ => None,
    };
    Ok(ApiJson(PaginatedDataProduct {
        data: shown.into_iter().map(render).collect(),
        meta: CursorMeta { next_token, limit },
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Pagination token to fetch the next page of results
    next_token: Option<String>,
    /// The number of items to return per page. Stricter than Immuta's document: a whole number.
    #[serde(default, deserialize_with = "de::number")]
    #[param(value_type = Option<f64>, minimum = 1, maximum = 100, multiple_of = 1.0, default = 10)]
    limit: Option<f64>,
    #[param(value_type = Option<allowed::SortOrder>, inline)]
    sort_order: Option<String>,
    #[param(value_type = Option<allowed::ProductSortBy>, inline)]
    sort_by: Option<String>,
    name_filter: Option<String>,
    #[serde(default, deserialize_with = "de::list")]
    #[param(value_type = Option<Vec<allowed::RequestStatus>>, inline)]
    status_filter: Vec<String>,
    #[serde(default, deserialize_with = "de::list")]
    #[param(value_type = Option<Vec<allowed::ProductRole>>, inline)]
    role_filter: Vec<String>,
    /// Filter data products by whether data access has an expiration.
    #[serde(default, deserialize_with = "de::boolean")]
    #[param(value_type = Option<bool>)]
    expiration: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CursorMeta {
    /// Pagination token to fetch the next page of results, or null if there are no more pages.
    next_token: Option<String>,
    limit: u64,
}

impl CursorMeta {
    pub fn new(next_token: Option<String>, limit: u64) -> Self {
        Self { next_token, limit }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaginatedDataProduct {
    data: Vec<DataProduct>,
    meta: CursorMeta,
}

/// An opaque cursor: the keyset position, base64url-encoded JSON.
pub fn encode_token<T: Serialize>(position: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(position).expect("a cursor position serialises"))
}

pub fn decode_token<T: serde::de::DeserializeOwned>(token: &str) -> Option<T> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    serde_json::from_slice(&bytes).ok()
}
