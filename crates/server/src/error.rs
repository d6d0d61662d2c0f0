//! The one error shape of the API, NestJS style: `{"statusCode": 404, "message": "…", "error": "Not Found"}`,
//! with `message` an array of strings for validation failures. Every failure — ours or the framework's —
//! leaves the server in this shape.

use axum::Json;
use axum::extract::OriginalUri;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::header::CONTENT_TYPE;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use marketplace_store::StoreError;
use serde::Serialize;

/// The answer to every unauthenticated call, as Immuta documents it.
pub const UNAUTHENTICATED_BODY: &str = r#"{"message":"Not authenticated.","error":"Unauthorized","statusCode":401}"#;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Missing, malformed, expired, deleted, foreign or wrong-segment credentials: always the same answer.
    #[error("Not authenticated.")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// One message per bad field.
    #[error("{}", .0.join("; "))]
    Invalid(Vec<String>),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Status(StatusCode, String),
    #[error("internal error: {0}")]
    Internal(String),
}

#[derive(Serialize)]
#[serde(untagged)]
enum Message {
    One(String),
    Many(Vec<String>),
}

/// The body every error response carries.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    status_code: u16,
    message: Message,
    error: &'static str,
}

impl ApiError {
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::Invalid(vec![message.into()])
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Invalid(_) | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Status(status, _) => *status,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

pub fn error_response(status: StatusCode, message: impl Into<String>) -> Response {
    ApiError::Status(status, message.into()).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status == StatusCode::UNAUTHORIZED {
            // Exactly the body the reference documents, byte for byte.
            return (status, [(CONTENT_TYPE, "application/json")], UNAUTHENTICATED_BODY).into_response();
        }
        let message = match self {
            ApiError::Invalid(messages) => Message::Many(messages),
            ApiError::Internal(detail) => {
                tracing::error!(error = %detail, "request failed");
                Message::One("Internal server error".into())
            }
            ApiError::Forbidden(message)
            | ApiError::NotFound(message)
            | ApiError::BadRequest(message)
            | ApiError::Conflict(message)
            | ApiError::Status(_, message) => Message::One(message),
            ApiError::Unauthenticated => unreachable!("answered above"),
        };
        let body = ErrorBody {
            status_code: status.as_u16(),
            message,
            error: status.canonical_reason().unwrap_or("Error"),
        };
        (status, Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Duplicate => ApiError::Conflict("A record with the same name exists already.".into()),
            StoreError::Invalid(message) => ApiError::Invalid(message.split("; ").map(str::to_owned).collect()),
            StoreError::Conflict(message) => ApiError::Conflict(message),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => ApiError::Status(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Type must be application/json".into(),
            ),
            JsonRejection::JsonDataError(error) => ApiError::invalid(error.body_text()),
            JsonRejection::JsonSyntaxError(error) => ApiError::BadRequest(error.body_text()),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::Status(StatusCode::PAYLOAD_TOO_LARGE, "request entity too large".into())
            }
            other => ApiError::Status(other.status(), other.body_text()),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::invalid(rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::invalid(rejection.body_text())
    }
}

/// Answers a request no route matches, the way NestJS does.
pub async fn route_not_found(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::NotFound(format!("Cannot {method} {}", uri.path()))
}

pub async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::Status(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("Cannot {method} {}", uri.path()),
    )
}

/// What a panic in a handler turns into: the same shape, nothing more revealed.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::Internal("a handler panicked".into()).into_response()
}
