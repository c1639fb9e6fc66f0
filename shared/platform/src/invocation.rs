//! The Lambda invocation a piece of work runs in: its request id and X-Ray trace id
//! from the context Lambda passes, carried into every span of the work (a record's,
//! a step's, a request's), with its deadline (see [`crate::deadline`]).
use std::future::Future;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, UNIX_EPOCH};

use lambda_runtime::Context;

tokio::task_local! {
    static INVOCATION: Invocation;
}

/// What the spans of an invocation's work carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// Lambda's request id (`function_request_id` in the logs, as Powertools names it).
    pub request_id: Arc<str>,
    /// The X-Ray trace id, when tracing is on.
    pub xray_trace_id: Option<Arc<str>>,
}

/// What stands for an id outside an invocation or without tracing.
static NONE: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("-"));

impl Invocation {
    /// The invocation `context` describes.
    pub fn of(context: &Context) -> Self {
        Self {
            request_id: context.request_id.as_str().into(),
            xray_trace_id: context.xray_trace_id.as_deref().map(Arc::from),
        }
    }
}

/// Runs `work` as the invocation `context` describes: its ids for the spans, its
/// deadline for the work that must not outlive it; then exports the spans it
/// finished (see [`crate::traces`]).
pub async fn within<F: Future>(context: &Context, work: F) -> F::Output {
    crate::log_line::invocation_started();
    let deadline = UNIX_EPOCH + Duration::from_millis(context.deadline);
    let output = INVOCATION.scope(Invocation::of(context), crate::deadline::until(deadline, work)).await;
    // Before the response: Lambda freezes the process once it has it.
    crate::traces::flush(deadline).await;
    output
}

/// The context of an invocation `request_id` that has `lasting` left (for tests:
/// what Lambda passes a handler).
#[cfg(any(test, feature = "testing"))]
pub fn test_context(request_id: &str, lasting: Duration) -> Context {
    let mut context = Context::default();
    context.request_id = request_id.into();
    let deadline = std::time::SystemTime::now() + lasting;
    context.deadline = deadline.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    context
}

/// The current invocation's request id; `-` outside one (tests, tools).
/// (Shared, not copied: every record of a batch names it.)
pub fn request_id() -> Arc<str> {
    INVOCATION.try_with(|i| i.request_id.clone()).unwrap_or_else(|_| NONE.clone())
}

/// The current invocation's X-Ray trace id; `-` outside one or without tracing.
pub fn xray_trace_id() -> Arc<str> {
    INVOCATION.try_with(|i| i.xray_trace_id.clone()).ok().flatten().unwrap_or_else(|| NONE.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_ids_and_deadline_are_known_inside_the_invocation_only() {
        let mut context = test_context("req-1", Duration::from_secs(3));
        context.xray_trace_id = Some("Root=1-abc".into());
        assert_eq!((request_id(), xray_trace_id()), (Arc::from("-"), Arc::from("-")));
        within(&context, async {
            assert_eq!((request_id(), xray_trace_id()), (Arc::from("req-1"), Arc::from("Root=1-abc")));
            let left = crate::deadline::remaining().expect("the deadline is set");
            assert!(left > Duration::from_secs(2) && left <= Duration::from_secs(3), "{left:?}");
        })
        .await;
    }
}
