//! Talking to the local bus: publish a message with the envelope and attributes
//! made for you, watch what is published, inspect and redrive a DLQ.
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result, bail};
use aws_sdk_sqs::types::{MessageAttributeValue, QueueAttributeName};
use platform::bus::{Outgoing, Publish, SnsPublisher, Topics};
use platform_messages::{Envelope, MessageName};
use platform_testkit::Probe;

use crate::emulator::REGION;

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

async fn local_config(port: u16) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new("test", "test", None, None, "local"))
        .load()
        .await
}

fn output<'a>(outputs: &'a BTreeMap<String, String>, key: &str) -> Result<&'a str> {
    outputs.get(key).map(String::as_str).with_context(|| format!("stack output {key} is missing"))
}

/// Publishes one message to the local stack.
pub fn publish(port: u16, outputs: &BTreeMap<String, String>, name: &str, data: &str) -> Result<()> {
    let name = MessageName::infer(name)?;
    let data: serde_json::Value = serde_json::from_str(data).context("the data is not valid JSON")?;
    let topics = Topics {
        events: output(outputs, "EventsTopicArn")?.to_owned(),
        tasks: Some(output(outputs, "TasksTopicArn")?.to_owned()),
    };
    runtime()?.block_on(async {
        let config = local_config(port).await;
        let publisher = SnsPublisher::new(aws_sdk_sns::Client::new(&config), topics);
        let envelope = Envelope::new(name, data);
        println!("{}", envelope.to_json()?);
        publisher.publish(vec![Outgoing { envelope, token: None }]).await?;
        eprintln!("published");
        Ok(())
    })
}

/// Prints every event and task published on the local bus, until Ctrl-C.
pub fn watch(port: u16, outputs: &BTreeMap<String, String>) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))?;
    runtime()?.block_on(async {
        let config = local_config(port).await;
        let topics = [output(outputs, "EventsTopicArn")?, output(outputs, "TasksTopicArn")?];
        let mut probe =
            Probe::subscribe_with(aws_sdk_sqs::Client::new(&config), aws_sdk_sns::Client::new(&config), &topics)
                .await?;
        eprintln!("Watching the events and tasks topics; Ctrl-C to stop.");
        let mut printed = 0;
        while !stop.load(Ordering::SeqCst) {
            probe.poll().await?;
            for r in &probe.seen()[printed..] {
                println!("{}", r.envelope.to_json()?);
            }
            printed = probe.seen().len();
        }
        probe.close().await
    })
}

/// Lists (without consuming) or redrives the DLQ of `service`.
pub fn dlq(port: u16, outputs: &BTreeMap<String, String>, service: &str, action: &str) -> Result<()> {
    let pascal: String = service[..1].to_uppercase() + &service[1..];
    let dlq_url = output(outputs, &format!("{pascal}DlqUrl"))?.to_owned();
    let queue_url = output(outputs, &format!("{pascal}QueueUrl"))?.to_owned();
    runtime()?.block_on(async {
        let sqs = aws_sdk_sqs::Client::new(&local_config(port).await);
        let depth = sqs
            .get_queue_attributes()
            .queue_url(&dlq_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await?
            .attributes
            .and_then(|a| a.get(&QueueAttributeName::ApproximateNumberOfMessages).cloned())
            .unwrap_or_default();
        eprintln!("{service} DLQ: {depth} message(s)");
        let mut moved = 0;
        loop {
            let out = sqs
                .receive_message()
                .queue_url(&dlq_url)
                .max_number_of_messages(10)
                .visibility_timeout(30)
                .message_attribute_names("All")
                .wait_time_seconds(1)
                .send()
                .await?;
            if out.messages().is_empty() {
                break;
            }
            for m in out.messages() {
                let body = m.body().unwrap_or_default();
                match action {
                    "list" => println!("{body}"),
                    "redrive" => {
                        let attributes: HashMap<String, MessageAttributeValue> =
                            m.message_attributes().cloned().unwrap_or_default();
                        sqs.send_message()
                            .queue_url(&queue_url)
                            .message_body(body)
                            .set_message_attributes(Some(attributes))
                            .send()
                            .await?;
                        sqs.delete_message()
                            .queue_url(&dlq_url)
                            .receipt_handle(m.receipt_handle().unwrap_or_default())
                            .send()
                            .await?;
                        moved += 1;
                    }
                    other => bail!("unknown action {other:?}: use list or redrive"),
                }
            }
        }
        if action == "redrive" {
            eprintln!("redrove {moved} message(s) to the {service} queue");
        }
        Ok(())
    })
}
