//! A probe: a queue of the test's own, subscribed to a topic with raw delivery, to
//! observe what the system publishes.
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use platform_messages::Envelope;
use serde_json::Value;

use crate::stack::Stack;

/// A message the probe saw: the envelope and its attributes.
#[derive(Debug, Clone)]
pub struct Received {
    /// The decoded envelope.
    pub envelope: Envelope<Value>,
    /// The message attributes (name → string value).
    pub attributes: std::collections::HashMap<String, String>,
}

/// A test's own queue subscribed to a topic.
pub struct Probe {
    sqs: aws_sdk_sqs::Client,
    sns: aws_sdk_sns::Client,
    url: String,
    subscriptions: Vec<String>,
    seen: Vec<Received>,
}

impl Probe {
    /// Subscribes a new queue to `topic_arn` (every message, raw delivery).
    pub async fn subscribe(stack: &Stack, topic_arn: &str) -> Result<Self> {
        Self::subscribe_with(stack.sqs(), stack.sns(), &[topic_arn]).await
    }

    /// Subscribes a new queue to every topic of `topic_arns` with the given clients.
    pub async fn subscribe_with(
        sqs: aws_sdk_sqs::Client,
        sns: aws_sdk_sns::Client,
        topic_arns: &[&str],
    ) -> Result<Self> {
        let name = format!("probe-{}", uuid::Uuid::new_v4().simple());
        let url = sqs.create_queue().queue_name(&name).send().await?.queue_url.context("queue url")?;
        let arn = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await?
            .attributes
            .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
            .context("queue arn")?;
        let mut subscriptions = Vec::new();
        for topic_arn in topic_arns {
            let subscription = sns
                .subscribe()
                .topic_arn(*topic_arn)
                .protocol("sqs")
                .endpoint(&arn)
                .attributes("RawMessageDelivery", "true")
                .return_subscription_arn(true)
                .send()
                .await?
                .subscription_arn
                .context("subscription arn")?;
            subscriptions.push(subscription);
        }
        Ok(Self { sqs, sns, url, subscriptions, seen: Vec::new() })
    }

    /// Receives what arrived (waiting up to a second) and returns how many messages.
    pub async fn poll(&mut self) -> Result<usize> {
        let out = self
            .sqs
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await?;
        for m in out.messages() {
            let body = m.body().unwrap_or_default();
            let Ok(envelope) = Envelope::decode(body) else {
                // Other tests publish garbage on purpose: not ours to look at.
                self.delete(m.receipt_handle()).await?;
                continue;
            };
            let attributes = m
                .message_attributes()
                .map(|a| a.iter().filter_map(|(k, v)| Some((k.clone(), v.string_value()?.to_owned()))).collect())
                .unwrap_or_default();
            self.seen.push(Received { envelope, attributes });
            self.delete(m.receipt_handle()).await?;
        }
        Ok(out.messages().len())
    }

    async fn delete(&self, handle: Option<&str>) -> Result<()> {
        if let Some(handle) = handle {
            self.sqs.delete_message().queue_url(&self.url).receipt_handle(handle).send().await?;
        }
        Ok(())
    }

    /// Waits up to `timeout` for a message matching `pred`.
    pub async fn wait_for(&mut self, timeout: Duration, pred: impl Fn(&Received) -> bool) -> Result<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self.seen.iter().find(|r| pred(r)) {
                return Ok(found.clone());
            }
            if Instant::now() > deadline {
                let names: Vec<_> = self.seen.iter().map(|r| r.envelope.name.to_string()).collect();
                anyhow::bail!("no matching message within {timeout:?}; saw {names:?}");
            }
            self.poll().await?;
        }
    }

    /// Keeps polling for `window` and returns every message matching `pred`.
    pub async fn collect_for(&mut self, window: Duration, pred: impl Fn(&Received) -> bool) -> Result<Vec<Received>> {
        let deadline = Instant::now() + window;
        while Instant::now() < deadline {
            self.poll().await?;
        }
        Ok(self.seen.iter().filter(|r| pred(r)).cloned().collect())
    }

    /// Everything seen so far, oldest first.
    pub fn seen(&self) -> &[Received] {
        &self.seen
    }

    /// Unsubscribes and deletes the queue.
    pub async fn close(self) -> Result<()> {
        for subscription in &self.subscriptions {
            self.sns.unsubscribe().subscription_arn(subscription).send().await?;
        }
        self.sqs.delete_queue().queue_url(&self.url).send().await?;
        Ok(())
    }
}
