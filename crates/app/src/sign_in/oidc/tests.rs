//! An ID token is accepted only when signed by one of the provider's keys with a public-key algorithm, for our
//! client, by the tenant's issuer, and unexpired.

use super::verify_id_token;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use marketplace_domain::directory::{OpenIdConnect, SecretSource};
use serde_json::{Value, json};

struct Provider {
    pkcs8: Vec<u8>,
    /// The public key, as the JWK set publishes it.
    x: String,
    keys: JwkSet,
}

fn provider() -> Provider {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
    let x = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
    let keys = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "k1", "alg": "EdDSA", "use": "sig"}]});
    Provider {
        pkcs8: pkcs8.as_ref().to_vec(),
        x,
        keys: serde_json::from_value(keys).unwrap(),
    }
}

fn config() -> OpenIdConnect {
    OpenIdConnect {
        issuer: "https://login.example".into(),
        client_id: "marketplace".into(),
        client_secret: SecretSource::Env("UNUSED".into()),
        user_claim: "email".into(),
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn claims() -> Value {
    json!({"iss": "https://login.example", "aud": "marketplace", "sub": "u1", "exp": now() + 300, "iat": now(),
           "nonce": "n", "email": "casey@example.com"})
}

fn signed(provider: &Provider, kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_ed_der(&provider.pkcs8)).unwrap()
}

#[test]
fn a_token_signed_by_the_provider_for_us_is_accepted() {
    let provider = provider();
    let claims = verify_id_token(&signed(&provider, Some("k1"), &claims()), &provider.keys, &config()).unwrap();
    assert_eq!(claims["email"], "casey@example.com");
}

#[test]
fn anything_else_is_refused() {
    let provider = provider();
    let mut cases = Vec::new();
    for (field, value) in [
        ("aud", json!("another-client")),
        ("iss", json!("https://evil.example")),
        ("exp", json!(now() - 3600)),
    ] {
        let mut claims = claims();
        claims[field] = value;
        cases.push((field.to_owned(), signed(&provider, Some("k1"), &claims)));
    }
    cases.push(("unknown key".into(), signed(&provider, Some("k2"), &claims())));
    cases.push((
        "another provider's key".into(),
        signed(&self::provider(), Some("k1"), &claims()),
    ));
    // The published key used as a shared secret: a classic forgery, refused by algorithm before any key is tried.
    let forged = jsonwebtoken::encode(
        &Header {
            kid: Some("k1".into()),
            ..Header::new(Algorithm::HS256)
        },
        &claims(),
        &EncodingKey::from_secret(provider.x.as_bytes()),
    )
    .unwrap();
    cases.push(("HS256".into(), forged));
    cases.push(("not a token".into(), "a.b.c".into()));
    for (case, token) in cases {
        assert!(
            verify_id_token(&token, &provider.keys, &config()).is_err(),
            "{case} was accepted"
        );
    }
}
