//! The consumer: one SQS batch in, the failed record ids out. Each record runs in
//! its own span; a decode error, unknown name, handler error or panic fails that
//! record alone.
use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse};
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt, stream};
use platform_identity::Verifier;
use platform_messages::{Contract, Envelope, RawEnvelope, Trace};
use serde_json::Value;
use tracing::{Instrument, error, info, info_span, warn};

use super::acting::{Accepts, authenticate};
use super::fingerprint::{canonical_fingerprint, fingerprint};
use super::handler::{Emit, HandlerError, HandlerResult, Reply};
use super::lanes::lanes;
use super::publish_gate::{DEFAULT_PUBLISH_WAIT, Pass, PublishGate};
use super::queue_event::{QueueEvent, QueueRecord};
use super::record::{Unwrapped, decode_record};
use platform::bus::{Origin, Publish};
use platform::idempotency::{Claim, ConsumerParts, IdempotencyLedger, LedgerError};
use platform::metrics::{BatchMetrics, MetricsSink};
use platform::saga::{CallbackError, TaskCallbacks};

/// A route's handler: the message's data is decoded into its type before the
/// returned future (which owns everything it needs) runs.
type Handle = Arc<dyn for<'a> Fn(RawEnvelope<'a>, Origin) -> BoxFuture<'static, HandlerResult> + Send + Sync>;

/// A registered handler and who may ask for its work.
struct Route {
    accepts: Accepts,
    handle: Handle,
}

/// How many records of a batch run at once unless [`Consumer::with_concurrency`]
/// says otherwise: a whole standard batch, so it costs about one record's time.
pub const DEFAULT_CONCURRENCY: usize = 10;

/// A record is started only with at least this much of the invocation left.
const RECORD_MARGIN: std::time::Duration = std::time::Duration::from_secs(1);

/// What happened to one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordOutcome {
    /// The handler ran and its messages were published.
    Handled,
    /// The message id was handled before; acknowledged without running the handler.
    Duplicate,
    /// The record failed, with the reason (it will be retried, then dead-lettered).
    Failed(String),
}

/// Routes records by message name to typed handlers.
pub struct Consumer {
    service: String,
    routes: BTreeMap<String, Route>,
    ledger: Arc<dyn IdempotencyLedger>,
    publisher: Arc<dyn Publish>,
    metrics: MetricsSink,
    verifier: Arc<Verifier>,
    callbacks: Option<Arc<dyn TaskCallbacks>>,
    concurrency: usize,
    publish_wait: std::time::Duration,
}

impl Consumer {
    /// A consumer for `service` with its idempotency ledger and publisher. Every
    /// record's identity goes through `verifier` before its handler runs (see
    /// [`Accepts`]): a valid token makes the verified caller the `actor`, an invalid
    /// one or a claimed actor without proof fails the record, and a record without
    /// a token runs as the system where its route accepts system work. Every
    /// consumer answers the platform's canary (`canary.sent`, see `canary`).
    pub fn new(
        service: impl Into<String>,
        ledger: Arc<dyn IdempotencyLedger>,
        publisher: Arc<dyn Publish>,
        verifier: Arc<Verifier>,
    ) -> Self {
        let service = service.into();
        Self {
            service: service.clone(),
            routes: BTreeMap::new(),
            ledger,
            publisher,
            metrics: MetricsSink::Stdout,
            verifier,
            callbacks: None,
            concurrency: DEFAULT_CONCURRENCY,
            publish_wait: DEFAULT_PUBLISH_WAIT,
        }
        .answering_canary(service)
    }

    /// Runs at most `records` records of a batch at once (at least one); the
    /// records of one FIFO message group always run one after another, in order.
    pub fn with_concurrency(mut self, records: usize) -> Self {
        self.concurrency = records.max(1);
        self
    }

    /// How long the first record of a batch ready to publish waits for the records
    /// still running beside it, so that their messages share one `PublishBatch`
    /// (it stops waiting as soon as they have all published or finished).
    pub fn with_publish_wait(mut self, wait: std::time::Duration) -> Self {
        self.publish_wait = wait;
        self
    }

    /// A consumer for `service` built on `parts` (see [`Consumer::new`]).
    pub fn from_parts(service: impl Into<String>, parts: ConsumerParts) -> Self {
        Self::new(service, parts.ledger, parts.publisher, parts.verifier)
    }

    /// Completes the task tokens that tasks carry (a saga step waiting with
    /// `.waitForTaskToken`). A task with a token fails without it.
    pub fn with_task_callbacks(mut self, callbacks: Arc<dyn TaskCallbacks>) -> Self {
        self.callbacks = Some(callbacks);
        self
    }

    /// Sends the EMF metric lines somewhere else than stdout.
    pub fn with_metrics(mut self, sink: MetricsSink) -> Self {
        self.metrics = sink;
        self
    }

    /// Registers the handler of contract `C`, declaring who may ask for its work;
    /// its data arrives typed, with the [`Origin`] of the messages its change sends
    /// (for a handler that writes them with its change, in the outbox).
    pub fn on<C, F, Fut>(mut self, accepts: Accepts, handler: F) -> Self
    where
        C: Contract,
        F: Fn(Envelope<C::Data>, Origin) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HandlerResult> + Send + 'static,
    {
        let handler = Arc::new(handler);
        let handle: Handle = Arc::new(move |envelope: RawEnvelope<'_>, origin: Origin| {
            let typed = envelope.typed::<C::Data>().map_err(HandlerError::new);
            let handler = handler.clone();
            async move { handler(typed?, origin).await }.boxed()
        });
        self.routes.insert(C::NAME.as_str().to_owned(), Route { accepts, handle });
        self
    }

    /// The names this consumer handles.
    pub fn handled_names(&self) -> Vec<&str> {
        self.routes.keys().map(String::as_str).collect()
    }

    /// The metrics sink (to read buffered lines in tests).
    pub fn metrics(&self) -> &MetricsSink {
        &self.metrics
    }

    /// Handles a batch, its records side by side (see [`Consumer::with_concurrency`]
    /// and the lanes of FIFO groups), each in its own span, and reports the failed
    /// ones only.
    pub async fn handle_batch(&self, event: impl Into<QueueEvent>) -> SqsBatchResponse {
        self.handle_event(event.into()).await
    }

    /// [`Consumer::handle_batch`] without its generic parameter, so the batch's
    /// machinery is compiled once, in this crate and at its opt-level, instead of in
    /// every worker that calls it.
    async fn handle_event(&self, event: QueueEvent) -> SqsBatchResponse {
        let records = &event.records;
        let gate = PublishGate::new(self.publisher.clone(), self.publish_wait);
        let mut outcomes: Vec<(usize, RecordOutcome, f64)> = stream::iter(lanes(records))
            // A lane's first record is counted at the gate when the lane is admitted,
            // before any record runs, so the first to publish waits for the others.
            // Boxed once: the stream moves a pointer, not the record's whole state.
            .map(|lane| Box::pin(self.handle_lane(records, lane, &gate, gate.enter())))
            .buffer_unordered(self.concurrency)
            .flat_map(stream::iter)
            .collect()
            .await;
        outcomes.sort_by_key(|(index, ..)| *index);
        let mut metrics = BatchMetrics::default();
        let mut response = SqsBatchResponse::default();
        for (index, outcome, elapsed_ms) in outcomes {
            let record = &records[index];
            match outcome {
                RecordOutcome::Handled => {
                    metrics.handled += 1;
                    metrics.latencies_ms.push(elapsed_ms);
                }
                RecordOutcome::Duplicate => metrics.duplicated += 1,
                RecordOutcome::Failed(_) => {
                    metrics.failed += 1;
                    let mut failure = BatchItemFailure::default();
                    failure.item_identifier = record.message_id.clone().unwrap_or_default();
                    response.batch_item_failures.push(failure);
                }
            }
        }
        self.metrics.emit(&self.service, &metrics);
        platform::faults::crash_point("before_batch_response");
        response
    }

    /// Handles one lane's records one after another; after a failure the rest of
    /// the lane (a FIFO group) fail without running, so the group keeps its order.
    async fn handle_lane<'g>(
        &self,
        records: &[QueueRecord],
        lane: Vec<usize>,
        gate: &'g PublishGate,
        first: Pass<'g>,
    ) -> Vec<(usize, RecordOutcome, f64)> {
        let mut first = Some(first);
        let mut done = Vec::with_capacity(lane.len());
        let mut failed_before = false;
        for index in lane {
            let pass = first.take().unwrap_or_else(|| gate.enter());
            let record = &records[index];
            let sqs_id = record.message_id.as_deref().unwrap_or("-");
            let started = Instant::now();
            let left = if failed_before {
                Some("an earlier message of its FIFO group failed; left for a redelivery in order")
            } else if !platform::deadline::has(RECORD_MARGIN) {
                // Started now, it could be cut off half-way: leave it to a redelivery.
                Some("the invocation is about to time out; left for a redelivery")
            } else {
                None
            };
            let outcome = match left {
                Some(reason) => {
                    warn!(sqs_message_id = sqs_id, "{reason}");
                    RecordOutcome::Failed(reason.to_owned())
                }
                None => self.handle_one(record, pass).await,
            };
            failed_before |= matches!(outcome, RecordOutcome::Failed(_));
            done.push((index, outcome, started.elapsed().as_secs_f64() * 1000.0));
        }
        done
    }

    /// Handles one record in its own span, logging the outcome.
    pub async fn handle_record(&self, record: impl Into<QueueRecord>) -> RecordOutcome {
        let gate = PublishGate::new(self.publisher.clone(), self.publish_wait);
        self.handle_one(&record.into(), gate.enter()).await
    }

    async fn handle_one(&self, record: &QueueRecord, pass: Pass<'_>) -> RecordOutcome {
        let sqs_id = record.message_id.as_deref().unwrap_or("-");
        // The sender's X-Ray segment when the record carries one (active tracing in AWS).
        let invocation_xray;
        let xray = match record.attributes.aws_trace_header.as_deref() {
            Some(sender) => sender,
            None => {
                invocation_xray = platform::invocation::xray_trace_id();
                &*invocation_xray
            }
        };
        let span = info_span!(
            "record",
            function_request_id = &*platform::invocation::request_id(),
            xray_trace_id = xray,
            sqs_message_id = sqs_id,
            message_id = tracing::field::Empty,
            name = tracing::field::Empty,
            correlation_id = tracing::field::Empty,
            causation_id = tracing::field::Empty,
            trace_id = tracing::field::Empty,
            otel.kind = "consumer",
        );
        let outcome = self.process(record, &span, pass).instrument(span.clone()).await;
        let _entered = span.enter();
        match &outcome {
            RecordOutcome::Handled => info!("handled"),
            RecordOutcome::Duplicate => info!("duplicate delivery acknowledged without handling"),
            RecordOutcome::Failed(reason) => error!(reason = %reason, "record failed"),
        }
        outcome
    }

    async fn process(&self, record: &QueueRecord, span: &tracing::Span, mut pass: Pass<'_>) -> RecordOutcome {
        let mut room = Unwrapped::default();
        let mut incoming = match decode_record(record, &mut room) {
            // Boxed: every record's future holds a pointer, not the decoded envelope.
            Ok(incoming) => Box::new(incoming),
            Err(e) => return RecordOutcome::Failed(format!("undecodable record: {e}")),
        };
        // Recorded as text, not through `Display`: a log line's layer keeps text as it
        // is, where a displayed value is formatted into a string of its own first. The
        // ids are written out on the stack, and only for a span that is recorded.
        if !span.is_disabled() {
            let mut text = uuid::Uuid::encode_buffer();
            span.record("message_id", &*incoming.envelope.id.hyphenated().encode_lower(&mut text));
        }
        span.record("name", incoming.envelope.name.as_str());
        span.record("correlation_id", incoming.envelope.correlation_id.as_str());
        if let Some(cause) = &incoming.envelope.causation_id {
            span.record("causation_id", cause.as_str());
        }
        if platform::traces::enabled() {
            // The exported span continues the sender's: the message is a span of its
            // own id, in the trace it arrived in (or its conversation's).
            let sent_as = incoming.trace.unwrap_or_else(|| {
                Trace::of_conversation(&incoming.envelope.correlation_id).sent_as(&incoming.envelope.id)
            });
            platform::traces::continue_trace(&sent_as);
        }
        let Some(route) = self.routes.get(incoming.envelope.name.as_str()) else {
            return RecordOutcome::Failed(format!(
                "no handler for `{}` in service `{}` (handles: {})",
                incoming.envelope.name,
                self.service,
                self.handled_names().join(", ")
            ));
        };
        let now = time::OffsetDateTime::now_utc();
        if let Err(reason) = authenticate(&self.verifier, &mut incoming, route.accepts, now).await {
            return RecordOutcome::Failed(reason);
        }
        let id = incoming.envelope.id.to_string();
        let print = match self.claim(&id, &incoming.envelope).await {
            Ok((Claim::Acquired, print)) => print,
            Ok((Claim::Completed, _)) => return RecordOutcome::Duplicate,
            Ok((Claim::InFlight, _)) => {
                return RecordOutcome::Failed(format!(
                    "message {id} is being handled by another delivery; retrying later"
                ));
            }
            Ok((Claim::Mismatch, _)) => {
                return RecordOutcome::Failed(format!(
                    "message id {id} was already used for a different payload; refusing it"
                ));
            }
            Err(e) => return RecordOutcome::Failed(e.to_string()),
        };

        // The envelope is handed on from `incoming`, not taken apart into new locals:
        // each would be one more slot in every record's future.
        let origin = Origin::cause(&incoming.envelope, incoming.token).in_trace(incoming.trace.map(|t| t.trace()));
        if !span.is_disabled() {
            span.record("trace_id", origin.trace().id_hex_in(&mut [0; 32]));
        }
        let task_token = incoming.envelope.task_token.clone();
        let result = match Self::run(&route.handle, incoming.envelope, origin.clone()).await {
            // Publishing and answering a saga are boxed where they happen, so that a
            // record that does neither carries neither's state.
            Ok(Emit(messages, reply)) => match self.publish(&origin, messages, &mut pass).await {
                Ok(()) if task_token.is_some() => Box::pin(self.answer(task_token.as_deref(), reply)).await,
                Ok(()) => Ok(()),
                Err(reason) => Err(reason),
            },
            Err(reason) => Err(reason),
        };
        if result.is_ok() {
            // The effects are out; the ledger does not know yet.
            platform::faults::crash_point("after_effect_before_completion");
        }
        match result {
            Ok(()) => match self.ledger.complete(&id, &print).await {
                Ok(()) => RecordOutcome::Handled,
                Err(e) => RecordOutcome::Failed(e.to_string()),
            },
            Err(reason) => {
                if let Err(e) = self.ledger.release(&id).await {
                    warn!(error = %e, "could not release the idempotency claim; it expires with its lease");
                }
                RecordOutcome::Failed(reason)
            }
        }
    }

    /// Claims the message id with the fingerprint of its data as received; when the
    /// ledger holds another, claims again with the canonical one (what earlier
    /// releases stored, or another rendering of the same content). Returns the
    /// fingerprint the claim holds, for its completion.
    async fn claim(&self, id: &str, envelope: &RawEnvelope<'_>) -> Result<(Claim, String), LedgerError> {
        let print = fingerprint(envelope.name.as_str(), envelope.data.get());
        match self.ledger.claim(id, &print).await? {
            Claim::Mismatch => match canonical_fingerprint(envelope).filter(|canonical| *canonical != print) {
                Some(canonical) => Ok((self.ledger.claim(id, &canonical).await?, canonical)),
                None => Ok((Claim::Mismatch, print)),
            },
            claim => Ok((claim, print)),
        }
    }

    /// Runs the handler, its panics contained: the one of its synchronous part (the
    /// data's decoding) and those of its future. Not an `async fn`: the future holds
    /// the handler's boxed future only, not the envelope and origin it was given.
    fn run(handle: &Handle, envelope: RawEnvelope<'_>, origin: Origin) -> impl Future<Output = Result<Emit, String>> {
        let started = std::panic::catch_unwind(AssertUnwindSafe(|| handle(envelope, origin)));
        async move {
            let ran = match started {
                Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
                Err(panic) => Err(panic),
            };
            Self::outcome(ran)
        }
    }

    fn outcome(ran: std::thread::Result<HandlerResult>) -> Result<Emit, String> {
        match ran {
            Ok(Ok(emit)) => Ok(emit),
            Ok(Err(e)) => Err(format!("handler error: {e}")),
            Err(panic) => {
                let detail = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "non-string panic payload".into());
                Err(format!("handler panicked: {detail}"))
            }
        }
    }

    /// Completes the waiting step's token, if the task carries one. A token the saga
    /// no longer awaits (timed out, cancelled) is logged and the record is done.
    async fn answer(&self, task_token: Option<&str>, reply: Option<Reply>) -> Result<(), String> {
        let Some(token) = task_token else { return Ok(()) };
        let Some(callbacks) = &self.callbacks else {
            return Err("the task carries a task token but this consumer cannot complete tokens".into());
        };
        let reply = reply.unwrap_or(Reply::Success(Value::Object(Default::default())));
        let sent = match &reply {
            Reply::Success(output) => callbacks.succeed(token, output).await,
            Reply::Failure { error, cause } => callbacks.fail(token, error, cause).await,
        };
        match sent {
            Ok(()) => {
                info!(
                    reply = if matches!(reply, Reply::Success(_)) { "success" } else { "failure" },
                    "task token completed"
                );
                Ok(())
            }
            Err(CallbackError::Gone(reason)) => {
                warn!(reason = %reason, "the saga no longer waits for this task; answer dropped");
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// Publishes what the handler emitted, with the other records of the batch (see
    /// [`PublishGate`]).
    async fn publish(
        &self,
        origin: &Origin,
        emitted: Vec<super::handler::Emitted>,
        pass: &mut Pass<'_>,
    ) -> Result<(), String> {
        if emitted.is_empty() {
            return Ok(());
        }
        // Derived ids: a retried handler re-emits the same ids, so consumers deduplicate.
        let messages = emitted
            .into_iter()
            .enumerate()
            .map(|(index, emitted)| origin.stamp(index, emitted.name, emitted.data))
            .collect();
        Box::pin(pass.publish(messages)).await.map_err(|e| format!("publishing failed: {e}"))
    }
}
