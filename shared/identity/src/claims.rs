//! The claims of the platform's access tokens, and the verified caller they yield.
use serde::{Deserialize, Serialize};

use crate::roles::Role;

/// The claims of an access token (all required).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer: the auth service.
    pub iss: String,
    /// Audience: the platform's API.
    pub aud: String,
    /// Subject: the user id.
    pub sub: String,
    /// The user's email.
    pub email: String,
    /// The user's global roles.
    pub roles: Vec<Role>,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expires at.
    pub exp: i64,
    /// Unique token id.
    pub jti: String,
}

/// Issuer, audience and lifetime of tokens, shared by the signer and the verifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSettings {
    /// `iss` of issued tokens, and the only one accepted.
    pub issuer: String,
    /// `aud` of issued tokens, and the only one accepted.
    pub audience: String,
    /// Lifetime of an access token, in seconds.
    pub ttl_seconds: i64,
}

impl Claims {
    /// Claims for a user, valid from now for `settings.ttl_seconds`.
    pub fn issue(settings: &TokenSettings, sub: &str, email: &str, roles: Vec<Role>, now: i64) -> Self {
        Self {
            iss: settings.issuer.clone(),
            aud: settings.audience.clone(),
            sub: sub.to_owned(),
            email: email.to_owned(),
            roles,
            iat: now,
            nbf: now,
            exp: now + settings.ttl_seconds,
            jti: uuid::Uuid::new_v4().to_string(),
        }
    }
}

/// A caller whose token was verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Caller {
    /// The user id.
    pub sub: String,
    /// The user's email.
    pub email: String,
    /// The user's global roles.
    pub roles: Vec<Role>,
}

impl Caller {
    /// Whether the caller has `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

impl From<Claims> for Caller {
    fn from(c: Claims) -> Self {
        Self { sub: c.sub, email: c.email, roles: c.roles }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_claims_cover_every_required_field() {
        let settings = TokenSettings { issuer: "https://auth.test".into(), audience: "api".into(), ttl_seconds: 900 };
        let c = Claims::issue(&settings, "usr_1", "a@b.co", vec![Role::UserMover], 1_000);
        assert_eq!((c.iss.as_str(), c.aud.as_str(), c.sub.as_str()), ("https://auth.test", "api", "usr_1"));
        assert_eq!((c.iat, c.nbf, c.exp), (1_000, 1_000, 1_900));
        let json = serde_json::to_value(&c).unwrap();
        for claim in ["iss", "aud", "sub", "email", "roles", "iat", "nbf", "exp", "jti"] {
            assert!(!json[claim].is_null(), "{claim} missing");
        }
        assert_eq!(json["roles"], serde_json::json!(["user-mover"]));
        let other = Claims::issue(&settings, "usr_1", "a@b.co", vec![], 1_000);
        assert_ne!(c.jti, other.jti, "each token has its own id");
        let caller = Caller::from(c);
        assert!(caller.has(Role::UserMover) && !caller.has(Role::System));
    }
}
