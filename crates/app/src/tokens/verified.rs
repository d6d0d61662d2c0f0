//! Tokens whose signature and claims have verified, kept by hash so that a token is verified once rather than
//! on every call: decoding the header, checking the HS256 signature and parsing the claims was a sixth of the CPU
//! of an authenticated read. The hash is computed on every call anyway (the stored token is found by it), and
//! SHA-256 makes a token with the same hash the same token. Only the expiry moves with time: it is checked again
//! on each use, as the first verification checked it.

use super::Claims;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Enough for every token in use at once on a large deployment; a full cache is emptied and fills again.
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub(super) struct VerifiedTokens {
    by_hash: RwLock<HashMap<String, Arc<Claims>>>,
}

impl VerifiedTokens {
    /// The claims of the token with this hash, if it verified before and has not expired since (at `now`, in
    /// seconds: as `jsonwebtoken` checks it with no leeway, a token expires after its `exp` second).
    pub(super) fn get(&self, hash: &str, now: u64) -> Option<Arc<Claims>> {
        let claims = self.by_hash.read().expect("verified tokens lock").get(hash).cloned()?;
        let current = claims
            .exp
            .is_none_or(|exp| u64::try_from(exp).is_ok_and(|exp| exp >= now));
        current.then_some(claims)
    }

    pub(super) fn insert(&self, hash: &str, claims: Arc<Claims>) {
        let mut by_hash = self.by_hash.write().expect("verified tokens lock");
        if by_hash.len() >= CAPACITY {
            by_hash.clear();
        }
        by_hash.insert(hash.to_owned(), claims);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: Option<i64>) -> Arc<Claims> {
        Arc::new(Claims {
            iss: "marketplace/na".into(),
            aud: "marketplace".into(),
            sub: "someone".into(),
            tid: "tenant".into(),
            seg: "na".into(),
            jti: "token".into(),
            iat: 0,
            exp,
        })
    }

    #[test]
    fn a_verified_token_is_found_by_its_hash_until_its_expiry_second_has_passed() {
        let verified = VerifiedTokens::default();
        assert!(verified.get("a", 100).is_none());
        verified.insert("a", claims(Some(100)));
        verified.insert("b", claims(None));
        assert_eq!(verified.get("a", 99).map(|claims| claims.exp), Some(Some(100)));
        assert!(verified.get("a", 100).is_some());
        assert!(verified.get("a", 101).is_none());
        assert!(verified.get("b", u64::MAX).is_some());
        assert!(verified.get("c", 0).is_none());
    }

    #[test]
    fn a_full_cache_is_emptied_before_it_grows_past_its_capacity() {
        let verified = VerifiedTokens::default();
        for index in 0..CAPACITY {
            verified.insert(&index.to_string(), claims(None));
        }
        assert!(verified.get("0", 0).is_some());
        verified.insert("one more", claims(None));
        assert!(verified.get("0", 0).is_none());
        assert!(verified.get("one more", 0).is_some());
        assert_eq!(verified.by_hash.read().unwrap().len(), 1);
    }
}
