//! An outbox item: one message waiting for the relay, keyed by its message id.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::bus::Outgoing;
use crate::store::{Key, StoreError};
use platform_messages::{Envelope, TraceParent};

/// The partition key prefix of outbox items (`OUTBOX#<message id>`).
pub const OUTBOX_PREFIX: &str = "OUTBOX#";
/// How long an item the relay could not delete stays (the table's TTL removes it).
const KEEP_SECONDS: i64 = 14 * 86_400;

/// The key of the outbox item of message `id`.
pub fn outbox_key(id: &Uuid) -> Key {
    Key::new(format!("{OUTBOX_PREFIX}{id}"), "OUTBOX")
}

/// What the table holds for one message: its wire body, the caller's token and the
/// trace it was sent in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// The envelope as it goes on the wire.
    pub body: String,
    /// The caller's JWT for the `authorization` attribute, when sent on their behalf.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The `traceparent` attribute it is published with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// When the table may drop the item (seconds since the epoch).
    pub expires_at: i64,
}

impl OutboxItem {
    /// The item of `message`, written at `now` (seconds since the epoch). A message
    /// over the SNS limit is refused here, before anything is written.
    pub fn of(message: &Outgoing, now: i64) -> Result<Self, StoreError> {
        let (body, _) = message.encode().map_err(|e| StoreError::Mapping(e.to_string()))?;
        let traceparent = message.trace.map(|t| t.sent_as(&message.envelope.id).to_string());
        Ok(Self { body, token: message.token.clone(), traceparent, expires_at: now + KEEP_SECONDS })
    }

    /// The message to publish, exactly as it was written.
    pub fn message(&self) -> Result<Outgoing, String> {
        let envelope = Envelope::decode(&self.body).map_err(|e| format!("outbox item is not an envelope: {e}"))?;
        // A trace context that no longer parses is dropped, never the message.
        let trace = self.traceparent.as_deref().and_then(|t| t.parse::<TraceParent>().ok()).map(|t| t.trace());
        Ok(Outgoing { envelope, token: self.token.clone(), trace })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use platform_messages::event;
    use serde_json::json;

    #[test]
    fn a_message_survives_its_outbox_item_with_its_id_and_token() {
        let mut message =
            Outgoing { envelope: Envelope::new(event!("mover.updated"), json!({"v": 2})), token: None, trace: None };
        message.token = Some("t0k".into());
        message.trace = Some(platform_messages::Trace::start());
        let item = OutboxItem::of(&message, 1_000).unwrap();
        assert_eq!(item.expires_at, 1_000 + KEEP_SECONDS);
        assert_eq!(item.message().unwrap(), message);
        assert_eq!(outbox_key(&message.envelope.id).pk, format!("OUTBOX#{}", message.envelope.id));
    }

    #[test]
    fn an_oversized_message_is_refused_before_it_is_written() {
        let big = json!({"b": "x".repeat(crate::bus::MAX_MESSAGE_BYTES)});
        let message = Outgoing { envelope: Envelope::new(event!("blob.stored"), big), token: None, trace: None };
        assert!(matches!(OutboxItem::of(&message, 0), Err(StoreError::Mapping(_))));
    }
}
