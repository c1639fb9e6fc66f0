//! The SNS/SQS message attributes that repeat the envelope's routing facts, so that
//! filter policies and every hop can route and authorize without parsing the body.
use crate::envelope::Envelope;

/// The attribute names (all of data type `String`).
pub mod attribute {
    /// The message name, e.g. `address.received`.
    pub const NAME: &str = "name";
    /// `event` or `task`.
    pub const KIND: &str = "kind";
    /// The envelope's correlation id.
    pub const CORRELATION_ID: &str = "correlation_id";
    /// For tasks: the target service (the task name's first segment).
    pub const SERVICE: &str = "service";
    /// `Bearer <jwt>` when the work is done on behalf of a user.
    pub const AUTHORIZATION: &str = "authorization";
    /// The W3C Trace Context of the span that sent the message (`00-<trace>-<span>-<flags>`).
    pub const TRACEPARENT: &str = "traceparent";
}

/// The attributes of one message, in wire order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes(Vec<(&'static str, String)>);

impl Attributes {
    /// The attributes for an envelope, with the caller's token when there is one.
    pub fn for_envelope<D>(envelope: &Envelope<D>, bearer_token: Option<&str>) -> Self {
        let mut pairs = vec![
            (attribute::NAME, envelope.name.to_string()),
            (attribute::KIND, envelope.kind().to_string()),
            (attribute::CORRELATION_ID, envelope.correlation_id.clone()),
        ];
        if let Some(service) = envelope.name.target_service() {
            pairs.push((attribute::SERVICE, service.to_owned()));
        }
        if let Some(token) = bearer_token {
            pairs.push((attribute::AUTHORIZATION, format!("Bearer {token}")));
        }
        Self(pairs)
    }

    /// The attributes with the trace context the message was sent in, when it has one.
    pub fn with_trace(mut self, trace: Option<&crate::TraceParent>) -> Self {
        if let Some(trace) = trace {
            self.0.push((attribute::TRACEPARENT, trace.to_string()));
        }
        self
    }

    /// The name/value pairs.
    pub fn pairs(&self) -> &[(&'static str, String)] {
        &self.0
    }

    /// The value of one attribute.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    /// Bytes counted by SNS towards the 256 KB limit (names, type `String` and values).
    pub fn wire_size(&self) -> usize {
        self.0.iter().map(|(k, v)| k.len() + "String".len() + v.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{event, task};

    #[test]
    fn tasks_name_their_service_and_events_do_not() {
        let t = Envelope::new(task!("addressing.address.reconcile"), ());
        let a = Attributes::for_envelope(&t, Some("abc"));
        assert_eq!(a.get("service"), Some("addressing"));
        assert_eq!(a.get("kind"), Some("task"));
        assert_eq!(a.get("authorization"), Some("Bearer abc"));
        assert_eq!(a.get("correlation_id"), Some(t.correlation_id.as_str()));

        let e = Envelope::new(event!("mover.created"), ());
        let a = Attributes::for_envelope(&e, None);
        assert_eq!(a.get("service"), None);
        assert_eq!(a.get("authorization"), None);
        assert_eq!(a.get("name"), Some("mover.created"));
    }
}
