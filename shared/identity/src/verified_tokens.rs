//! The tokens a verifier has verified, by their text, so that a token seen again
//! (a user's next request, the next message of the same action) is judged by time
//! alone, without its RSA signature check (about 20 µs; `cargo xtask bench
//! tokens`). Bounded, and emptied whenever the verifier's key set is fetched
//! again, so that a key retired from the JWKS retires its tokens with it.
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::claims::{Caller, Claims};
use crate::error::TokenError;

/// How many tokens are kept; when full, the set starts again empty.
pub(crate) const CAPACITY: usize = 512;

/// What a token whose signature, issuer, audience and claims checked out says.
#[derive(Clone)]
pub(crate) struct Verified {
    caller: Caller,
    exp: i64,
    nbf: i64,
}

impl Verified {
    pub(crate) fn new(claims: Claims) -> Self {
        let (exp, nbf) = (claims.exp, claims.nbf);
        Self { caller: claims.into(), exp, nbf }
    }

    /// The caller, when the token was valid at `at` (seconds since the epoch),
    /// give or take `leeway` seconds of clock skew.
    pub(crate) fn at(&self, at: i64, leeway: i64) -> Result<Caller, TokenError> {
        if at > self.exp.saturating_add(leeway) {
            return Err(TokenError::Expired);
        }
        if at < self.nbf.saturating_sub(leeway) {
            return Err(TokenError::NotYetValid);
        }
        Ok(self.caller.clone())
    }
}

/// The verified tokens, by their text.
#[derive(Default)]
pub(crate) struct VerifiedTokens(Mutex<HashMap<Box<str>, Verified>>);

impl VerifiedTokens {
    /// What `token` says, when it was verified since the set last started empty.
    pub(crate) fn get(&self, token: &str) -> Option<Verified> {
        self.lock().get(token).cloned()
    }

    /// Keeps `token` as verified.
    pub(crate) fn keep(&self, token: &str, verified: Verified) {
        let mut tokens = self.lock();
        if tokens.len() >= CAPACITY {
            tokens.clear();
        }
        tokens.insert(token.into(), verified);
    }

    /// Forgets every token (the key set was fetched again).
    pub(crate) fn forget_all(&self) {
        self.lock().clear();
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Box<str>, Verified>> {
        // Nothing is left half-written under the lock: a panic elsewhere does not spoil it.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verified(exp: i64, nbf: i64) -> Verified {
        Verified { caller: Caller { sub: "usr_1".into(), email: "a@b.co".into(), roles: vec![] }, exp, nbf }
    }

    #[test]
    fn a_token_is_good_from_nbf_to_exp_give_or_take_the_leeway() {
        let token = verified(1_000, 100);
        assert_eq!(token.at(1_030, 30).unwrap().sub, "usr_1");
        assert_eq!(token.at(1_031, 30), Err(TokenError::Expired));
        assert!(token.at(70, 30).is_ok());
        assert_eq!(token.at(69, 30), Err(TokenError::NotYetValid));
        assert_eq!(verified(i64::MAX, i64::MIN).at(0, 30).unwrap().sub, "usr_1", "no overflow at the ends");
    }

    #[test]
    fn the_set_holds_at_most_its_capacity_and_keeps_the_newest() {
        let tokens = VerifiedTokens::default();
        for i in 0..=CAPACITY {
            tokens.keep(&format!("t{i}"), verified(1, 0));
        }
        assert!(tokens.len() <= CAPACITY);
        assert!(tokens.get(&format!("t{CAPACITY}")).is_some());
        tokens.forget_all();
        assert_eq!(tokens.len(), 0);
    }
}
