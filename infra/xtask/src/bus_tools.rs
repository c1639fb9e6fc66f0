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

/// The number of single-character edits from `a` to `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Refuses what the platform would refuse: a name no catalog declares (with the
/// nearest declared one), or data its consumers could not decode (with the reason).
pub fn check_declared(name: &str, data: &serde_json::Value) -> Result<()> {
    let catalogs = crate::catalog_check::catalogs();
    let entries: Vec<_> = catalogs.iter().flat_map(|c| c.consumes.iter().chain(&c.publishes)).collect();
    let Some(entry) = entries.iter().find(|e| e.name.as_str() == name) else {
        let nearest = entries.iter().map(|e| e.name.as_str()).min_by_key(|known| edit_distance(name, known));
        let hint = nearest.filter(|n| edit_distance(name, n) <= 3).map(|n| format!("; did you mean `{n}`?"));
        bail!("no catalog declares `{name}`{} (--raw publishes it anyway)", hint.unwrap_or_default());
    };
    entry
        .validate(data)
        .map_err(|reason| anyhow::anyhow!("the data is not a `{name}` payload: {reason} (--raw publishes it anyway)"))
}

/// Publishes one message to the local stack; unless `raw`, only a declared name
/// with a payload its consumers can decode. Returns the message's id.
pub fn publish(port: u16, outputs: &BTreeMap<String, String>, name: &str, data: &str, raw: bool) -> Result<String> {
    let data: serde_json::Value = serde_json::from_str(data).context("the data is not valid JSON")?;
    if !raw {
        check_declared(name, &data)?;
    }
    let name = MessageName::infer(name)?;
    let topics = Topics {
        events: output(outputs, "EventsTopicArn")?.to_owned(),
        tasks: Some(output(outputs, "TasksTopicArn")?.to_owned()),
    };
    runtime()?.block_on(async {
        let config = local_config(port).await;
        let publisher = SnsPublisher::new(aws_sdk_sns::Client::new(&config), topics);
        let envelope = Envelope::new(name, data);
        let id = envelope.id.to_string();
        println!("{}", envelope.to_json()?);
        // Traced by its conversation, so that every hop the message causes shares one trace id.
        let trace = Some(platform_messages::Trace::of_conversation(&envelope.correlation_id));
        publisher.publish(vec![Outgoing { envelope, token: None, trace }]).await?;
        eprintln!("published");
        Ok(id)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_name_or_a_bad_payload_is_refused_with_the_reason() {
        let error = check_declared("address.recieved", &serde_json::json!({})).unwrap_err().to_string();
        assert!(error.contains("no catalog declares `address.recieved`; did you mean `address.received`?"), "{error}");
        let error = check_declared("canary.sent", &serde_json::json!({})).unwrap_err().to_string();
        assert!(error.contains("not a `canary.sent` payload: missing field `canary_id`"), "{error}");
        assert!(check_declared("canary.sent", &serde_json::json!({"canary_id": "c"})).is_ok());
        let readme = std::fs::read_to_string(crate::paths::root().join("README.md")).unwrap();
        let example =
            readme.split("cargo xtask publish address.received \\\n  '").nth(1).unwrap().split('\'').next().unwrap();
        check_declared("address.received", &serde_json::from_str(example).unwrap()).expect("the README's example");
        assert!(
            check_declared("nothing.like.it", &serde_json::json!({}))
                .unwrap_err()
                .to_string()
                .ends_with("(--raw publishes it anyway)")
        );
    }
}
