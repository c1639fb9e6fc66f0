//! The SNS adapter: `PublishBatch` in chunks of at most 10 messages and 256 KiB.
use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_sns::Client;
use aws_sdk_sns::types::{MessageAttributeValue, PublishBatchRequestEntry};
use platform_messages::Kind;

use super::outgoing::{MAX_MESSAGE_BYTES, Outgoing, Publish, PublishError};
use crate::config::{ConfigError, Env};

const MAX_BATCH_ENTRIES: usize = 10;

/// The topic ARNs: `events` always, `tasks` for services that send tasks.
#[derive(Debug, Clone)]
pub struct Topics {
    /// The `events` topic.
    pub events: String,
    /// The `tasks` topic, if this function may publish tasks.
    pub tasks: Option<String>,
}

impl Topics {
    /// `EVENTS_TOPIC_ARN` (required) and `TASKS_TOPIC_ARN` (optional).
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self { events: env.required("EVENTS_TOPIC_ARN")?, tasks: env.required("TASKS_TOPIC_ARN").ok() })
    }
}

/// Publishes to SNS.
#[derive(Clone)]
pub struct SnsPublisher {
    client: Client,
    topics: Topics,
}

impl SnsPublisher {
    /// A publisher with an SNS client built once at cold start.
    pub fn new(client: Client, topics: Topics) -> Self {
        Self { client, topics }
    }

    fn topic_for(&self, kind: Kind) -> Result<&str, PublishError> {
        match kind {
            Kind::Event => Ok(&self.topics.events),
            Kind::Task => self.topics.tasks.as_deref().ok_or(PublishError::NoTopic("task".into())),
        }
    }

    async fn send_batch(&self, topic: &str, entries: Vec<PublishBatchRequestEntry>) -> Result<(), PublishError> {
        let out = self
            .client
            .publish_batch()
            .topic_arn(topic)
            .set_publish_batch_request_entries(Some(entries))
            .send()
            .await
            .map_err(|e| PublishError::Transport(aws_sdk_sns::error::DisplayErrorContext(e).to_string()))?;
        let failed = out.failed();
        if failed.is_empty() {
            return Ok(());
        }
        let detail = failed
            .iter()
            .map(|f| format!("{}: {} {}", f.id(), f.code(), f.message().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("; ");
        Err(PublishError::Rejected { count: failed.len(), detail })
    }
}

fn entry(message: &Outgoing, body: String, attributes: &platform_messages::Attributes) -> PublishBatchRequestEntry {
    let mut builder = PublishBatchRequestEntry::builder().id(message.envelope.id.simple().to_string()).message(body);
    for (name, value) in attributes.pairs() {
        let attr =
            MessageAttributeValue::builder().data_type("String").string_value(value).build().expect("data_type is set");
        builder = builder.message_attributes(*name, attr);
    }
    builder.build().expect("id and message are set")
}

#[async_trait]
impl Publish for SnsPublisher {
    async fn publish(&self, messages: Vec<Outgoing>) -> Result<(), PublishError> {
        // Encode and check every message first: one refused message sends nothing.
        let mut by_topic: BTreeMap<&str, Vec<(PublishBatchRequestEntry, usize)>> = BTreeMap::new();
        for m in &messages {
            let (body, attrs) = m.encode()?;
            let size = body.len() + attrs.wire_size();
            by_topic.entry(self.topic_for(m.envelope.kind())?).or_default().push((entry(m, body, &attrs), size));
        }
        for (topic, entries) in by_topic {
            let mut batch = Vec::new();
            let mut batch_size = 0;
            for (e, size) in entries {
                if batch.len() == MAX_BATCH_ENTRIES || batch_size + size > MAX_MESSAGE_BYTES {
                    self.send_batch(topic, std::mem::take(&mut batch)).await?;
                    batch_size = 0;
                }
                batch.push(e);
                batch_size += size;
            }
            if !batch.is_empty() {
                self.send_batch(topic, batch).await?;
            }
        }
        Ok(())
    }
}
