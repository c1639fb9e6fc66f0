//! The one token verifier of the platform. A token is accepted only when: it is at
//! most 8 KiB of three base64url segments; its header says RS256 with a known
//! `kid` and carries no key material (`jwk`, `jku`, `x5u`, `x5c`); the signature
//! verifies with that key; and `exp`, `nbf`, `iat`, `iss`, `aud`, `sub` are all
//! present and right, with at most 30 s of clock leeway. A token that passed is
//! kept, and judged by its `exp` and `nbf` alone when met again
//! ([`crate::verified_tokens`]); fetching the JWKS again forgets every kept token.
//!
//! A token riding on a bus message is judged at the moment the message was
//! authorized ([`Verifier::verify_in_flight`]) rather than now: a message may wait in
//! a queue and its DLQ for up to [`IN_FLIGHT_DAYS`] before it is handled, and the
//! identity must stay verifiable for that whole life. The signature, issuer and
//! audience are checked exactly as for a request.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use tokio::sync::RwLock;
use tracing::{info, warn};

use crate::claims::{Caller, Claims, TokenSettings};
use crate::error::{IdentityError, TokenError};
use crate::keys::KeySet;
use crate::source::{JwksSource, StaticJwks};
use crate::verified_tokens::{Verified, VerifiedTokens};

/// The largest token accepted.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Clock leeway for `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 30;
/// The longest a message can live on the bus: 14 days in its queue, then up to 14
/// days in its DLQ before a redrive puts it back.
pub const IN_FLIGHT_DAYS: i64 = 28;
/// An unknown `kid` refreshes the JWKS at most this often.
const MIN_REFRESH: Duration = Duration::from_secs(60);

struct Cache {
    keys: HashMap<String, Arc<DecodingKey>>,
    fetched_at: Instant,
}

/// Verifies bearer tokens against a cached JWKS.
pub struct Verifier {
    /// What `jsonwebtoken` checks of a token (see [`checks`]).
    checks: Validation,
    source: Arc<dyn JwksSource>,
    cache: RwLock<Cache>,
    /// The tokens that passed, judged by time alone when seen again.
    verified: VerifiedTokens,
}

/// What `jsonwebtoken` checks of a token of `settings`: RS256, issuer, audience and
/// the required claims. `exp` and `nbf` are judged after it, at the moment that
/// matters (now, or when a message was authorized), for a token seen before too.
/// Built once per verifier: it holds three sets.
fn checks(settings: &TokenSettings) -> Validation {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[&settings.audience]);
    validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
    validation
}

fn decoding_keys(set: &JwkSet) -> HashMap<String, Arc<DecodingKey>> {
    set.keys
        .iter()
        .filter(|k| matches!(k.algorithm, AlgorithmParameters::RSA(_)))
        .filter(|k| matches!(k.common.key_algorithm, None | Some(KeyAlgorithm::RS256)))
        .filter_map(|k| Some((k.common.key_id.clone()?, Arc::new(DecodingKey::from_jwk(k).ok()?))))
        .collect()
}

fn is_base64url(segment: &str) -> bool {
    !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn map_error(kind: &ErrorKind) -> TokenError {
    match kind {
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::ImmatureSignature => TokenError::NotYetValid,
        ErrorKind::InvalidIssuer => TokenError::Issuer,
        ErrorKind::InvalidAudience => TokenError::Audience,
        ErrorKind::InvalidSignature => TokenError::Signature,
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => TokenError::Algorithm,
        ErrorKind::MissingRequiredClaim(c) if c == "iss" => TokenError::Issuer,
        ErrorKind::MissingRequiredClaim(c) if c == "aud" => TokenError::Audience,
        ErrorKind::MissingRequiredClaim(c) => TokenError::Claims(format!("`{c}` is missing")),
        ErrorKind::Json(e) => TokenError::Claims(e.to_string()),
        _ => TokenError::Malformed,
    }
}

impl Verifier {
    /// A verifier for tokens of `settings.issuer` and `settings.audience`, loading
    /// the keys from `source` now (a failure stops the cold start).
    pub async fn new(settings: &TokenSettings, source: Arc<dyn JwksSource>) -> Result<Self, IdentityError> {
        let set = source.fetch().await?;
        Self::with_jwks(settings, &set, source)
    }

    /// A verifier of the tokens `keys` signs (the auth service checks its own tokens so).
    pub fn for_key_set(settings: &TokenSettings, keys: &KeySet) -> Result<Self, IdentityError> {
        let set = keys.jwks()?;
        Self::with_jwks(settings, &set, Arc::new(StaticJwks(set.clone())))
    }

    fn with_jwks(settings: &TokenSettings, set: &JwkSet, source: Arc<dyn JwksSource>) -> Result<Self, IdentityError> {
        let keys = decoding_keys(set);
        if keys.is_empty() {
            return Err(IdentityError::Jwks("the JWKS has no RS256 key with a `kid`".into()));
        }
        Ok(Self {
            checks: checks(settings),
            source,
            cache: RwLock::new(Cache { keys, fetched_at: Instant::now() }),
            verified: VerifiedTokens::default(),
        })
    }

    /// Verifies an `Authorization` header value (`Bearer <token>`).
    pub async fn verify_bearer(&self, header: Option<&str>) -> Result<Caller, TokenError> {
        let value = header.map(str::trim).filter(|v| !v.is_empty()).ok_or(TokenError::Missing)?;
        let (scheme, token) = value.split_once(' ').ok_or(TokenError::Missing)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(TokenError::Missing);
        }
        self.verify(token.trim()).await
    }

    /// Verifies a token and returns the caller it names.
    pub async fn verify(&self, token: &str) -> Result<Caller, TokenError> {
        self.verify_valid_at(token, None).await
    }

    /// Verifies a token that rides on a bus message authorized at `authorized_at`
    /// (seconds since the epoch): `exp` and `nbf` are judged at that moment, which
    /// itself must lie between [`IN_FLIGHT_DAYS`] ago and `now` (plus the leeway).
    /// So a genuine token that expired while its message waited is accepted, and a
    /// forged, altered or foreign one never is.
    pub async fn verify_in_flight(&self, token: &str, authorized_at: i64, now: i64) -> Result<Caller, TokenError> {
        if authorized_at > now + LEEWAY_SECONDS as i64 {
            return Err(TokenError::AuthorizedInFuture);
        }
        if authorized_at < now - IN_FLIGHT_DAYS * 86_400 {
            return Err(TokenError::AuthorizationTooOld(IN_FLIGHT_DAYS));
        }
        self.verify_valid_at(token, Some(authorized_at)).await
    }

    /// Verifies a token, judging `exp`/`nbf` now, or at `at` when given. A token
    /// verified before is judged by time alone.
    async fn verify_valid_at(&self, token: &str, at: Option<i64>) -> Result<Caller, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::Oversized);
        }
        let at = at.unwrap_or_else(|| time::OffsetDateTime::now_utc().unix_timestamp());
        if let Some(verified) = self.verified.get(token) {
            return verified.at(at, LEEWAY_SECONDS as i64);
        }
        if token.split('.').count() != 3 || !token.split('.').all(is_base64url) {
            return Err(TokenError::Malformed);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|e| match e.kind() {
            ErrorKind::InvalidAlgorithmName => TokenError::Algorithm,
            _ => TokenError::Malformed,
        })?;
        if header.alg != Algorithm::RS256 {
            return Err(TokenError::Algorithm);
        }
        if header.jwk.is_some() || header.jku.is_some() || header.x5u.is_some() || header.x5c.is_some() {
            return Err(TokenError::HeaderKey);
        }
        let kid = header.kid.ok_or(TokenError::UnknownKey)?;
        let key = self.key(&kid).await.ok_or(TokenError::UnknownKey)?;

        let claims = jsonwebtoken::decode::<Claims>(token, &key, &self.checks).map_err(|e| map_error(e.kind()))?.claims;
        let verified = Verified::new(claims);
        self.verified.keep(token, verified.clone());
        verified.at(at, LEEWAY_SECONDS as i64)
    }

    async fn key(&self, kid: &str) -> Option<Arc<DecodingKey>> {
        {
            let cache = self.cache.read().await;
            if let Some(key) = cache.keys.get(kid) {
                return Some(key.clone());
            }
            if cache.fetched_at.elapsed() < MIN_REFRESH {
                return None;
            }
        }
        // An unknown kid may be a rotation: refresh, at most once a minute.
        let mut cache = self.cache.write().await;
        if cache.fetched_at.elapsed() >= MIN_REFRESH {
            cache.fetched_at = Instant::now();
            match self.source.fetch().await {
                Ok(set) => {
                    cache.keys = decoding_keys(&set);
                    // A key gone from the set takes the tokens it signed with it.
                    self.verified.forget_all();
                    info!(keys = cache.keys.len(), "refreshed the JWKS");
                }
                Err(e) => warn!(error = %e, "could not refresh the JWKS; keeping the cached keys"),
            }
        }
        cache.keys.get(kid).cloned()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;

    use super::*;
    use crate::roles::Role;

    fn settings() -> TokenSettings {
        TokenSettings { issuer: "https://auth.test".into(), audience: "api".into(), ttl_seconds: 900 }
    }

    fn now() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }

    fn token(keys: &KeySet, settings: &TokenSettings) -> String {
        keys.sign(&Claims::issue(settings, "usr_1", "a@b.co", vec![Role::UserMover], now())).unwrap()
    }

    /// A JWKS that the test changes, as a rotation changes the SSM parameter.
    struct Changing(Mutex<JwkSet>);

    #[async_trait]
    impl JwksSource for Changing {
        async fn fetch(&self) -> Result<JwkSet, IdentityError> {
            Ok(self.0.lock().unwrap().clone())
        }
    }

    #[tokio::test]
    async fn a_token_seen_again_is_judged_by_time_at_each_use() {
        let keys = KeySet::generate().unwrap();
        let v = Verifier::for_key_set(&settings(), &keys).unwrap();
        let token = token(&keys, &settings());
        assert_eq!(v.verify(&token).await.unwrap().sub, "usr_1");
        assert_eq!(v.verified.len(), 1, "kept");
        let (exp, nbf) = (now() + 900, now());
        assert_eq!(v.verify_valid_at(&token, Some(exp + 60)).await, Err(TokenError::Expired));
        assert_eq!(v.verify_valid_at(&token, Some(nbf - 60)).await, Err(TokenError::NotYetValid));
        assert_eq!(v.verify_in_flight(&token, now() - 10, now()).await.unwrap().sub, "usr_1");
        assert_eq!(v.verify(&token).await.unwrap().sub, "usr_1");
        assert_eq!(v.verified.len(), 1, "the same entry, judged again");
    }

    #[tokio::test]
    async fn a_refused_token_is_not_kept() {
        let keys = KeySet::generate().unwrap();
        let v = Verifier::for_key_set(&settings(), &keys).unwrap();
        let good = token(&keys, &settings());
        let (signed, signature) = good.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
        let forged = format!("{signed}.{flipped}{}", &signature[1..]);
        assert_eq!(v.verify(&forged).await, Err(TokenError::Signature));
        let other_audience = TokenSettings { audience: "elsewhere".into(), ..settings() };
        assert_eq!(v.verify(&token(&keys, &other_audience)).await, Err(TokenError::Audience));
        assert_eq!(v.verified.len(), 0);
        assert_eq!(v.verify(&forged).await, Err(TokenError::Signature), "refused again, not remembered as good");
    }

    #[tokio::test]
    async fn a_key_set_fetched_again_forgets_the_tokens_of_a_retired_key() {
        let (old, new) = (KeySet::generate().unwrap(), KeySet::generate().unwrap());
        let source = Arc::new(Changing(Mutex::new(old.jwks().unwrap())));
        let v = Verifier::new(&settings(), source.clone()).await.unwrap();
        let old_token = token(&old, &settings());
        v.verify(&old_token).await.unwrap();
        // The old key is retired; a minute later a token of the new key arrives.
        *source.0.lock().unwrap() = new.jwks().unwrap();
        v.cache.write().await.fetched_at -= MIN_REFRESH;
        v.verify(&token(&new, &settings())).await.unwrap();
        assert_eq!(v.verify(&old_token).await, Err(TokenError::UnknownKey));
    }
}
