//! Schemas of values the handlers check by hand, so that the OpenAPI document declares what the server refuses.
//! Each is used `inline` through `value_type` (the document names no component after them), and none is ever
//! constructed: the handlers keep parsing the text they are sent.
//!
//! Text the server trims and then refuses when empty is declared with the pattern `[^\s\u0085]` (something
//! besides white space: `\s` of JavaScript lacks U+0085, which Rust trims). Data product names, which may hold
//! white space, spell Rust's white space out (`\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029`
//! `\u202f\u205f\u3000`), since `\s` means a different set in every dialect.

use marketplace_domain::{access_request, notifications};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};

fn words<V: Into<serde_json::Value>>(
    values: impl IntoIterator<Item = V>,
    default: Option<&str>,
    description: Option<&str>,
) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::String))
        .enum_values(Some(values))
        .default(default.map(Into::into))
        .description(description)
        .into()
}

/// A closed set of words; the default and the description, where given, are the schema's own, so that the
/// document does not wrap the inlined schema to add them.
macro_rules! one_of {
    ($(
        $(#[$doc:meta])*
        $name:ident => $values:expr $(, default = $default:literal)? $(, description = $description:literal)?;
    )+) => {$(
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                words($values, None $(.or(Some($default)))?, None $(.or(Some($description)))?)
            }
        }

        impl utoipa::ToSchema for $name {}
    )+};
}

one_of! {
    /// An access request's status, or how the caller relates to a data product (`NONE`, `PUBLISHER`).
    RequestStatus => super::REQUEST_STATUSES;
    /// What a request asks for.
    RequestType => access_request::RequestType::ALL.iter().map(|kind| kind.as_str());
    /// What a request asks for, data access unless told.
    RequestTypeOrDataAccess => access_request::RequestType::ALL.iter().map(|kind| kind.as_str()), default = "DATA_ACCESS";
    /// The roles a request search covers.
    RequestRole => ["requestor", "manager", "steward"];
    /// The review filters of a request search.
    ReviewStatus => ["noReviews", "reviewedByYou", "awaitingReviewFromYou"];
    /// The kinds of asset.
    AssetType => ["DATA_PRODUCT", "DATA_OBJECT"];
    /// The orders of a request search, newest first unless told.
    RequestSortBy => ["status", "dataProduct", "createdAt", "updatedAt", "expiration"], default = "createdAt";
    /// The orders of a catalog list, by name unless told.
    ListingSortBy => ["name", "createdAt", "updatedAt"], default = "name";
    /// The one order of the product search.
    ProductSortBy => ["name"];
    /// How a caller relates to a data product.
    ProductRole => ["manager", "member", "noRole", "steward"];
    /// Ascending unless told.
    SortOrder => ["asc", "desc"], default = "asc";
    /// Descending unless told.
    SortOrderDescending => ["asc", "desc"], default = "desc";
    /// Ascending unless told, in capitals.
    SortDirection => ["ASC", "DESC"], default = "ASC";
    /// What applied tags are searched on.
    ModelType => ["datasource", "column"];
    /// The determinations an approver makes.
    Decision => ["APPROVED", "DENIED"],
        description = "Stricter than Immuta's document: an approver approves or denies, nothing else.";
    /// The channels notifications reach people by.
    Provider => notifications::Provider::ALL.iter().map(|channel| channel.as_str()),
        description = "Stricter than Immuta's document: one of the notification channels.";
    /// What a notification is about.
    NotificationType => notifications::NotificationType::ALL.iter().map(|kind| kind.as_str()),
        description = "Stricter than Immuta's document: one of the notification types.";
}

/// The largest data source id a list of ids may name: the server refuses 9 × 10¹⁵ and beyond.
const LARGEST_SOURCE_ID: i64 = 8_999_999_999_999_999;

/// A data source id in a list of ids: a whole number of at most 16 digits.
pub struct DataSourceId;

impl utoipa::PartialSchema for DataSourceId {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::Integer))
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int64,
            )))
            .minimum(Some(-LARGEST_SOURCE_ID))
            .maximum(Some(LARGEST_SOURCE_ID))
            .into()
    }
}

impl utoipa::ToSchema for DataSourceId {}
