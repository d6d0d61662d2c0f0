//! The token endpoint: a code, the client's credentials and the PKCE verifier in, an ID token out.

use super::{OidcProvider, Provider, oauth_error};
use axum::Json;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, Header};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

/// The client's credentials: HTTP Basic (`client_secret_basic`, each half form-urlencoded per RFC 6749 2.3.1)
/// when the request has it, else `client_id` and `client_secret` in the form (`client_secret_post`).
fn client_credentials(headers: &HeaderMap, form: &HashMap<String, String>) -> Option<(String, String)> {
    if let Some(basic) = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()) {
        let decoded = STANDARD.decode(basic.strip_prefix("Basic ")?).ok()?;
        let (id, secret) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
        let unescape = |text: &str| -> String {
            form_urlencoded::parse(format!("x={text}").as_bytes())
                .next()
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default()
        };
        return Some((unescape(id), unescape(secret)));
    }
    Some((form.get("client_id")?.clone(), form.get("client_secret")?.clone()))
}

pub(super) async fn token(
    State(provider): State<Arc<Provider>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    provider.token_requests.fetch_add(1, Ordering::SeqCst);
    let param = |name: &str| form.get(name).cloned().unwrap_or_default();
    match client_credentials(&headers, &form) {
        Some((id, secret)) if id == provider.client_id && secret == provider.client_secret => {}
        _ => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication failed",
            );
        }
    }
    if param("grant_type") != "authorization_code" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only authorization_code",
        );
    }
    // A code is used at most once: taken out of the map whatever happens next.
    let Some(pending) = provider.codes.lock().unwrap().remove(&param("code")) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown or already used code");
    };
    if pending.client_id != provider.client_id || form.get("client_id").is_some_and(|id| *id != pending.client_id) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the code was issued to another client",
        );
    }
    if param("redirect_uri") != pending.redirect_uri {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "redirect_uri differs from the authorization's",
        );
    }
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(param("code_verifier").as_bytes()));
    if challenge != pending.code_challenge {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "code_verifier does not match code_challenge",
        );
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let mut claims = json!({
        "iss": provider.issuer,
        "sub": OidcProvider::subject(&pending.email),
        "aud": pending.client_id,
        "exp": now + 300,
        "iat": now,
        "email": pending.email,
        "email_verified": true,
    });
    if let Some(nonce) = pending.nonce {
        claims["nonce"] = json!(nonce);
    }
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(provider.kid.clone());
    let id_token = jsonwebtoken::encode(&header, &claims, &provider.signing_key).expect("sign the ID token");
    Json(json!({
        "access_token": uuid::Uuid::new_v4().simple().to_string(),
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}
