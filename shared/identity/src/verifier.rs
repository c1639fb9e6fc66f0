//! The one token verifier of the platform. A token is accepted only when: it is at
//! most 8 KiB of three base64url segments; its header says RS256 with a known
//! `kid` and carries no key material (`jwk`, `jku`, `x5u`, `x5c`); the signature
//! verifies with that key; and `exp`, `nbf`, `iat`, `iss`, `aud`, `sub` are all
//! present and right, with at most 30 s of clock leeway.
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
    /// The checks of a request's token: `exp` and `nbf` judged now.
    now: Validation,
    /// The checks of a token in flight: `exp` and `nbf` judged by the caller, at the
    /// moment its message was authorized.
    in_flight: Validation,
    source: Arc<dyn JwksSource>,
    cache: RwLock<Cache>,
}

/// What `jsonwebtoken` checks of a token of `settings`: RS256, issuer, audience and
/// the required claims, and, when `judged_now`, `exp` and `nbf` with the leeway.
/// Built once per verifier: each holds three sets.
fn validation(settings: &TokenSettings, judged_now: bool) -> Validation {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.leeway = LEEWAY_SECONDS;
    validation.validate_exp = judged_now;
    validation.validate_nbf = judged_now;
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
            now: validation(settings, true),
            in_flight: validation(settings, false),
            source,
            cache: RwLock::new(Cache { keys, fetched_at: Instant::now() }),
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

    /// Verifies a token, judging `exp`/`nbf` now, or at `at` when given.
    async fn verify_valid_at(&self, token: &str, at: Option<i64>) -> Result<Caller, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::Oversized);
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

        let validation = if at.is_none() { &self.now } else { &self.in_flight };
        let claims = jsonwebtoken::decode::<Claims>(token, &key, validation).map_err(|e| map_error(e.kind()))?.claims;
        if let Some(at) = at {
            let leeway = LEEWAY_SECONDS as i64;
            if at > claims.exp + leeway {
                return Err(TokenError::Expired);
            }
            if at < claims.nbf - leeway {
                return Err(TokenError::NotYetValid);
            }
        }
        Ok(claims.into())
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
                    info!(keys = cache.keys.len(), "refreshed the JWKS");
                }
                Err(e) => warn!(error = %e, "could not refresh the JWKS; keeping the cached keys"),
            }
        }
        cache.keys.get(kid).cloned()
    }
}
