//! Waiting for a service's queue to have handled everything sent to it: a
//! message leaves its queue only when its handler succeeded (or, after its
//! deliveries, for the DLQ), so an empty queue means every copy was handled.
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use aws_sdk_sqs::types::QueueAttributeName;

const COUNTS: [QueueAttributeName; 3] = [
    QueueAttributeName::ApproximateNumberOfMessages,
    QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
    QueueAttributeName::ApproximateNumberOfMessagesDelayed,
];

/// Messages waiting, in flight and delayed in the queue at `url`.
pub async fn messages_in(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<u64> {
    let out = sqs.get_queue_attributes().queue_url(url).set_attribute_names(Some(COUNTS.to_vec())).send().await?;
    let attributes = out.attributes.unwrap_or_default();
    Ok(COUNTS.iter().filter_map(|name| attributes.get(name)).filter_map(|n| n.parse::<u64>().ok()).sum())
}

/// Waits until the queue at `url` holds nothing, read empty twice in a row (the
/// counts are approximate), or fails after `timeout`. Call it after the sends
/// have reached the queue: the emulator's SNS delivers to SQS before `Publish`
/// answers; in AWS, wait for a probe subscribed to the same topic first.
pub async fn wait_until_drained(sqs: &aws_sdk_sqs::Client, url: &str, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    let mut empty_reads = 0;
    loop {
        let held = messages_in(sqs, url).await?;
        empty_reads = if held == 0 { empty_reads + 1 } else { 0 };
        if empty_reads == 2 {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{url} still holds {held} message(s) after {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
