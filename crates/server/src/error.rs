//! The one error shape of the API, NestJS style: `{"statusCode": 404, "message": "…", "error": "Not Found"}`,
//! with `message` an array of strings for validation failures. Every failure — ours or the framework's —
//! leaves the server in this shape.

use crate::connections::{BODY_TOO_SLOW, BodyTimeout};
use crate::logging::Refusal;
use axum::Json;
use axum::extract::OriginalUri;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection, RawPathParamsRejection};
use axum::http::HeaderMap;
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use marketplace_app::AppError;
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
    /// Our failure; the source is kept for the log, the client sees only that it failed.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
enum Message {
    One(String),
    Many(Vec<String>),
}

/// The body every error response carries: the HTTP status, what went wrong (one message, or one per problem for
/// a validation failure), and the status's name.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[schema(example = 404)]
    status_code: u16,
    #[schema(inline)]
    message: Message,
    #[schema(value_type = String, example = "Not Found")]
    error: &'static str,
}

impl ErrorBody {
    fn new(status: StatusCode, message: Message) -> Self {
        ErrorBody {
            status_code: status.as_u16(),
            message,
            error: status.canonical_reason().unwrap_or("Error"),
        }
    }

    /// The serialised body of an error with one message.
    pub fn json(status: StatusCode, message: &str) -> Vec<u8> {
        serde_json::to_vec(&ErrorBody::new(status, Message::One(message.to_owned())))
            .expect("an error body always serialises")
    }
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
            let mut response = (status, [(CONTENT_TYPE, "application/json")], UNAUTHENTICATED_BODY).into_response();
            response.extensions_mut().insert(Refusal("not authenticated".into()));
            return response;
        }
        let refusal = status.is_client_error().then(|| Refusal(self.to_string().into()));
        let message = match self {
            ApiError::Invalid(messages) => Message::Many(messages),
            ApiError::Internal(source) => {
                tracing::error!(error = %Chain(source.as_ref()), "request failed");
                Message::One("Internal server error".into())
            }
            ApiError::Forbidden(message)
            | ApiError::NotFound(message)
            | ApiError::BadRequest(message)
            | ApiError::Conflict(message)
            | ApiError::Status(_, message) => Message::One(message),
            ApiError::Unauthenticated => unreachable!("answered above"),
        };
        let mut response = (status, Json(ErrorBody::new(status, message))).into_response();
        if let Some(refusal) = refusal {
            response.extensions_mut().insert(refusal);
        }
        response
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Unauthenticated => ApiError::Unauthenticated,
            AppError::Forbidden(message) => ApiError::Forbidden(message),
            AppError::NotFound(message) => ApiError::NotFound(message),
            AppError::Conflict(message) => ApiError::Conflict(message),
            AppError::Invalid(problems) => {
                ApiError::Invalid(problems.into_iter().map(|problem| problem.message).collect())
            }
            AppError::Refused(message) => ApiError::BadRequest(message),
            AppError::Internal(source) => ApiError::Internal(source),
        }
    }
}

/// An error and its causes, on one line, for logs (an internal error's own message says only that it is one).
pub(crate) struct Chain<'a>(pub(crate) &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
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
            other if caused_by::<BodyTimeout>(&other) => {
                ApiError::Status(StatusCode::REQUEST_TIMEOUT, BODY_TOO_SLOW.into())
            }
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

impl From<RawPathParamsRejection> for ApiError {
    fn from(rejection: RawPathParamsRejection) -> Self {
        ApiError::invalid(rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::invalid(rejection.body_text())
    }
}

/// Whether `error` or one of its causes is an `E`.
fn caused_by<E: std::error::Error + 'static>(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error.is::<E>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// Answers a request no route matches, the way NestJS does.
/// A path nothing serves: a page for a browser (it asks for HTML and is not calling the API), the API's 404
/// body for everything else.
pub async fn route_not_found(method: Method, OriginalUri(uri): OriginalUri, headers: HeaderMap) -> Response {
    let wants_html = headers
        .get(ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html && method == Method::GET && !uri.path().starts_with("/marketplace/api/") {
        return crate::web::not_found_page(uri.path());
    }
    ApiError::NotFound(format!("Cannot {method} {}", uri.path())).into_response()
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

/// Gives every error answer without a body of its own (from the HTTP stack rather than a handler) the error shape.
pub async fn ensure_error_body(response: Response) -> Response {
    let status = response.status();
    if status.as_u16() < 400 || response.headers().contains_key(CONTENT_TYPE) {
        return response;
    }
    ApiError::Status(status, status.canonical_reason().unwrap_or("Error").to_owned()).into_response()
}

/// Answers 503 for a request that takes longer than `limit`; dropping the handler rolls back its transaction.
pub async fn time_limit(
    axum::extract::State(limit): axum::extract::State<std::time::Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Status(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "The server did not answer within {} s; try again later.",
                limit.as_secs()
            ),
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::{Body, to_bytes};
    use axum::routing::get;
    use std::time::Duration;
    use tower::ServiceExt;

    async fn answer(router: Router, path: &str) -> (StatusCode, serde_json::Value) {
        let request = axum::http::Request::get(path).body(Body::empty()).unwrap();
        let response = router.oneshot(request).await.unwrap();
        let status = response.status();
        let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn a_request_over_its_time_answers_503_in_the_error_shape() {
        let router = Router::new()
            .route("/slow", get(|| tokio::time::sleep(Duration::from_secs(5))))
            .layer(axum::middleware::from_fn_with_state(
                Duration::from_millis(10),
                time_limit,
            ));
        let (status, body) = answer(router, "/slow").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["statusCode"], 503);
        assert_eq!(body["error"], "Service Unavailable");
    }

    #[tokio::test]
    async fn a_bare_error_answer_gets_the_error_shape() {
        let router = Router::new()
            .route("/bare", get(|| async { StatusCode::GATEWAY_TIMEOUT }))
            .layer(axum::middleware::map_response(ensure_error_body));
        let (status, body) = answer(router, "/bare").await;
        assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(
            body,
            serde_json::json!({"statusCode": 504, "message": "Gateway Timeout", "error": "Gateway Timeout"})
        );
    }
}
