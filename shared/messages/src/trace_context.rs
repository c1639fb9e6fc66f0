//! W3C Trace Context (`traceparent`, version `00`) carried in the `traceparent`
//! message attribute, so that one trace follows a request from the gateway through
//! every message it causes. A message is a span of its own id: a [`Trace`] has no
//! span, and the only way to a sent `traceparent` is [`Trace::sent_as`] with the
//! message's id, so a message whose id is chosen late still names itself, and a
//! retried handler, emitting the same ids, emits the same trace context.
use std::fmt;
use std::str::FromStr;

use thiserror::Error;
use uuid::Uuid;

/// The trace a piece of work belongs to: its id and flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Trace {
    /// The 16-byte trace id (never zero).
    pub id: u128,
    /// The trace flags (bit 0: sampled).
    pub flags: u8,
}

impl Trace {
    /// A new trace, sampled.
    pub fn start() -> Self {
        Self { id: Uuid::new_v4().as_u128() | 1, flags: 1 }
    }

    /// The trace of a conversation that arrived without one, taken from its
    /// correlation id, so that every hop and every retry of it names the same trace.
    /// A correlation id that is not a UUID is hashed into one.
    pub fn of_conversation(correlation_id: &str) -> Self {
        let id = Uuid::try_parse(correlation_id)
            .unwrap_or_else(|_| Uuid::new_v5(&Uuid::NAMESPACE_OID, correlation_id.as_bytes()));
        Self::of_conversation_id(&id)
    }

    /// [`Trace::of_conversation`] of a correlation id that is the UUID `id`.
    pub fn of_conversation_id(id: &Uuid) -> Self {
        Self { id: id.as_u128().max(1), flags: 1 }
    }

    /// The context message `id` is sent with: this trace, a span of the message's id.
    pub fn sent_as(&self, id: &Uuid) -> TraceParent {
        TraceParent { trace_id: self.id, span_id: message_span(id), flags: self.flags }
    }

    /// The trace id as 32 lowercase hex digits (as logged).
    pub fn id_hex(&self) -> String {
        self.to_string()
    }

    /// The trace id as 32 lowercase hex digits, written into `digits` (on the
    /// caller's stack: a record's span records it as text on the hot path).
    pub fn id_hex_in<'d>(&self, digits: &'d mut [u8; 32]) -> &'d str {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for (i, digit) in digits.iter_mut().enumerate() {
            *digit = HEX[(self.id >> (124 - 4 * i)) as usize & 0xf];
        }
        std::str::from_utf8(digits).expect("hex digits are ASCII")
    }
}

impl fmt::Display for Trace {
    /// The trace id as 32 lowercase hex digits ([`Trace::id_hex_in`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id_hex_in(&mut [0; 32]))
    }
}

/// The span id of message `id`: the id's low 64 bits (one if they are all zero).
pub fn message_span(id: &Uuid) -> u64 {
    match id.as_u128() as u64 {
        0 => 1,
        bits => bits,
    }
}

/// One position in a trace: the trace, the span that sent the message, the flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceParent {
    /// The 16-byte trace id (never zero).
    pub trace_id: u128,
    /// The 8-byte id of the parent span (never zero).
    pub span_id: u64,
    /// The trace flags (bit 0: sampled).
    pub flags: u8,
}

/// Why a `traceparent` value was not taken (the receiver then starts a new trace).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("not a W3C traceparent: {0}")]
pub struct TraceContextError(&'static str);

impl TraceParent {
    /// The trace this position is in.
    pub fn trace(&self) -> Trace {
        Trace { id: self.trace_id, flags: self.flags }
    }

    /// The trace id as 32 lowercase hex digits (as logged).
    pub fn trace_id_hex(&self) -> String {
        self.trace().to_string()
    }

    /// The parent span id as 16 lowercase hex digits (as logged).
    pub fn span_id_hex(&self) -> String {
        format!("{:016x}", self.span_id)
    }

    /// Whether the sender sampled the trace.
    pub fn sampled(&self) -> bool {
        self.flags & 1 == 1
    }
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "00-{}-{:016x}-{:02x}", self.trace(), self.span_id, self.flags)
    }
}

fn hex_field(field: &str, len: usize) -> Result<u128, TraceContextError> {
    let lower_hex = field.len() == len && field.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !lower_hex {
        return Err(TraceContextError("a field is not lowercase hex of its length"));
    }
    u128::from_str_radix(field, 16).map_err(|_| TraceContextError("a field is not hex"))
}

impl FromStr for TraceParent {
    type Err = TraceContextError;

    /// Parses version `00` exactly, and a later version by its first four fields.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let mut fields = value.trim().split('-');
        let mut next = || fields.next().ok_or(TraceContextError("fewer than four fields"));
        let (version, trace, span, flags) = (next()?, next()?, next()?, next()?);
        let version = hex_field(version, 2)?;
        if version == 0xff {
            return Err(TraceContextError("version ff is invalid"));
        }
        if version == 0 && fields.next().is_some() {
            return Err(TraceContextError("version 00 has exactly four fields"));
        }
        let (trace_id, span_id, flags) =
            (hex_field(trace, 32)?, hex_field(span, 16)? as u64, hex_field(flags, 2)? as u8);
        if trace_id == 0 || span_id == 0 {
            return Err(TraceContextError("an all-zero trace or parent id"));
        }
        Ok(Self { trace_id, span_id, flags })
    }
}

impl serde::Serialize for TraceParent {
    /// As its W3C text (`00-<trace>-<span>-<flags>`).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for TraceParent {
    /// From its W3C text; anything else is refused with the reason.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_w3c_example_round_trips() {
        let text = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let parsed: TraceParent = text.parse().unwrap();
        assert_eq!(parsed.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!((parsed.span_id, parsed.sampled()), (0x00f067aa0ba902b7, true));
        assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn a_trace_id_is_its_32_hex_digits_leading_zeros_kept() {
        for id in [1, 0xabc, 0x4bf92f3577b34da6a3ce929d0e0e4736, u128::MAX, 1 << 127] {
            let trace = Trace { id, flags: 1 };
            assert_eq!(trace.id_hex_in(&mut [0; 32]), format!("{id:032x}"));
            assert_eq!(trace.to_string(), format!("{id:032x}"));
        }
    }

    #[test]
    fn malformed_values_are_refused() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            assert!(bad.parse::<TraceParent>().is_err(), "{bad}");
        }
        let later: TraceParent = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-more".parse().unwrap();
        assert!(!later.sampled(), "a later version is read by its first four fields");
    }

    #[test]
    fn a_message_is_sent_in_its_trace_as_a_span_of_its_own_id() {
        let trace = Trace::start();
        assert!(trace.id != 0 && trace.flags == 1);
        assert_ne!(Trace::start().id, trace.id);
        let id = Uuid::new_v4();
        let sent = trace.sent_as(&id);
        assert_eq!(sent.trace(), trace);
        assert_eq!(sent.span_id, id.as_u128() as u64);
        assert_eq!(sent.span_id_hex(), format!("{:016x}", id.as_u128() as u64));
        assert_eq!(trace.sent_as(&id), sent, "a retry sends the same context");
        let conversation = Uuid::new_v4();
        assert_eq!(Trace::of_conversation(&conversation.to_string()).id_hex(), conversation.simple().to_string());
        assert_eq!(Trace::of_conversation(&conversation.to_string()), Trace::of_conversation_id(&conversation));
        assert_eq!(Trace::of_conversation("crm-42"), Trace::of_conversation("crm-42"));
        assert_ne!(Trace::of_conversation("crm-42"), Trace::of_conversation("crm-43"));
        let json = serde_json::to_string(&sent).unwrap();
        assert_eq!(json, format!("\"{sent}\""));
        assert_eq!(serde_json::from_str::<TraceParent>(&json).unwrap(), sent);
        assert!(serde_json::from_str::<TraceParent>("\"00-xyz\"").unwrap_err().to_string().contains("traceparent"));
        let zero_low = Uuid::from_u128(0xabcd_u128 << 64);
        assert_eq!(trace.sent_as(&zero_low).to_string().parse::<TraceParent>().unwrap().span_id, 1);
    }
}
