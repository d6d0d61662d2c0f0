//! Request extractors that fail in the API's error shape: JSON bodies and query strings.
//!
//! Query strings follow what generated clients send: arrays as repeated keys (`?status=A&status=B`) or
//! comma-separated values, and numbers possibly written as `10.0`.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, MissingJsonContentType};
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use marketplace_domain::pagination::{DEFAULT_LIMIT, OffsetPage};
use marketplace_domain::text;
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};

/// A JSON body; malformed JSON, a wrong content type, a body over the limit or of the wrong shape, and text that
/// cannot be stored all answer in the error shape, naming the field where there is one.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(request.headers()) {
            return Err(JsonRejection::from(MissingJsonContentType::default()).into());
        }
        let bytes = Bytes::from_request(request, state).await.map_err(JsonRejection::from)?;
        if let Some(field) = unstorable_field(&bytes) {
            return Err(ApiError::invalid(text::unstorable_message(&field)));
        }
        let axum::Json(value) = axum::Json::from_bytes(&bytes)?;
        Ok(ApiJson(value))
    }
}

impl<T: serde::Serialize> axum::response::IntoResponse for ApiJson<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// `application/json`, or any `application/…+json`.
fn json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<mime::Mime>().ok())
        .is_some_and(|mime| {
            mime.type_() == "application" && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
        })
}

/// The path of the first field (or key) of a JSON body whose text holds a NUL character, which JSON can only
/// carry escaped.
fn unstorable_field(body: &[u8]) -> Option<String> {
    if !body.windows(6).any(|window| window == b"\\u0000") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    text::unstorable_field(&value, "body")
}

/// Path parameters; a segment that cannot be decoded (`%FF`) or holds a NUL answers in the error shape.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let raw = RawPathParams::from_request_parts(parts, state).await?;
        if let Some((name, _)) = raw.iter().find(|(_, value)| !text::is_storable(value)) {
            return Err(ApiError::invalid(text::unstorable_message(name)));
        }
        let axum::extract::Path(value) = axum::extract::Path::from_request_parts(parts, state).await?;
        Ok(ApiPath(value))
    }
}

/// Query parameters, deserialised into `T`; an unusable value answers 400 naming the parameter.
#[derive(Debug, Clone, Default)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        // A NUL can only arrive percent-encoded.
        if query.contains("%00")
            && let Some((name, _)) = form_urlencoded::parse(query.as_bytes())
                .find(|(name, value)| !text::is_storable(name) || !text::is_storable(value))
        {
            return Err(ApiError::invalid(text::unstorable_message(
                &name.replace(text::UNSTORABLE, "\\u0000"),
            )));
        }
        let deserializer = serde_html_form::Deserializer::from_bytes(query.as_bytes());
        serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|error| {
                let field = error.path().to_string();
                let problem = error.into_inner().to_string();
                ApiError::invalid(format!("{field} {problem}"))
            })
    }
}

/// Deserialisers for query values, all of which arrive as text.
pub mod de {
    use super::*;

    pub fn number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.trim()
            .parse::<f64>()
            .ok()
            .filter(|number| number.is_finite())
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("must be a number conforming to the specified constraints"))
    }

    pub fn boolean<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
        match String::deserialize(deserializer)?.as_str() {
            "true" | "1" => Ok(Some(true)),
            "false" | "0" => Ok(Some(false)),
            _ => Err(serde::de::Error::custom("must be a boolean value")),
        }
    }

    /// Repeated keys and comma-separated values alike; empty items are dropped.
    pub fn list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
        let items = Vec::<String>::deserialize(deserializer)?;
        Ok(items
            .iter()
            .flat_map(|item| item.split(','))
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect())
    }
}

/// Checks that an optional numeric parameter is a whole number within bounds; collects what is wrong.
pub fn whole_number(
    name: &str,
    value: Option<f64>,
    default: u64,
    min: u64,
    max: Option<u64>,
    problems: &mut Vec<String>,
) -> u64 {
    let Some(value) = value else { return default };
    if value.fract() != 0.0 {
        problems.push(format!("{name} must be an integer number"));
        return default;
    }
    if value < min as f64 {
        problems.push(format!("{name} must not be less than {min}"));
        return default;
    }
    if let Some(max) = max.filter(|max| value > *max as f64) {
        problems.push(format!("{name} must not be greater than {max}"));
        return default;
    }
    // Within u64 range once above `min` (absurdly large limits are capped by the page type); `max` as a float
    // may round up, so it bounds the whole number again.
    (value.min(u64::MAX as f64) as u64).min(max.unwrap_or(u64::MAX))
}

/// The largest offset: SQL counts rows with signed 64-bit numbers.
pub const MAX_OFFSET: u64 = i64::MAX as u64;

/// `offset` and `limit` as the reference declares them (offset ≥ 0, limit ≥ 1, default 10).
pub fn offset_page(offset: Option<f64>, limit: Option<f64>, problems: &mut Vec<String>) -> OffsetPage {
    let offset = whole_number("offset", offset, 0, 0, Some(MAX_OFFSET), problems);
    let limit = whole_number("limit", limit, DEFAULT_LIMIT, 1, None, problems);
    OffsetPage::new(offset, limit)
}

/// Turns collected problems into a 400, or passes.
pub fn reject_if_any(problems: Vec<String>) -> Result<(), ApiError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(problems))
    }
}
