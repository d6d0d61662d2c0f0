//! Personal access tokens: JWTs signed with HS256 by this deployment's key (`kid` in the header, so keys can
//! rotate). Only this deployment verifies its tokens, and HS256 verifies in microseconds — once per token
//! ([`VerifiedTokens`]).

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use marketplace_domain::{Segment, Timestamp};
use marketplace_store::{NewToken, SigningKey, Store, StoreError, Tenant, UserRecord};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use uuid::Uuid;

use super::verified::VerifiedTokens;

const AUDIENCE: &str = "marketplace";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user's `globalUserId`.
    pub sub: String,
    /// Tenant id.
    pub tid: String,
    /// Global segment.
    pub seg: String,
    /// Token id.
    pub jti: String,
    pub iat: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
}

/// Signs and verifies this deployment's tokens.
pub struct TokenService {
    segment: Segment,
    signing: SigningKey,
    /// Verification keys by `kid`. A miss asks the database, so keys another instance created are found; the
    /// cache only saves work, it never decides.
    verifying: RwLock<HashMap<String, DecodingKey>>,
    verified: VerifiedTokens,
    store: Store,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not valid here")]
    Rejected,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl TokenService {
    /// Uses `configured_key` (`MARKETPLACE_SIGNING_KEY`) if given; otherwise the newest key in the database,
    /// creating one on the first start.
    pub async fn load(store: Store, segment: Segment, configured_key: Option<&str>) -> Result<Self, StoreError> {
        let signing = match configured_key {
            Some(secret) => SigningKey {
                kid: format!("configured-{}", &token_hash(secret)[..16]),
                secret: secret.as_bytes().to_vec(),
                created_at: Timestamp::now(),
            },
            None => match store.newest_signing_key().await? {
                Some(key) => key,
                None => {
                    let mut secret = vec![0u8; 32];
                    rand::rng().fill_bytes(&mut secret);
                    let key = SigningKey {
                        kid: Uuid::now_v7().simple().to_string(),
                        secret,
                        created_at: Timestamp::now(),
                    };
                    store.insert_signing_key(&key).await?;
                    // Another instance starting at the same moment may have stored one too; either verifies.
                    store.newest_signing_key().await?.unwrap_or(key)
                }
            },
        };
        let mut verifying = HashMap::new();
        verifying.insert(signing.kid.clone(), DecodingKey::from_secret(&signing.secret));
        Ok(Self {
            segment,
            signing,
            verifying: RwLock::new(verifying),
            verified: VerifiedTokens::default(),
            store,
        })
    }

    pub fn segment(&self) -> Segment {
        self.segment
    }

    fn issuer(&self) -> String {
        format!("marketplace/{}", self.segment)
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.signing.kid.clone());
        encode(&header, claims, &EncodingKey::from_secret(&self.signing.secret))
            .expect("HS256 signing of serialisable claims cannot fail")
    }

    /// Checks signature, issuer, audience, segment and expiry (`hash` is the token's [`token_hash`]). Whether the
    /// token still exists is the caller's second step.
    pub async fn verify(&self, token: &str, hash: &str) -> Result<Arc<Claims>, TokenError> {
        if let Some(claims) = self.verified.get(hash, jsonwebtoken::get_current_timestamp()) {
            return Ok(claims);
        }
        let claims = Arc::new(self.verify_signed(token).await?);
        self.verified.insert(hash, claims.clone());
        Ok(claims)
    }

    async fn verify_signed(&self, token: &str) -> Result<Claims, TokenError> {
        let header = decode_header(token).map_err(|_| TokenError::Rejected)?;
        if header.alg != Algorithm::HS256 {
            return Err(TokenError::Rejected);
        }
        let kid = header.kid.ok_or(TokenError::Rejected)?;
        let key = self.verifying_key(&kid).await?.ok_or(TokenError::Rejected)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[self.issuer()]);
        validation.set_required_spec_claims(&["iss", "aud", "sub"]);
        validation.leeway = 0;
        let claims = decode::<Claims>(token, &key, &validation)
            .map_err(|_| TokenError::Rejected)?
            .claims;
        if claims.seg != self.segment.as_str() {
            return Err(TokenError::Rejected);
        }
        Ok(claims)
    }

    async fn verifying_key(&self, kid: &str) -> Result<Option<DecodingKey>, StoreError> {
        if let Some(key) = self.verifying.read().expect("key cache lock").get(kid) {
            return Ok(Some(key.clone()));
        }
        let Some(stored) = self.store.signing_key(kid).await? else {
            return Ok(None);
        };
        let key = DecodingKey::from_secret(&stored.secret);
        self.verifying
            .write()
            .expect("key cache lock")
            .insert(kid.to_owned(), key.clone());
        Ok(Some(key))
    }

    /// Creates a token for `user`, stores its hash, and returns its id and the token string — the only time
    /// the string is ever available.
    pub async fn issue(
        &self,
        tenant: &Tenant,
        user: &UserRecord,
        description: &str,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(Uuid, String), StoreError> {
        let (record, token) = self.mint(tenant, user, description, expires_at, now);
        self.store.insert_token(&record).await?;
        Ok((record.id, token))
    }

    /// As [`Self::issue`], deleting in the same transaction the user's tokens with the same description, so
    /// only the new one works.
    pub async fn replace(
        &self,
        tenant: &Tenant,
        user: &UserRecord,
        description: &str,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(Uuid, String), StoreError> {
        let (record, token) = self.mint(tenant, user, description, expires_at, now);
        self.store.replace_tokens(&record).await?;
        Ok((record.id, token))
    }

    /// A signed token and the record that stores its hash.
    fn mint(
        &self,
        tenant: &Tenant,
        user: &UserRecord,
        description: &str,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> (NewToken, String) {
        // Time-ordered, so a user's tokens list in the order they were made.
        let id = Uuid::now_v7();
        let claims = Claims {
            iss: self.issuer(),
            aud: AUDIENCE.into(),
            sub: user.global_user_id.to_string(),
            tid: tenant.id.to_string(),
            seg: self.segment.as_str().into(),
            jti: id.to_string(),
            iat: now.seconds(),
            exp: expires_at.map(Timestamp::seconds),
        };
        let token = self.sign(&claims);
        let record = NewToken {
            id,
            tenant_id: tenant.id,
            user_id: user.id,
            description: description.to_owned(),
            token_hash: token_hash(&token),
            created_at: now,
            expires_at,
        };
        (record, token)
    }
}

/// What is stored instead of the token: its SHA-256, hex. Computed on every authenticated request: written a
/// byte at a time, each through `format!` into a string of its own, the hex took as long as the hash.
pub fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::token_hash;

    /// Tokens are found by this hash: its form must never change.
    #[test]
    fn a_token_hash_is_the_lowercase_hex_of_its_sha_256() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(token_hash("").len(), 64);
    }
}
