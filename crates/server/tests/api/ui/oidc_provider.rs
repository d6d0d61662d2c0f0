//! A small OpenID Connect provider on 127.0.0.1 for the web app to sign users in through: the authorization
//! code flow with PKCE (S256), client authentication by `client_secret_post` or `client_secret_basic`, ID tokens
//! signed with an Ed25519 key made at start. There is no login form: `/authorize` signs in at once whoever the
//! test named with [`OidcProvider::sign_in_as`], so a browser test goes through the real redirects untouched.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::EncodingKey;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Who `/authorize` signs in.
#[derive(Clone)]
enum NextUser {
    /// Nobody configured: a test bug, answered with a message saying so.
    Unset,
    /// This email address (its subject is derived from it).
    Email(String),
    /// The user declines: the client gets `error=access_denied`.
    Declines,
}

/// An issued code waiting to be exchanged.
struct PendingCode {
    client_id: String,
    redirect_uri: String,
    nonce: Option<String>,
    code_challenge: String,
    email: String,
}

struct Provider {
    issuer: String,
    client_id: String,
    client_secret: String,
    kid: String,
    signing_key: EncodingKey,
    /// The public key, base64url as a JWK's `x`.
    public_x: String,
    next_user: Mutex<NextUser>,
    codes: Mutex<HashMap<String, PendingCode>>,
    token_requests: AtomicUsize,
}

/// The running provider; it stops when dropped.
pub struct OidcProvider {
    provider: Arc<Provider>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl OidcProvider {
    /// Starts a provider on a free port of 127.0.0.1 that knows one client, `client_id` with `client_secret`.
    pub async fn start(client_id: &str, client_secret: &str) -> OidcProvider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).expect("an Ed25519 key");
        let key_pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("the key just made");
        let provider = Arc::new(Provider {
            issuer,
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            kid: uuid::Uuid::new_v4().simple().to_string(),
            signing_key: EncodingKey::from_ed_der(pkcs8.as_ref()),
            public_x: URL_SAFE_NO_PAD.encode(key_pair.public_key().as_ref()),
            next_user: Mutex::new(NextUser::Unset),
            codes: Mutex::new(HashMap::new()),
            token_requests: AtomicUsize::new(0),
        });
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/authorize", get(authorize))
            .route("/token", post(token::token))
            .route("/jwks", get(jwks))
            .with_state(provider.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        OidcProvider { provider, server }
    }

    /// The issuer and base URL, `http://127.0.0.1:PORT` (no trailing slash); discovery is under it.
    pub fn issuer(&self) -> &str {
        &self.provider.issuer
    }

    /// From now on `/authorize` signs in the user with this email address (verified), without asking.
    pub fn sign_in_as(&self, email: &str) {
        *self.provider.next_user.lock().unwrap() = NextUser::Email(email.to_owned());
    }

    /// From now on `/authorize` answers as a user who refused: a redirect with `error=access_denied`.
    pub fn decline(&self) {
        *self.provider.next_user.lock().unwrap() = NextUser::Declines;
    }

    /// The `sub` claim the provider gives the user with this email address: stable, and not the address itself,
    /// as with real providers.
    pub fn subject(email: &str) -> String {
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, email.as_bytes()).to_string()
    }

    /// How many requests `/token` has answered, successful or not (a client that retries shows here).
    pub fn token_requests(&self) -> usize {
        self.provider.token_requests.load(Ordering::SeqCst)
    }
}

async fn discovery(State(provider): State<Arc<Provider>>) -> Json<Value> {
    let issuer = &provider.issuer;
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code"],
        "scopes_supported": ["openid", "email"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nonce", "email", "email_verified"],
    }))
}

async fn jwks(State(provider): State<Arc<Provider>>) -> Json<Value> {
    Json(json!({"keys": [{
        "kty": "OKP",
        "crv": "Ed25519",
        "x": provider.public_x,
        "kid": provider.kid,
        "alg": "EdDSA",
        "use": "sig",
    }]}))
}

/// An OAuth error answer: `{"error": code, "error_description": why}`.
fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    (status, Json(json!({"error": code, "error_description": description}))).into_response()
}

async fn authorize(State(provider): State<Arc<Provider>>, Query(query): Query<HashMap<String, String>>) -> Response {
    let param = |name: &str| query.get(name).cloned().unwrap_or_default();
    // Errors before the redirect URI is trusted go to the browser, never to the redirect URI (RFC 6749 4.1.2.1);
    // the rest would be redirected by a real provider, but a test learns more from a plain 400 naming the cause.
    if param("client_id") != provider.client_id {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_client", "unknown client_id");
    }
    let Ok(mut redirect) = reqwest::Url::parse(&param("redirect_uri")) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "redirect_uri is not an absolute URL",
        );
    };
    if param("response_type") != "code" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_response_type",
            "only response_type=code",
        );
    }
    if !param("scope").split(' ').any(|scope| scope == "openid") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "the scope must include openid",
        );
    }
    if param("code_challenge_method") != "S256" || param("code_challenge").is_empty() {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "PKCE with S256 is required");
    }
    let next_user = provider.next_user.lock().unwrap().clone();
    let mut pairs = Vec::new();
    match next_user {
        NextUser::Unset => {
            let why = "no user to sign in: the test must call OidcProvider::sign_in_as first";
            return (StatusCode::BAD_REQUEST, why).into_response();
        }
        NextUser::Declines => pairs.push(("error", "access_denied".to_owned())),
        NextUser::Email(email) => {
            let code = uuid::Uuid::new_v4().simple().to_string();
            let pending = PendingCode {
                client_id: param("client_id"),
                redirect_uri: param("redirect_uri"),
                nonce: query.get("nonce").cloned(),
                code_challenge: param("code_challenge"),
                email,
            };
            provider.codes.lock().unwrap().insert(code.clone(), pending);
            pairs.push(("code", code));
        }
    }
    if let Some(state) = query.get("state") {
        pairs.push(("state", state.clone()));
    }
    redirect.query_pairs_mut().extend_pairs(pairs);
    Redirect::to(redirect.as_str()).into_response()
}

// The provider's own test, which proves it before any app relies on it.
mod tests;
mod token;
