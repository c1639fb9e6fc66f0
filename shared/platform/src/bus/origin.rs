//! Where the messages of one change come from, and so how they are stamped: a
//! verified caller at a gateway (a new conversation, on the caller's behalf, their
//! token riding along), the handling of a message (its correlation, its actor and
//! token, ids derived from its id so a retried handler writes the same ids), or the
//! system (a new conversation, no actor). Every message carries the origin's trace
//! (W3C Trace Context) with a span of its own id: a handled message continues the
//! trace it arrived in, and a conversation that came without one is traced by its
//! correlation id.
use std::sync::Arc;

use platform_messages::{Actor, Contract, Envelope, MessageName, Trace};
use serde_json::Value;
use uuid::Uuid;

use super::outgoing::{Outgoing, PublishError};

/// The origin of the messages a change sends. Shared, so a copy costs a count: the
/// consumer keeps one beside the handler's for the messages the handler returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin(Arc<Parts>);

/// What an [`Origin`] holds.
#[derive(Debug, Clone, PartialEq)]
struct Parts {
    /// The handled message, when messages are caused by one.
    cause: Option<Envelope<()>>,
    /// The conversation a new origin starts: its first message's id.
    conversation: Uuid,
    actor: Option<Actor>,
    token: Option<String>,
    trace: Trace,
}

impl Origin {
    /// A caller whose token was verified: messages act on their behalf.
    pub fn caller(actor: Actor, token: impl Into<String>) -> Self {
        Self::new_conversation(Some(actor), Some(token.into()))
    }

    /// The system, starting a conversation of its own.
    pub fn system() -> Self {
        Self::new_conversation(None, None)
    }

    /// A new conversation, in the trace of the span that starts it when spans are
    /// exported (so that the request and its messages are one trace), else in the
    /// trace its id names.
    fn new_conversation(actor: Option<Actor>, token: Option<String>) -> Self {
        let conversation = Uuid::new_v4();
        let trace = crate::traces::current().map_or_else(|| Trace::of_conversation_id(&conversation), |t| t.trace());
        Self(Arc::new(Parts { cause: None, conversation, actor, token, trace }))
    }

    /// The handling of `cause` (whose actor the consumer verified), with the token
    /// that rode on it.
    pub fn cause<D>(cause: &Envelope<D>, token: Option<String>) -> Self {
        let meta = Envelope {
            id: cause.id,
            name: cause.name.clone(),
            occurred_at: cause.occurred_at,
            correlation_id: cause.correlation_id.clone(),
            causation_id: cause.causation_id.clone(),
            actor: cause.actor.clone(),
            authorized_at: cause.authorized_at,
            task_token: None,
            data: (),
        };
        let trace = Trace::of_conversation(&cause.correlation_id);
        Self(Arc::new(Parts { cause: Some(meta), conversation: cause.id, actor: cause.actor.clone(), token, trace }))
    }

    /// The same origin within `trace` (the trace a request or a message arrived in);
    /// without one, the origin keeps the trace it started.
    pub fn in_trace(mut self, trace: Option<Trace>) -> Self {
        if let Some(trace) = trace {
            Arc::make_mut(&mut self.0).trace = trace;
        }
        self
    }

    /// The trace the origin's messages are sent in.
    pub fn trace(&self) -> Trace {
        self.0.trace
    }

    /// The `index`th message of a change, named `name`: caused by the handled message
    /// with an id derived from it, or the next message of a new conversation (the
    /// first one's id is the conversation's).
    pub fn stamp(&self, index: usize, name: MessageName, data: Value) -> Outgoing {
        self.sent(self.stamped(index, name, data))
    }

    /// [`Origin::stamp`] without recording the message's span.
    fn stamped(&self, index: usize, name: MessageName, data: Value) -> Outgoing {
        let Parts { cause, conversation, actor, token, trace } = &*self.0;
        let envelope = match cause {
            Some(cause) => {
                let mut e = Envelope::caused_by(cause, name, data);
                e.id = Uuid::new_v5(&cause.id, format!("{index}:{}", e.name).as_bytes());
                e
            }
            None => {
                let mut e = Envelope::new(name, data);
                e.id = if index == 0 { *conversation } else { Uuid::new_v4() };
                e.correlation_id = conversation.to_string();
                e.actor = actor.clone();
                e
            }
        };
        Outgoing { envelope, token: token.clone(), trace: Some(*trace) }
    }

    /// The `index`th message of a change, of contract `C`.
    pub fn message<C: Contract>(&self, index: usize, data: &C::Data) -> Result<Outgoing, PublishError> {
        Ok(self.stamp(index, C::NAME, serde_json::to_value(data)?))
    }

    /// A message of contract `C` with an id the change chose (state that remembers
    /// which message it sent); otherwise stamped like [`Origin::message`].
    pub fn message_with_id<C: Contract>(&self, id: Uuid, data: &C::Data) -> Result<Outgoing, PublishError> {
        let mut message = self.stamped(usize::MAX, C::NAME, serde_json::to_value(data)?);
        message.envelope.id = id;
        Ok(self.sent(message))
    }

    /// Records `message` as a span of its own id in the origin's trace, the child of
    /// the span that sends it (when spans are exported, see `crate::traces`).
    fn sent(&self, message: Outgoing) -> Outgoing {
        crate::traces::message_sent(self.0.trace, &message.envelope.id, message.envelope.name.as_str());
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use platform_messages::contracts::addressing::{AddressRejected, AddressRejectedData};
    use platform_messages::{TraceParent, event};
    use serde_json::json;

    #[test]
    fn caused_messages_carry_the_cause_and_ids_a_retry_reproduces() {
        let mut cause = Envelope::new(event!("address.reconciled"), json!({}));
        cause.actor = Some(Actor { sub: "usr_1".into(), roles: vec!["user-mover".into()] });
        let origin = Origin::cause(&cause, Some("t0k".into()));
        let a = origin.stamp(0, event!("mover.updated").into(), json!({"v": 1}));
        let again = Origin::cause(&cause, Some("t0k".into())).stamp(0, event!("mover.updated").into(), json!({"v": 1}));
        assert_eq!(a.envelope.id, again.envelope.id, "a retry stamps the same id");
        assert_eq!(a.envelope.causation_id, Some(cause.id.to_string()));
        assert_eq!(a.envelope.correlation_id, cause.correlation_id);
        assert_eq!(a.envelope.actor, cause.actor);
        assert_eq!(a.envelope.authorized_at(), cause.occurred_at);
        assert_eq!(a.token.as_deref(), Some("t0k"));
        assert_ne!(origin.stamp(1, event!("mover.updated").into(), json!({})).envelope.id, a.envelope.id);
    }

    #[test]
    fn messages_continue_the_trace_they_were_caused_in_with_spans_of_their_own_ids() {
        let cause = Envelope::new(event!("address.reconciled"), json!({}));
        let arrived: TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap();
        let origin = Origin::cause(&cause, None).in_trace(Some(arrived.trace()));
        let a = origin.stamp(0, event!("mover.updated").into(), json!({}));
        let sent: TraceParent =
            a.attributes().get("traceparent").expect("every stamped message is traced").parse().unwrap();
        assert_eq!((sent.trace_id, sent.span_id), (arrived.trace_id, a.envelope.id.as_u128() as u64));
        let again = Origin::cause(&cause, None).in_trace(Some(arrived.trace()));
        let again = again.stamp(0, event!("mover.updated").into(), json!({}));
        assert_eq!(again.attributes().get("traceparent"), a.attributes().get("traceparent"), "a retry sends the same");

        let chosen = Uuid::new_v4();
        let late = origin
            .message_with_id::<AddressRejected>(chosen, &AddressRejectedData { reference: "r".into(), reasons: vec![] })
            .unwrap();
        let late: TraceParent = late.attributes().get("traceparent").unwrap().parse().unwrap();
        assert_eq!((late.trace_id, late.span_id), (arrived.trace_id, chosen.as_u128() as u64), "an id chosen late");

        let untraced = Origin::cause(&cause, None).stamp(0, event!("mover.updated").into(), json!({}));
        assert_eq!(untraced.trace, Some(Trace::of_conversation(&cause.correlation_id)), "traced by its conversation");
        let system = Origin::system();
        let (first, second) =
            (system.stamp(0, event!("x.done").into(), json!({})), system.stamp(1, event!("y.done").into(), json!({})));
        assert_eq!(first.trace, second.trace, "one change, one trace");
        assert_eq!(first.trace, Some(Trace::of_conversation(&first.envelope.correlation_id)));
    }

    #[test]
    fn a_callers_messages_start_one_conversation_on_their_behalf() {
        let actor = Actor { sub: "usr_1".into(), roles: vec!["user-mover".into()] };
        let origin = Origin::caller(actor.clone(), "t0k");
        let first = origin.stamp(0, event!("mover.created").into(), json!({}));
        let second = origin.stamp(1, event!("address.received").into(), json!({}));
        assert_eq!(first.envelope.correlation_id, first.envelope.id.to_string());
        assert_eq!(second.envelope.correlation_id, first.envelope.correlation_id);
        assert_eq!((first.envelope.actor.as_ref(), first.token.as_deref()), (Some(&actor), Some("t0k")));
        let fixed = Uuid::new_v4();
        let data = AddressRejectedData { reference: "r".into(), reasons: vec![] };
        let chosen = origin.message_with_id::<AddressRejected>(fixed, &data).unwrap();
        assert_eq!((chosen.envelope.id, chosen.envelope.correlation_id), (fixed, first.envelope.correlation_id));
    }
}
