//! Talking to the local bus: publish a message with the envelope and attributes
//! made for you, watch what is published, inspect and redrive a DLQ.
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result, bail};
use platform::bus::{Outgoing, Publish, SnsPublisher, Topics};
use platform_messages::{Envelope, MessageName};
use platform_testkit::{DeadLetters, Probe};

use crate::emulator::REGION;

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

pub(crate) async fn local_config(port: u16) -> aws_config::SdkConfig {
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
        let dead_letters = DeadLetters::new(aws_sdk_sqs::Client::new(&local_config(port).await), dlq_url, queue_url);
        match action {
            "list" => {
                let bodies = dead_letters.list().await?;
                eprintln!("{service} DLQ: {} message(s)", bodies.len());
                for body in bodies {
                    println!("{body}");
                }
            }
            "redrive" => {
                let moved = dead_letters.redrive().await?;
                eprintln!("redrove {moved} message(s) to the {service} queue");
            }
            other => bail!("unknown action {other:?}: use list or redrive"),
        }
        Ok(())
    })
}
