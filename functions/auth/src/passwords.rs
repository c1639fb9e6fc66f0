//! Password hashing with Argon2id (PHC strings, per-password salt).
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::AuthError;

/// Hashes a password.
pub fn hash(password: &str) -> Result<String, AuthError> {
    let failed = |e: argon2::password_hash::Error| AuthError::Hashing(e.to_string());
    // 16 bytes from the OS's random source (uuid v4 draws them from getrandom).
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes()).map_err(failed)?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(failed)
}

/// Whether `password` matches the stored hash.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// The real Argon2id hash an unknown email is checked against (made once).
fn dummy_hash() -> Result<&'static str, AuthError> {
    static DUMMY: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| hash("dummy-password-for-timing").map_err(|e| e.to_string()))
        .as_deref()
        .map_err(|e| AuthError::Hashing(format!("the timing-defence hash: {e}")))
}

/// Spends the time of one verification, so an unknown email answers as slowly as a
/// wrong password. Without its dummy hash the defence would be gone: that is an
/// error, never a silent fast answer.
pub fn burn_time(password: &str) -> Result<(), AuthError> {
    let _ = verify(password, dummy_hash()?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash("correct horse battery").unwrap();
        let b = hash("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "salted");
        assert!(verify("correct horse battery", &a));
        assert!(!verify("wrong horse battery", &a));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn an_unknown_email_is_checked_against_a_real_hash() {
        let dummy = dummy_hash().unwrap();
        assert!(dummy.starts_with("$argon2id$") && PasswordHash::new(dummy).is_ok(), "{dummy}");
        assert!(burn_time("any password").is_ok());
    }
}
