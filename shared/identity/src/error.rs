//! Why a token was refused, and failures of key material.
use thiserror::Error;

/// A refused token. The display text is safe to show the caller.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TokenError {
    /// No token was presented.
    #[error("a bearer token is required")]
    Missing,
    /// The token is larger than any token the auth service issues.
    #[error("token is too large")]
    Oversized,
    /// Not three base64url segments, or a header or payload that is not JSON.
    #[error("token is malformed")]
    Malformed,
    /// The header names an algorithm other than RS256.
    #[error("token algorithm is not accepted")]
    Algorithm,
    /// The header carries key material or a key URL (`jwk`, `jku`, `x5u`, `x5c`).
    #[error("token header carries key material, which is not accepted")]
    HeaderKey,
    /// The header has no `kid`, or one this service does not know.
    #[error("token is signed with an unknown key")]
    UnknownKey,
    /// The signature does not verify.
    #[error("token signature is invalid")]
    Signature,
    /// `exp` is past.
    #[error("token has expired")]
    Expired,
    /// `nbf` is in the future.
    #[error("token is not valid yet")]
    NotYetValid,
    /// Wrong or missing `iss`.
    #[error("token issuer is not accepted")]
    Issuer,
    /// Wrong or missing `aud`.
    #[error("token audience is not accepted")]
    Audience,
    /// A message's authorization time lies in the future (past the clock leeway).
    #[error("the message's authorization time is in the future")]
    AuthorizedInFuture,
    /// A message's authorization time is older than any message can live on the bus.
    #[error("the message was authorized more than {0} days ago, longer than any message can live on the bus")]
    AuthorizationTooOld(i64),
    /// A required claim is missing or has the wrong type.
    #[error("token claims are invalid: {0}")]
    Claims(String),
}

/// A failure of key material or of the key source.
#[derive(Debug, Error)]
pub enum IdentityError {
    /// A key could not be generated, parsed or used.
    #[error("signing key: {0}")]
    Key(String),
    /// The JWKS could not be fetched or parsed.
    #[error("JWKS: {0}")]
    Jwks(String),
    /// Signing failed.
    #[error("signing: {0}")]
    Signing(String),
}
