//! Signing in through the tenant's OpenID provider: the authorization code flow with PKCE (RFC 7636). The
//! browser is sent to the provider with a random `state` (bound to the browser by the web layer's cookie), a
//! `nonce` the ID token must carry and an S256 code challenge; the callback trades the code for an ID token,
//! whose signature, issuer, audience, expiry and nonce are checked against the provider's published keys
//! before its claim names a directory user.

use super::{StartedSession, random_secret};
use crate::{App, AppError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use marketplace_domain::directory::OpenIdConnect;
use marketplace_store::{PendingOidcSignIn, Tenant};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// How long the provider may take to answer one call.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);
/// Signature algorithms accepted on an ID token: public-key ones only, so a published key can never be used
/// as a shared secret.
const ACCEPTED: [Algorithm; 7] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Where to send the browser, and the state its return must bring back.
pub struct OidcRedirect {
    pub url: String,
    pub state: String,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: String,
}

/// A failure at the provider: the person sees that signing in failed and why, in words.
fn provider_error(what: impl std::fmt::Display) -> AppError {
    tracing::warn!(error = %what, "OpenID sign-in failed");
    AppError::Refused(format!("Signing in with your identity provider failed: {what}."))
}

fn client() -> Result<reqwest::Client, AppError> {
    reqwest::Client::builder()
        .timeout(PROVIDER_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(AppError::internal_from)
}

/// A JSON document the provider publishes (`what` it should be, for the message when it is not).
async fn fetch<T: serde::de::DeserializeOwned>(client: &reqwest::Client, url: &str, what: &str) -> Result<T, AppError> {
    client
        .get(url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|error| provider_error(format!("cannot read {url}: {error}")))?
        .json()
        .await
        .map_err(|error| provider_error(format!("{url} is not {what}: {error}")))
}

async fn discover(client: &reqwest::Client, config: &OpenIdConnect) -> Result<Discovery, AppError> {
    let url = format!("{}/.well-known/openid-configuration", config.issuer);
    let discovery: Discovery = fetch(client, &url, "a discovery document").await?;
    if discovery.issuer.trim_end_matches('/') != config.issuer {
        return Err(provider_error(format!(
            "the provider calls itself `{}`, not `{}`",
            discovery.issuer, config.issuer
        )));
    }
    Ok(discovery)
}

impl App {
    /// The tenant a person names on the sign-in page, and its OpenID provider if it has one.
    pub async fn sign_in_tenant(&self, short_key: &str) -> Result<Tenant, AppError> {
        self.store
            .tenant_by_short_key(short_key.trim())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("There is no account `{}` here.", short_key.trim())))
    }

    /// Starts a sign-in at the tenant's OpenID provider; the provider sends the browser back to `redirect_uri`.
    pub async fn begin_oidc_sign_in(&self, short_key: &str, redirect_uri: &str) -> Result<OidcRedirect, AppError> {
        let tenant = self.sign_in_tenant(short_key).await?;
        let config = tenant.open_id_connect.as_ref().ok_or_else(|| {
            AppError::Refused(format!(
                "{} has no identity provider; ask an operator for a sign-in link.",
                tenant.name
            ))
        })?;
        let discovery = discover(&client()?, config).await?;
        let (state, nonce, code_verifier) = (random_secret(), random_secret(), random_secret());
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(code_verifier.as_bytes()));
        let pending = PendingOidcSignIn {
            tenant_id: tenant.id,
            nonce: nonce.clone(),
            code_verifier,
        };
        self.store.insert_oidc_sign_in(&state, &pending, self.now()).await?;
        let mut url = reqwest::Url::parse(&discovery.authorization_endpoint)
            .map_err(|error| provider_error(format!("its authorization endpoint is not a URL: {error}")))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &config.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", "openid email profile")
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(OidcRedirect { url: url.into(), state })
    }

    /// Completes a sign-in the provider sent back with `code` and `state`: at most once per state, within ten
    /// minutes of its start.
    pub async fn finish_oidc_sign_in(
        &self,
        state: &str,
        code: &str,
        redirect_uri: &str,
    ) -> Result<StartedSession, AppError> {
        let started_after = self.now().plus_seconds(-super::OIDC_SIGN_IN_SECONDS);
        let pending = self
            .store
            .take_oidc_sign_in(state, started_after)
            .await?
            .ok_or_else(|| {
                AppError::Refused("This sign-in has expired or was already completed. Sign in again.".into())
            })?;
        let tenant = self
            .store
            .tenant(pending.tenant_id)
            .await?
            .ok_or_else(|| AppError::internal("the sign-in's tenant is gone"))?;
        let config = tenant
            .open_id_connect
            .as_ref()
            .ok_or_else(|| AppError::Refused(format!("{} no longer has an identity provider.", tenant.name)))?;
        let claim = self.id_token_claim(config, &pending, code, redirect_uri).await?;
        let by_email = config.user_claim == OpenIdConnect::DEFAULT_USER_CLAIM;
        let user = self
            .store
            .user_by_claim(tenant.id, by_email, &claim)
            .await?
            .ok_or_else(|| {
                AppError::Forbidden(format!(
                    "You signed in as {claim}, but {} has no user with that {}. Ask an administrator to add you to \
                 the directory.",
                    tenant.name,
                    if by_email { "email" } else { "name" },
                ))
            })?;
        self.start_session(tenant.id, user).await
    }

    /// Trades the code for an ID token, checks it, and returns the claim that names the user.
    async fn id_token_claim(
        &self,
        config: &OpenIdConnect,
        pending: &PendingOidcSignIn,
        code: &str,
        redirect_uri: &str,
    ) -> Result<String, AppError> {
        let secret = crate::provisioning::read_secret(&config.client_secret).map_err(|problem| {
            tracing::error!(%problem, "the OpenID client secret cannot be read");
            AppError::Refused("Signing in is not configured completely on this server; tell an operator.".into())
        })?;
        let client = client()?;
        let discovery = discover(&client, config).await?;
        let response = client
            .post(&discovery.token_endpoint)
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect_uri),
                ("client_id", &config.client_id),
                ("client_secret", &secret),
                ("code_verifier", &pending.code_verifier),
            ])
            .send()
            .await
            .map_err(|error| provider_error(format!("its token endpoint did not answer: {error}")))?;
        if !response.status().is_success() {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            return Err(provider_error(format!("its token endpoint answered {status}: {body}")));
        }
        let token: TokenResponse = response
            .json()
            .await
            .map_err(|error| provider_error(format!("its token response has no ID token: {error}")))?;
        let keys: JwkSet = fetch(&client, &discovery.jwks_uri, "a JWK set").await?;
        let claims = verify_id_token(&token.id_token, &keys, config)?;
        if claims.get("nonce").and_then(|nonce| nonce.as_str()) != Some(pending.nonce.as_str()) {
            return Err(provider_error("the ID token was not issued for this sign-in (nonce)"));
        }
        match claims.get(&config.user_claim) {
            Some(serde_json::Value::String(value)) if !value.is_empty() => Ok(value.clone()),
            _ => Err(provider_error(format!(
                "the ID token has no `{}` claim",
                config.user_claim
            ))),
        }
    }
}

/// The ID token's claims, if it is signed by one of the provider's keys with a public-key algorithm, issued
/// by the tenant's issuer for our client, and unexpired.
fn verify_id_token(
    token: &str,
    keys: &JwkSet,
    config: &OpenIdConnect,
) -> Result<serde_json::Map<String, serde_json::Value>, AppError> {
    let header =
        jsonwebtoken::decode_header(token).map_err(|error| provider_error(format!("bad ID token: {error}")))?;
    if !ACCEPTED.contains(&header.alg) {
        return Err(provider_error(format!(
            "ID tokens signed with {:?} are not accepted",
            header.alg
        )));
    }
    let jwk = match &header.kid {
        Some(kid) => keys.find(kid),
        None if keys.keys.len() == 1 => keys.keys.first(),
        None => None,
    }
    .ok_or_else(|| provider_error("the ID token's key is not among the provider's keys"))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|error| provider_error(format!("unusable key: {error}")))?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[config.issuer.as_str(), &format!("{}/", config.issuer)]);
    validation.set_audience(&[config.client_id.as_str()]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    jsonwebtoken::decode(token, &key, &validation)
        .map(|data| data.claims)
        .map_err(|error| provider_error(format!("the ID token does not verify: {error}")))
}

#[cfg(test)]
mod tests;
