//! The movers service's one error: what went wrong in its domain and application
//! layer, in its own words. A gateway answers it with an HTTP status (see
//! `From<MoverError> for ApiError` in [`crate::app`]); the worker fails the record
//! with it, its cause chain kept.
use platform::bus::PublishError;
use platform::store::StoreError;
use platform_messages::validate::Invalid;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum MoverError {
    /// A field breaks its rule.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The request would change nothing (an empty patch).
    #[error("{0}")]
    NothingToChange(String),
    /// No such mover.
    #[error("no mover {0}")]
    NotFound(String),
    /// The caller may not do this to this mover.
    #[error("{0}")]
    Forbidden(String),
    /// The mover is not as the request expects (another version, a code that
    /// expired, an email proven already), or it kept changing.
    #[error("{0}")]
    Conflict(String),
    /// The movers table failed.
    #[error("the movers table failed")]
    Store(#[source] StoreError),
    /// A message of the change could not be made.
    #[error("a message of the change could not be made")]
    Message(#[from] PublishError),
}

impl From<StoreError> for MoverError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => {
                MoverError::Conflict(format!("the mover changed meanwhile ({m}); read it again"))
            }
            other => MoverError::Store(other),
        }
    }
}

impl MoverError {
    /// `field` breaks its rule: `problem`.
    pub fn invalid(field: &str, problem: &str) -> Self {
        MoverError::Invalid(Invalid::field(field, problem))
    }
}
