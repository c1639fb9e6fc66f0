//! Accounts and the rules of signing up: a well-formed email (unique regardless of
//! case), a password of at least 10 characters, a name.
use platform_identity::Role;
use platform_messages::validate::{self, Invalid};
use serde::{Deserialize, Serialize};

/// Shortest accepted password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// A stored account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Stable user id (`usr_...`), the tokens' `sub`.
    pub user_id: String,
    /// Email as given (lookups use its lower-case form).
    pub email: String,
    /// Display name.
    pub name: String,
    /// Global roles.
    pub roles: Vec<Role>,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Creation time, seconds since the epoch.
    pub created_at: i64,
    /// A disabled account is not given tokens for other systems (absent: active).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
}

/// The lookup form of an email.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Checks an email's shape (the gateways' shared rule).
pub fn check_email(email: &str) -> Result<(), Invalid> {
    validate::email("email", email)
}

/// Checks a password against the policy.
pub fn check_password(password: &str) -> Result<(), Invalid> {
    let length = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=validate::MAX_PASSWORD_CHARS).contains(&length) {
        let bounds = format!("must be {MIN_PASSWORD_CHARS} to {} characters", validate::MAX_PASSWORD_CHARS);
        return Err(Invalid::field("password", &bounds));
    }
    Ok(())
}

/// Checks a display name.
pub fn check_name(name: &str) -> Result<(), Invalid> {
    validate::text("name", name, validate::MAX_NAME_CHARS)
}

/// A new user id.
pub fn new_user_id() -> String {
    format!("usr_{}", uuid::Uuid::new_v4().simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in ["a@b.co", "first.last+tag@example.com", " Mover@Updater.Local "] {
            assert!(check_email(ok).is_ok(), "{ok}");
        }
        for bad in ["", "plain", "@example.com", "a@", "a@b", "a@.com", "a@b.", "a b@c.com", "a@b@c.com", "a@b..com"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
        assert_eq!(email_key(" Mover@Updater.LOCAL "), "mover@updater.local");
    }

    #[test]
    fn passwords_and_names() {
        assert!(check_password("123456789").is_err());
        assert!(check_password("1234567890").is_ok());
        assert!(check_password("ééééééééé").is_err(), "counts characters, not bytes");
        assert!(check_password(&"p".repeat(256)).is_ok());
        let too_long = check_password(&"p".repeat(257)).unwrap_err();
        assert!(too_long.problem.contains("10 to 256") && too_long.field == "password", "{too_long}");
        assert!(check_name(&"n".repeat(201)).is_err());
        assert!(check_name(" ").is_err());
        assert!(check_name("Ada").is_ok());
    }
}
