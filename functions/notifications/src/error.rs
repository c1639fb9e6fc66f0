//! The notifications service's one error: a template that cannot be rendered, a
//! mail provider that failed, a journal that failed, or too little time left to
//! send safely. Every one fails the record, which is retried and, after its
//! deliveries, dead-lettered with this error's text (`From<NotificationError> for
//! HandlerError`).
use platform::store::StoreError;
use platform_consumer::HandlerError;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum NotificationError {
    /// The template lacks its `Subject:` line.
    #[error("the template does not start with a `Subject:` line")]
    NoSubject,
    /// A placeholder has no value.
    #[error("the template needs `{0}`, which the event does not give")]
    MissingValue(String),
    /// A `{{` without its `}}`.
    #[error("unclosed placeholder in the template")]
    UnclosedPlaceholder,
    /// The mail provider refused, or its answer never came (the email may be out).
    #[error("sending the email failed: {0}")]
    Mail(String),
    /// The mail provider answered that it did not take the email (throttled or
    /// failing): it may be sent again at once.
    #[error("SES did not take the email: {0}")]
    MailNotTaken(String),
    /// The invocation has too little time left for what comes next.
    #[error("{0}; retrying later")]
    OutOfTime(&'static str),
    /// The notifications journal failed.
    #[error("the notifications journal failed")]
    Journal(#[from] StoreError),
}

impl From<NotificationError> for HandlerError {
    fn from(e: NotificationError) -> Self {
        HandlerError::new(e)
    }
}
