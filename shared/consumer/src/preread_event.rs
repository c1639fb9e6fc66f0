//! The SQS event read before `lambda_runtime` would hand it to `serde_json`: a
//! tower layer over the runtime's raw invocations reads the body with the fast
//! reader ([`QueueEvent::read_fast`]) and the handler takes the result within the
//! same invocation. A body the fast reader refuses goes on unchanged, so
//! `serde_json` reads it (or the runtime answers with its deserialization error,
//! as it would without the layer).
use std::cell::Cell;
use std::task::{Context, Poll};

use bytes::Bytes;
use lambda_runtime::tower::{Layer, Service};
use lambda_runtime::{Error, LambdaInvocation};
use tokio::task::futures::TaskLocalFuture;

use crate::queue_event::QueueEvent;

tokio::task_local! {
    /// The event the layer read for the invocation being handled.
    static PREREAD: Cell<Option<QueueEvent>>;
}

/// What stands in for a body the layer read: the handler's payload is then `None`.
const READ_BY_THE_LAYER: &[u8] = b"null";

/// Reads each invocation's SQS event before the runtime's deserializer.
#[derive(Clone, Copy, Debug, Default)]
pub struct PrereadLayer;

impl<S> Layer<S> for PrereadLayer {
    type Service = Preread<S>;

    fn layer(&self, inner: S) -> Preread<S> {
        Preread { inner }
    }
}

/// The service of [`PrereadLayer`].
#[derive(Clone, Debug)]
pub struct Preread<S> {
    inner: S,
}

impl<S> Service<LambdaInvocation> for Preread<S>
where
    S: Service<LambdaInvocation, Response = (), Error = Error>,
{
    type Response = ();
    type Error = Error;
    type Future = TaskLocalFuture<Cell<Option<QueueEvent>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut invocation: LambdaInvocation) -> Self::Future {
        let event = std::str::from_utf8(&invocation.body).ok().and_then(|text| QueueEvent::read_fast(text).ok());
        if event.is_some() {
            invocation.body = Bytes::from_static(READ_BY_THE_LAYER);
        }
        PREREAD.scope(Cell::new(event), self.inner.call(invocation))
    }
}

/// The invocation's event: `payload` when the runtime's deserializer read it,
/// else what [`PrereadLayer`] read (taken once).
pub fn event_of(payload: Option<QueueEvent>) -> Result<QueueEvent, Error> {
    payload
        .or_else(|| PREREAD.try_with(Cell::take).ok().flatten())
        .ok_or_else(|| "the invocation carried no SQS event (its payload was `null`)".into())
}

#[cfg(test)]
mod tests {
    use lambda_runtime::Context;
    use lambda_runtime::tower::{ServiceExt, service_fn};

    use super::*;

    fn invocation(body: &str) -> LambdaInvocation {
        let (parts, ()) = http::Response::new(()).into_parts();
        LambdaInvocation { parts, body: Bytes::from(body.to_owned()), context: Context::default() }
    }

    /// Runs `body` through the layer into a service that reads the payload as the
    /// runtime does and takes the event as the worker's handler does.
    async fn through_the_layer(body: &str) -> (String, Result<QueueEvent, Error>) {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
        let inner = {
            let seen = seen.clone();
            service_fn(move |invocation: LambdaInvocation| {
                let seen = seen.clone();
                async move {
                    let body = String::from_utf8(invocation.body.to_vec()).unwrap();
                    let payload: Option<QueueEvent> = serde_json::from_str(&body)?;
                    *seen.lock().unwrap() = Some((body, event_of(payload)));
                    Ok::<(), Error>(())
                }
            })
        };
        PrereadLayer.layer(inner).oneshot(invocation(body)).await.unwrap();
        seen.lock().unwrap().take().unwrap()
    }

    #[tokio::test]
    async fn an_event_the_fast_reader_reads_reaches_the_handler_without_the_deserializer() {
        let text = r#"{"Records": [{"messageId": "m-1", "body": "{\"a\": \"\\u00e9\"}"}]}"#;
        let (body, event) = through_the_layer(text).await;
        assert_eq!(body, "null", "the runtime's deserializer reads nothing");
        let event = event.unwrap();
        assert_eq!(event.records[0].body.as_deref(), Some(r#"{"a": "\u00e9"}"#));
    }

    #[tokio::test]
    async fn an_event_it_refuses_goes_to_the_deserializer_unchanged() {
        let array_form = r#"{"Records": [["m-1", "the body", null, {}, {}]]}"#;
        let (body, event) = through_the_layer(array_form).await;
        assert_eq!(body, array_form);
        assert_eq!(event.unwrap().records[0].body.as_deref(), Some("the body"));
    }

    #[tokio::test]
    async fn a_null_payload_is_an_error_not_an_empty_batch() {
        let (_, event) = through_the_layer("null").await;
        assert!(event.unwrap_err().to_string().contains("carried no SQS event"));
        assert!(event_of(None).is_err(), "outside an invocation there is nothing to take");
    }
}
