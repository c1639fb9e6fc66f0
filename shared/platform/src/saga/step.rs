//! Runs a saga step as a Lambda: typed input in, typed output out, or a
//! [`StepError`] whose `errorType` is a stable business name that the state
//! machine's `Catch` matches (`NoCrewAvailable`, `PaymentDeclined`, ...).
use std::future::Future;
use std::sync::Arc;

use lambda_runtime::{Diagnostic, Error, LambdaEvent, service_fn};
use platform_messages::{Catalog, TraceParent};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use thiserror::Error;

use super::limits::{MAX_CAUSE_CHARS, MAX_ERROR_CHARS, cut};

/// The error name of a failure worth retrying.
const TRANSIENT: &str = "Transient";
/// The error name of an input the step cannot read (no retry helps).
pub const INVALID_INPUT: &str = "InvalidStepInput";

/// A step's failure: `error_type` is what Step Functions sees as the error name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{error_type}: {message}")]
pub struct StepError {
    /// The stable error name (`NoCrewAvailable`), or `Transient` for a failure
    /// worth retrying (the state machine's `Retry` lists it).
    pub error_type: String,
    /// What happened, for the execution history and the booking's reason.
    pub message: String,
}

impl StepError {
    /// A business error the saga compensates.
    pub fn business(error_type: &str, message: impl Into<String>) -> Self {
        Self { error_type: error_type.to_owned(), message: message.into() }
    }

    /// A failure of infrastructure (a throttled table, a dropped connection): the
    /// state machine retries it with backoff.
    pub fn transient(message: impl Into<String>) -> Self {
        Self { error_type: TRANSIENT.to_owned(), message: message.into() }
    }

    /// Whether this is a failure of infrastructure, worth retrying.
    pub fn is_transient(&self) -> bool {
        self.error_type == TRANSIENT
    }
}

impl From<StepError> for Diagnostic {
    /// What Step Functions sees: the name and message cut to its limits.
    fn from(e: StepError) -> Self {
        Diagnostic { error_type: cut(&e.error_type, MAX_ERROR_CHARS), error_message: cut(&e.message, MAX_CAUSE_CHARS) }
    }
}

/// Serves `handler` as the step Lambda of the service `catalog` describes, after
/// `init` built its dependencies once at cold start (see [`crate::startup`]); it may
/// send only what the catalog publishes. A pre-traffic probe is answered without
/// running the handler (see [`crate::probe`]); an input the step cannot read fails
/// as `InvalidStepInput`, with serde's reason.
pub async fn serve_step<D, I, O, F, Fut, Init>(catalog: Catalog, init: Init, handler: F) -> Result<(), Error>
where
    Init: Future<Output = Result<D, Error>>,
    D: Send + Sync + 'static,
    I: DeserializeOwned + Send + 'static,
    O: Serialize + Send + 'static,
    F: Fn(Arc<D>, I) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, StepError>> + Send + 'static,
{
    let deps = Arc::new(crate::startup::cold_start_of(&catalog, init).await);
    let handler = Arc::new(handler);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let deps = deps.clone();
        let handler = handler.clone();
        let span = tracing::info_span!(
            "step",
            function_request_id = %event.context.request_id,
            xray_trace_id = event.context.xray_trace_id.as_deref().unwrap_or("-"),
            trace_id = tracing::field::Empty,
            otel.kind = "server",
        );
        let context = event.context;
        let work = async move {
            if let Some(answer) = crate::probe::answer(&event.payload) {
                return Ok(answer);
            }
            let input: I = serde_json::from_value(event.payload)
                .map_err(|e| StepError::business(INVALID_INPUT, format!("the step's input: {e}")))?;
            let result = handler(deps, input).await;
            if let Err(e) = &result {
                tracing::warn!(error_type = %e.error_type, message = %e.message, "step failed");
            }
            serde_json::to_value(result?).map_err(|e| StepError::transient(format!("the step's output: {e}")))
        };
        async move { crate::invocation::within(&context, tracing::Instrument::instrument(work, span)).await }
    }))
    .await
}

/// Names, on the running step's span (and so on its log lines), the W3C trace its
/// execution belongs to, as its input carries it; the exported span becomes the
/// child of the execution's (see `crate::traces`).
pub fn in_trace(trace: Option<&TraceParent>) {
    if let Some(trace) = trace {
        tracing::Span::current().record("trace_id", tracing::field::display(trace.trace()));
        crate::traces::continue_trace(trace);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_reason_reaches_step_functions_within_its_limits_with_its_name_intact() {
        let e = StepError::business("PaymentDeclined", "x".repeat(100_000));
        let d = Diagnostic::from(e);
        assert_eq!(d.error_type, "PaymentDeclined", "the Catch still matches");
        assert_eq!(d.error_message.chars().count(), MAX_CAUSE_CHARS);
        let d = Diagnostic::from(StepError::business(&"N".repeat(300), "short"));
        assert_eq!(d.error_type.chars().count(), MAX_ERROR_CHARS);
    }
}
