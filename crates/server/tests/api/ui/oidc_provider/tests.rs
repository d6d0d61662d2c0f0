//! The whole code flow against the provider, as a relying party does it, with reqwest: so that when a browser
//! test of the web app fails, the provider is not the suspect.

use super::OidcProvider;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::{Client, StatusCode, Url, header};
use serde_json::Value;
use sha2::{Digest, Sha256};

const CLIENT_ID: &str = "marketplace";
const CLIENT_SECRET: &str = "s3cret:with/odd chars";
const REDIRECT_URI: &str = "http://127.0.0.1:9/marketplace/auth/callback?from=test";
const VERIFIER: &str = "a-code-verifier-of-at-least-forty-three-characters-0123456789";

/// A client that sees redirects rather than following them, as the browser's side of the flow is checked.
fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Sends the browser to the authorization endpoint and returns where it is sent back to.
async fn authorize(client: &Client, configuration: &Value, nonce: &str) -> Url {
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER));
    let endpoint = configuration["authorization_endpoint"].as_str().unwrap();
    let response = client
        .get(endpoint)
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("scope", "openid email"),
            ("state", "the-state"),
            ("nonce", nonce),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[header::LOCATION].to_str().unwrap();
    Url::parse(location).unwrap()
}

fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Exchanges a code, authenticating with the form's fields (`client_secret_post`) or HTTP Basic.
async fn exchange(
    client: &Client,
    configuration: &Value,
    code: &str,
    verifier: &str,
    basic: bool,
) -> (StatusCode, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", verifier),
    ];
    let request = client.post(configuration["token_endpoint"].as_str().unwrap());
    let request = if basic {
        // RFC 6749 2.3.1: each half form-urlencoded before the Basic encoding.
        let encode = |text: &str| form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
        request.basic_auth(encode(CLIENT_ID), Some(encode(CLIENT_SECRET)))
    } else {
        form.extend([("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)]);
        request
    };
    let response = request.form(&form).send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn the_code_flow_gives_a_signed_id_token_for_the_configured_user() {
    let provider = OidcProvider::start(CLIENT_ID, CLIENT_SECRET).await;
    let client = client();
    let discovery = format!("{}/.well-known/openid-configuration", provider.issuer());
    let configuration: Value = client.get(discovery).send().await.unwrap().json().await.unwrap();
    assert_eq!(configuration["issuer"], provider.issuer());
    assert!(!provider.issuer().ends_with('/'));
    assert_eq!(
        configuration["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );

    provider.sign_in_as("casey@example.com");
    let callback = authorize(&client, &configuration, "the-nonce").await;
    assert_eq!(callback.path(), "/marketplace/auth/callback");
    assert_eq!(
        query(&callback, "from").as_deref(),
        Some("test"),
        "the redirect URI's own query is kept"
    );
    assert_eq!(query(&callback, "state").as_deref(), Some("the-state"));
    let code = query(&callback, "code").expect("a code");

    let (status, tokens) = exchange(&client, &configuration, &code, VERIFIER, false).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 300);
    assert!(tokens["access_token"].is_string());

    // Verified as a relying party does: the key named by the token's `kid`, from the JWKS.
    let id_token = tokens["id_token"].as_str().unwrap();
    let jwks: JwkSet = client
        .get(configuration["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kid = jsonwebtoken::decode_header(id_token).unwrap().kid.expect("a kid");
    let key = DecodingKey::from_jwk(jwks.find(&kid).expect("the token's key in the JWKS")).unwrap();
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_audience(&[CLIENT_ID]);
    validation.set_issuer(&[provider.issuer()]);
    let claims = jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims["nonce"], "the-nonce");
    assert_eq!(claims["email"], "casey@example.com");
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["sub"], OidcProvider::subject("casey@example.com"));

    // A code is good once.
    let (status, error) = exchange(&client, &configuration, &code, VERIFIER, false).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert_eq!(provider.token_requests(), 2);
}

#[tokio::test]
async fn the_token_endpoint_takes_basic_authentication_and_checks_the_verifier_and_secret() {
    let provider = OidcProvider::start(CLIENT_ID, CLIENT_SECRET).await;
    let client = client();
    let discovery = format!("{}/.well-known/openid-configuration", provider.issuer());
    let configuration: Value = client.get(discovery).send().await.unwrap().json().await.unwrap();
    provider.sign_in_as("riley@example.com");

    let code = query(&authorize(&client, &configuration, "n").await, "code").unwrap();
    let (status, error) = exchange(&client, &configuration, &code, "another-verifier", true).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    let code = query(&authorize(&client, &configuration, "n").await, "code").unwrap();
    let (status, tokens) = exchange(&client, &configuration, &code, VERIFIER, true).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");

    let code = query(&authorize(&client, &configuration, "n").await, "code").unwrap();
    let response = client
        .post(configuration["token_endpoint"].as_str().unwrap())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
            ("client_id", CLIENT_ID),
            ("client_secret", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(provider.token_requests(), 3);

    // A user who declines is sent back with an error instead of a code.
    provider.decline();
    let callback = authorize(&client, &configuration, "n").await;
    assert_eq!(query(&callback, "error").as_deref(), Some("access_denied"));
    assert_eq!(query(&callback, "code"), None);
}
