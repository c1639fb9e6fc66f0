//! A message ready to publish, the size rule of SNS, and the publishing port.
use async_trait::async_trait;
use platform_messages::{Attributes, Contract, Envelope, Trace};
use serde_json::Value;
use thiserror::Error;

/// SNS refuses messages (body plus attributes) over 256 KiB, and batches over that in total.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// Why a publication was refused or failed.
#[derive(Debug, Error)]
pub enum PublishError {
    /// The message is over the SNS limit; nothing was sent.
    #[error(
        "message {id} `{name}` is {size} bytes with its attributes, over the {limit}-byte SNS limit; nothing was sent"
    )]
    TooLarge {
        /// The message id.
        id: String,
        /// The message name.
        name: String,
        /// Its size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The envelope could not be encoded.
    #[error("cannot encode message: {0}")]
    Encode(#[from] serde_json::Error),
    /// No topic is configured for the message's kind.
    #[error("no topic configured for {0} messages")]
    NoTopic(String),
    /// SNS refused or failed some messages.
    #[error("SNS did not accept {count} message(s): {detail}")]
    Rejected {
        /// How many failed.
        count: usize,
        /// The ids and reasons.
        detail: String,
    },
    /// The call to SNS failed.
    #[error("SNS call failed: {0}")]
    Transport(String),
    /// The service's catalog does not publish the message's name (see [`super::declare`]).
    #[error(
        "`{service}` sends `{name}`, which its catalog does not publish: declare it in \
         functions/{service}/src/catalog.rs (and the subscription filters), or do not send it"
    )]
    Undeclared {
        /// The service.
        service: String,
        /// The message name.
        name: String,
    },
}

/// One message to publish: the envelope and, when acting for a user, their token.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// The envelope (body).
    pub envelope: Envelope<Value>,
    /// The caller's JWT (without `Bearer `), carried in the `authorization` attribute.
    pub token: Option<String>,
    /// The trace the message is sent in, carried in the `traceparent` attribute
    /// with a span of the message's own id.
    pub trace: Option<Trace>,
}

impl Outgoing {
    /// A new message of contract `C`, starting a conversation.
    pub fn new<C: Contract>(data: &C::Data) -> Result<Self, PublishError> {
        let data = serde_json::to_value(data)?;
        Ok(Self { envelope: Envelope::new(C::NAME, data), token: None, trace: None })
    }

    /// The message's attributes.
    pub fn attributes(&self) -> Attributes {
        let sent_as = self.trace.map(|t| t.sent_as(&self.envelope.id));
        Attributes::for_envelope(&self.envelope, self.token.as_deref()).with_trace(sent_as.as_ref())
    }

    /// Encodes the body, refusing a message over the SNS limit or one its service's
    /// catalog does not publish (see [`super::declare`]).
    pub fn encode(&self) -> Result<(String, Attributes), PublishError> {
        super::declared::check(self.envelope.name.as_str())?;
        let body = self.envelope.to_json()?;
        let attributes = self.attributes();
        let size = body.len() + attributes.wire_size();
        if size > MAX_MESSAGE_BYTES {
            return Err(PublishError::TooLarge {
                id: self.envelope.id.to_string(),
                name: self.envelope.name.to_string(),
                size,
                limit: MAX_MESSAGE_BYTES,
            });
        }
        Ok((body, attributes))
    }
}

/// The port through which services publish.
#[async_trait]
pub trait Publish: Send + Sync {
    /// Publishes every message, or returns an error; a refused message stops all before sending.
    async fn publish(&self, messages: Vec<Outgoing>) -> Result<(), PublishError>;

    /// Publishes the messages of several callers (a batch's records) together, and
    /// answers each group with its own result: a group with a refused message sends
    /// nothing, and a failed entry fails its group only. By default, one
    /// [`Publish::publish`] per group; the SNS adapter packs them into shared
    /// `PublishBatch` requests.
    async fn publish_groups(&self, groups: Vec<Vec<Outgoing>>) -> Vec<Result<(), PublishError>> {
        let mut results = Vec::with_capacity(groups.len());
        for messages in groups {
            results.push(self.publish(messages).await);
        }
        results
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use platform_messages::event;
    use serde_json::json;

    #[test]
    fn a_message_over_the_limit_is_refused_before_sending() {
        let big = "x".repeat(MAX_MESSAGE_BYTES);
        let m =
            Outgoing { envelope: Envelope::new(event!("blob.stored"), json!({"b": big})), token: None, trace: None };
        let err = m.encode().unwrap_err().to_string();
        assert!(err.contains("over the 262144-byte SNS limit"), "{err}");
        assert!(err.contains("blob.stored"), "{err}");
    }

    #[test]
    fn a_message_at_the_limit_passes() {
        let probe =
            Outgoing { envelope: Envelope::new(event!("blob.stored"), json!({"b": ""})), token: None, trace: None };
        let (body, attrs) = probe.encode().unwrap();
        let room = MAX_MESSAGE_BYTES - body.len() - attrs.wire_size();
        let mut m = probe.clone();
        m.envelope.data = json!({"b": "y".repeat(room)});
        assert!(m.encode().is_ok());
        m.envelope.data = json!({"b": "y".repeat(room + 1)});
        assert!(m.encode().is_err());
    }
}
