//! What handlers return: the messages to emit (the consumer stamps ids, correlation
//! and causation), or an error that fails the record.
use platform_messages::{Contract, MessageName};
use serde_json::Value;
use thiserror::Error;

/// One message to emit; the consumer derives its id from the handled message's id,
/// so a retried handler emits the same ids.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Emitted {
    pub(crate) name: MessageName,
    pub(crate) data: Value,
}

/// The answer to a saga step waiting for the handled task (its envelope carries a
/// `task_token`): the consumer completes the token with it after publishing.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The step succeeds with this output.
    Success(Value),
    /// The step fails with a business error name (matched by the state machine's
    /// `Catch`) and a cause.
    Failure {
        /// The error name, e.g. `AddressRejected`.
        error: String,
        /// Why.
        cause: String,
    },
}

/// Messages a handler asks the consumer to publish once it succeeded, and its
/// reply to a waiting saga step, if any.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Emit(pub(crate) Vec<Emitted>, pub(crate) Option<Reply>);

impl Emit {
    /// Nothing to publish.
    pub fn none() -> Self {
        Self::default()
    }

    /// One message of contract `C`.
    pub fn one<C: Contract>(data: &C::Data) -> Result<Self, HandlerError> {
        Self::none().and::<C>(data)
    }

    /// Adds a message of contract `C`.
    pub fn and<C: Contract>(mut self, data: &C::Data) -> Result<Self, HandlerError> {
        let data = serde_json::to_value(data).map_err(HandlerError::new)?;
        self.0.push(Emitted { name: C::NAME, data });
        Ok(self)
    }

    /// Answers a waiting saga step with success and `output`. Without a reply, a
    /// task that carries a token is answered with success and an empty output.
    pub fn reply_success<T: serde::Serialize>(mut self, output: &T) -> Result<Self, HandlerError> {
        self.1 = Some(Reply::Success(serde_json::to_value(output).map_err(HandlerError::new)?));
        Ok(self)
    }

    /// Answers a waiting saga step with the business error `error`.
    pub fn reply_failure(mut self, error: &str, cause: impl Into<String>) -> Self {
        self.1 = Some(Reply::Failure { error: error.to_owned(), cause: cause.into() });
        self
    }
}

/// A handler failure: the record is reported failed, retried, and after
/// `maxReceiveCount` moved to the DLQ.
#[derive(Debug, Error)]
#[error("{message}")]
pub struct HandlerError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl HandlerError {
    /// An error from any error value; its message says the error and its causes.
    pub fn new<E: std::error::Error + Send + Sync + 'static>(error: E) -> Self {
        Self { message: platform::error_chain::text(&error), source: Some(Box::new(error)) }
    }

    /// An error with a message.
    pub fn msg(message: impl Into<String>) -> Self {
        Self { message: message.into(), source: None }
    }
}

/// What a handler returns.
pub type HandlerResult = Result<Emit, HandlerError>;
