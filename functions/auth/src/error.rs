//! The auth service's one error: what registering an account can fail with, in
//! the service's words. The gateway answers it with an HTTP status
//! (`From<AuthError> for ApiError`); the local seeding tells an account that
//! exists already from a failure by its variant, not by an HTTP code.
use platform::store::StoreError;
use platform_gateway::ApiError;
use platform_messages::validate::Invalid;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// A field breaks its rule.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// An account with this email exists.
    #[error("an account with this email already exists")]
    EmailTaken,
    /// Hashing a password failed (or its worker thread did).
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// The accounts table failed.
    #[error("the accounts table failed")]
    Store(#[from] StoreError),
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Invalid(invalid) => invalid.into(),
            AuthError::EmailTaken => ApiError::conflict(e.to_string()),
            AuthError::Hashing(_) | AuthError::Store(_) => ApiError::internal(platform::error_chain::text(&e)),
        }
    }
}
