//! The query parameters of offset-paginated catalog lists (`searchRequestForms`, `searchDataUseAgreements`).

use super::allowed;
use crate::extract::{de, offset_page};
use marketplace_app::model::{Listing, SortKey};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListingQuery {
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
    #[param(value_type = Option<allowed::SortOrder>, inline)]
    sort_order: Option<SortOrder>,
    #[param(value_type = Option<allowed::ListingSortBy>, inline)]
    sort_by: Option<SortBy>,
    /// Filter results by name
    #[param(default = "")]
    name_filter: Option<String>,
    /// Whether the filter should be an exact match
    #[serde(default, deserialize_with = "de::boolean")]
    #[param(value_type = Option<bool>, default = false)]
    exact_match: Option<bool>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SortBy {
    Name,
    CreatedAt,
    UpdatedAt,
}

impl ListingQuery {
    pub fn listing(&self, problems: &mut Vec<String>) -> Listing {
        Listing {
            name_filter: self.name_filter.clone(),
            exact: self.exact_match.unwrap_or(false),
            sort_by: match self.sort_by.unwrap_or(SortBy::Name) {
                SortBy::Name => SortKey::Name,
                SortBy::CreatedAt => SortKey::CreatedAt,
                SortBy::UpdatedAt => SortKey::UpdatedAt,
            },
            descending: matches!(self.sort_order, Some(SortOrder::Desc)),
            page: offset_page(self.offset, self.limit, problems),
        }
    }
}
