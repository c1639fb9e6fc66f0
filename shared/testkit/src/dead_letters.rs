//! A service's dead letters: list them without consuming them, or redrive them to
//! the service's queue with their attributes (the caller's token included), so the
//! worker handles them again. Used by `cargo xtask dlq` and by the stack tests.
use std::collections::HashMap;

use anyhow::Result;
use aws_sdk_sqs::types::{ChangeMessageVisibilityBatchRequestEntry, MessageAttributeValue};

/// A service's DLQ and the queue its messages go back to.
pub struct DeadLetters {
    sqs: aws_sdk_sqs::Client,
    dlq_url: String,
    queue_url: String,
}

impl DeadLetters {
    /// The DLQ at `dlq_url`, whose messages redrive to `queue_url`.
    pub fn new(sqs: aws_sdk_sqs::Client, dlq_url: impl Into<String>, queue_url: impl Into<String>) -> Self {
        Self { sqs, dlq_url: dlq_url.into(), queue_url: queue_url.into() }
    }

    /// Receives what the DLQ holds, batch by batch, handing each message to `each`
    /// once, until the DLQ answers empty or with messages already seen; received
    /// messages stay hidden for `hide_seconds`.
    async fn drain<F>(&self, hide_seconds: i32, mut each: F) -> Result<usize>
    where
        F: AsyncFnMut(&aws_sdk_sqs::types::Message) -> Result<()>,
    {
        let mut seen = std::collections::HashSet::new();
        loop {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.dlq_url)
                .max_number_of_messages(10)
                .visibility_timeout(hide_seconds)
                .message_attribute_names("All")
                .wait_time_seconds(1)
                .send()
                .await?;
            // A long listing outlasts the hiding: messages seen already end it.
            let fresh: Vec<_> =
                out.messages().iter().filter(|m| seen.insert(m.message_id().unwrap_or_default().to_owned())).collect();
            if fresh.is_empty() {
                return Ok(seen.len());
            }
            for message in fresh {
                each(message).await?;
            }
        }
    }

    /// The bodies in the DLQ. Each message stays hidden while the listing runs (long
    /// enough for a DLQ of thousands, so none is seen twice or missed), then is made
    /// visible again at once.
    pub async fn list(&self) -> Result<Vec<String>> {
        let (mut bodies, mut receipts) = (Vec::new(), Vec::new());
        self.drain(120, async |m| {
            bodies.push(m.body().unwrap_or_default().to_owned());
            receipts.push(m.receipt_handle().unwrap_or_default().to_owned());
            Ok(())
        })
        .await?;
        for batch in receipts.chunks(10) {
            let entries = batch
                .iter()
                .enumerate()
                .map(|(i, receipt)| {
                    ChangeMessageVisibilityBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(receipt)
                        .visibility_timeout(0)
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()?;
            self.sqs
                .change_message_visibility_batch()
                .queue_url(&self.dlq_url)
                .set_entries(Some(entries))
                .send()
                .await?;
        }
        Ok(bodies)
    }

    /// Moves every message back to the service's queue, body and attributes as they
    /// were, and returns how many moved. A message is deleted from the DLQ only after
    /// it was sent, so a failure midway duplicates at most one (which the worker's
    /// idempotency absorbs) and loses none.
    pub async fn redrive(&self) -> Result<usize> {
        self.drain(30, async |m| {
            let attributes: HashMap<String, MessageAttributeValue> =
                m.message_attributes().cloned().unwrap_or_default();
            self.sqs
                .send_message()
                .queue_url(&self.queue_url)
                .message_body(m.body().unwrap_or_default())
                .set_message_attributes(Some(attributes))
                .send()
                .await?;
            self.sqs
                .delete_message()
                .queue_url(&self.dlq_url)
                .receipt_handle(m.receipt_handle().unwrap_or_default())
                .send()
                .await?;
            Ok(())
        })
        .await
    }
}
