//! A throw-away issuer for tests (feature `testing`): its own key set, a verifier of
//! its tokens, and tokens for any subject, roles and issue time — so tests can
//! present genuine, expired and foreign identities without the auth service.
use std::sync::Arc;

use crate::claims::{Claims, TokenSettings};
use crate::keys::KeySet;
use crate::roles::Role;
use crate::verifier::Verifier;

/// Issues and verifies test tokens.
pub struct TestIssuer {
    /// The signing keys.
    pub keys: KeySet,
    /// Issuer, audience and lifetime of its tokens.
    pub settings: TokenSettings,
}

impl TestIssuer {
    /// An issuer with a fresh key (`https://auth.test`, audience `updater-api`, 15 minutes).
    pub fn new() -> Self {
        Self {
            keys: KeySet::generate().expect("a key is generated"),
            settings: TokenSettings {
                issuer: "https://auth.test".into(),
                audience: "updater-api".into(),
                ttl_seconds: 900,
            },
        }
    }

    /// A verifier that accepts this issuer's tokens.
    pub fn verifier(&self) -> Arc<Verifier> {
        Arc::new(Verifier::for_key_set(&self.settings, &self.keys).expect("the test key set verifies"))
    }

    /// A token for `sub` with `roles`, issued at `iat` (seconds since the epoch).
    pub fn token_issued_at(&self, sub: &str, roles: Vec<Role>, iat: i64) -> String {
        let claims = Claims::issue(&self.settings, sub, &format!("{sub}@example.com"), roles, iat);
        self.keys.sign(&claims).expect("the test key signs")
    }

    /// A token for `sub` with `roles`, issued now.
    pub fn token(&self, sub: &str, roles: Vec<Role>) -> String {
        self.token_issued_at(sub, roles, time::OffsetDateTime::now_utc().unix_timestamp())
    }
}

impl Default for TestIssuer {
    fn default() -> Self {
        Self::new()
    }
}
