//! The SNS adapter: `PublishBatch` in requests of at most 10 messages and 256 KiB
//! (see [`super::packing`]), the messages of several callers sharing them.
use async_trait::async_trait;
use aws_sdk_sns::Client;
use aws_sdk_sns::types::{MessageAttributeValue, PublishBatchRequestEntry};
use platform_messages::Kind;

use super::outgoing::{Outgoing, Publish, PublishError};
use super::packing::{Packed, requests, settle};
use crate::config::{ConfigError, Env};

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

    /// Sends one request; the positions of the entries SNS did not accept, with why.
    async fn send_request(
        &self,
        topic: &str,
        entries: Vec<PublishBatchRequestEntry>,
    ) -> Result<Vec<(usize, String)>, PublishError> {
        let out = self
            .client
            .publish_batch()
            .topic_arn(topic)
            .set_publish_batch_request_entries(Some(entries))
            .send()
            .await
            .map_err(|e| PublishError::Transport(aws_sdk_sns::error::DisplayErrorContext(e).to_string()))?;
        Ok(out
            .failed()
            .iter()
            .map(|f| {
                let position = f.id().parse().unwrap_or(usize::MAX);
                (position, format!("{} {}", f.code(), f.message().unwrap_or_default()))
            })
            .collect())
    }

    /// Encodes every message of `group` (a refused one refuses the group) into its
    /// topic's entries.
    fn encode_group(&self, group: usize, messages: &[Outgoing]) -> Result<Vec<Packed<Entry>>, PublishError> {
        messages
            .iter()
            .map(|m| {
                let (body, attributes) = m.encode()?;
                let size = body.len() + attributes.wire_size();
                let topic = self.topic_for(m.envelope.kind())?.to_owned();
                Ok(Packed { topic, size, group, entry: Entry { body, attributes } })
            })
            .collect()
    }
}

/// An encoded message, before it is named by its position in a request.
struct Entry {
    body: String,
    attributes: platform_messages::Attributes,
}

fn entry(position: usize, e: Entry) -> PublishBatchRequestEntry {
    let mut builder = PublishBatchRequestEntry::builder().id(position.to_string()).message(e.body);
    for (name, value) in e.attributes.pairs() {
        let attr =
            MessageAttributeValue::builder().data_type("String").string_value(value).build().expect("data_type is set");
        builder = builder.message_attributes(*name, attr);
    }
    builder.build().expect("id and message are set")
}

#[async_trait]
impl Publish for SnsPublisher {
    async fn publish(&self, messages: Vec<Outgoing>) -> Result<(), PublishError> {
        self.publish_groups(vec![messages]).await.pop().unwrap_or(Ok(()))
    }

    async fn publish_groups(&self, groups: Vec<Vec<Outgoing>>) -> Vec<Result<(), PublishError>> {
        let mut results: Vec<Result<(), PublishError>> = groups.iter().map(|_| Ok(())).collect();
        let mut packed = Vec::new();
        for (group, messages) in groups.iter().enumerate() {
            match self.encode_group(group, messages) {
                Ok(entries) => packed.extend(entries),
                Err(e) => results[group] = Err(e),
            }
        }
        for request in requests(packed) {
            let topic = request[0].topic.clone();
            let groups: Vec<usize> = request.iter().map(|m| m.group).collect();
            let entries = request.into_iter().enumerate().map(|(position, m)| entry(position, m.entry)).collect();
            let answer = self.send_request(&topic, entries).await;
            settle(&mut results, &groups, answer);
        }
        results
    }
}
