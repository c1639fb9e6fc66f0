//! Identity for the whole platform: global roles, the JWT claims the auth service
//! issues, its signing key set and JWKS, and the verifier that every gateway and
//! worker uses (RS256 pinned, `exp`/`nbf`/`iss`/`aud` checked, key by `kid`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod claims;
mod error;
mod keys;
mod roles;
mod source;
#[cfg(feature = "testing")]
mod testing;
mod verified_tokens;
mod verifier;

pub use claims::{Caller, Claims, TokenSettings};
pub use error::{IdentityError, TokenError};
pub use keys::{KeySet, SigningKey};
pub use roles::Role;
pub use source::{JwksSource, SsmJwks, StaticJwks};
#[cfg(feature = "testing")]
pub use testing::TestIssuer;
pub use verifier::{IN_FLIGHT_DAYS, MAX_TOKEN_BYTES, Verifier};
