//! `cargo xtask trace <id>`: one flow of the local stack rebuilt from its functions'
//! logs, as an indented tree with timings. The id is a W3C trace id (32 hex digits:
//! every hop of the trace, across conversations, e.g. a booking request and its
//! saga), a correlation id (shared by every message of one conversation), or any id
//! a log line of the flow carries (a message id, a booking id, a mover id), whose
//! line gives the correlation id. Each
//! record a worker handled is one hop: its service, message name and outcome, under
//! the hop whose message caused it (`causation_id`).
use std::collections::BTreeMap;

use anyhow::{Result, bail};
use serde_json::Value;

/// One record's handling, from its log line.
#[derive(Debug, Clone, PartialEq)]
pub struct Hop {
    /// Milliseconds since the epoch, from the log event.
    pub at_ms: i64,
    /// The service that handled it.
    pub service: String,
    /// The message's name.
    pub name: String,
    /// The message's id.
    pub message_id: String,
    /// The id of the message that caused it, if any.
    pub causation_id: Option<String>,
    /// What became of it (`handled`, `duplicate`, `failed: <reason>`).
    pub outcome: String,
}

/// The outcome lines the consumer writes for each record.
fn outcome(line: &Value) -> Option<String> {
    match line["message"].as_str()? {
        "handled" => Some("handled".into()),
        "duplicate delivery acknowledged without handling" => Some("duplicate".into()),
        "record failed" => Some(format!("failed: {}", line["reason"].as_str().unwrap_or("?"))),
        _ => None,
    }
}

/// What a flow is: the hops of one trace, or of one conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow<'a> {
    /// Lines whose `trace_id` is this.
    Trace(&'a str),
    /// Lines whose `correlation_id` is this.
    Conversation(&'a str),
}

impl Flow<'_> {
    /// The flow `id` names by its form: 32 lowercase hex digits are a trace id.
    fn named(id: &str) -> Flow<'_> {
        let hex = id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if hex { Flow::Trace(id) } else { Flow::Conversation(id) }
    }

    fn holds(&self, line: &Value) -> bool {
        match self {
            Flow::Trace(id) => line["trace_id"].as_str() == Some(id),
            Flow::Conversation(id) => line["correlation_id"].as_str() == Some(id),
        }
    }
}

/// The hop a log line records, if it is a record's outcome in `flow`.
pub fn hop(at_ms: i64, text: &str, flow: Flow<'_>) -> Option<Hop> {
    let line: Value = serde_json::from_str(text.trim()).ok()?;
    if !flow.holds(&line) {
        return None;
    }
    Some(Hop {
        at_ms,
        outcome: outcome(&line)?,
        service: line["service"].as_str()?.to_owned(),
        name: line["name"].as_str()?.to_owned(),
        message_id: line["message_id"].as_str()?.to_owned(),
        causation_id: line["causation_id"].as_str().map(str::to_owned),
    })
}

/// The correlation id of the first JSON log line among `lines` that has one.
pub fn correlation_of<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<String> {
    lines.into_iter().find_map(|text| {
        let line: Value = serde_json::from_str(text.trim()).ok()?;
        line["correlation_id"].as_str().map(str::to_owned)
    })
}

/// The tree of `hops`: each under the hop of its cause, in time order, with the
/// milliseconds since the first.
pub fn render(correlation: &str, hops: &[Hop]) -> String {
    let mut hops = hops.to_vec();
    hops.sort_by_key(|h| h.at_ms);
    let start = hops.first().map_or(0, |h| h.at_ms);
    let known: Vec<&str> = hops.iter().map(|h| h.message_id.as_str()).collect();
    let mut children: BTreeMap<Option<&str>, Vec<&Hop>> = BTreeMap::new();
    for hop in &hops {
        let parent = hop.causation_id.as_deref().filter(|c| known.contains(c));
        children.entry(parent).or_default().push(hop);
    }
    let span = hops.last().map_or(0, |h| h.at_ms - start);
    let mut out = format!("trace {correlation}: {} hop(s) over {span} ms\n", hops.len());
    let mut stack: Vec<(&Hop, usize)> = children.get(&None).into_iter().flatten().rev().map(|h| (*h, 0)).collect();
    let mut printed = std::collections::BTreeSet::new();
    while let Some((hop, depth)) = stack.pop() {
        let first = printed.insert(hop.message_id.as_str());
        out.push_str(&format!(
            "{:>+8} ms  {}{}  {}  ({})  {}\n",
            hop.at_ms - start,
            "  ".repeat(depth),
            hop.service,
            hop.name,
            &hop.message_id[..hop.message_id.len().min(8)],
            hop.outcome
        ));
        if first {
            for child in children.get(&Some(hop.message_id.as_str())).into_iter().flatten().rev() {
                stack.push((child, depth + 1));
            }
        }
    }
    out
}

/// Reads the local stack's function logs and prints the flow of `id`.
pub fn print(port: u16, id: &str) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (correlation, hops) = runtime.block_on(flow(port, id))?;
    print!("{}", render(&correlation, &hops));
    Ok(())
}

/// What `cargo xtask test` asks of the command: an `address.received` published to
/// the local stack on `port` shows, traced by its id, the addressing service
/// handling it and the movers service handling the answer beneath it; its trace id
/// finds the same hops.
pub fn check(port: u16, outputs: &std::collections::BTreeMap<String, String>) -> Result<()> {
    let reference = format!("trace-check-{}", uuid::Uuid::new_v4());
    let data = serde_json::json!({"ref": reference, "address": {"line1": "1 Trace Way", "city": "Springfield", "state": "IL", "zip": "62701"}});
    let id = crate::bus_tools::publish(port, outputs, "address.received", &data.to_string(), false)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (correlation, hops) = runtime.block_on(flow(port, &id)).unwrap_or_default();
        let answered = hops.iter().any(|h| h.service == "movers" && h.causation_id.as_deref() == Some(id.as_str()));
        if hops.iter().any(|h| h.service == "addressing" && h.message_id == id) && answered {
            eprint!("{}", render(&correlation, &hops));
            // Published without a traceparent, it is in the trace of its conversation.
            let trace = platform_messages::Trace::of_conversation(&correlation).id_hex();
            let (_, traced) = runtime.block_on(flow(port, &trace))?;
            if traced.len() < hops.len() {
                bail!(
                    "trace {trace}: the trace id finds {} of the flow's {} hop(s): {traced:?}",
                    traced.len(),
                    hops.len()
                );
            }
            eprintln!(
                "trace: the flow of a published address.received is rebuilt from the logs, by its id and by its trace id"
            );
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            bail!("trace {id}: the logs never showed addressing and movers handling it: {hops:?}");
        }
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
}

/// The trace or correlation id of `id`'s flow and its hops.
async fn flow(port: u16, id: &str) -> Result<(String, Vec<Hop>)> {
    let logs = aws_sdk_cloudwatchlogs::Client::new(&crate::bus_tools::local_config(port).await);
    let lines = lines_with(&logs, id).await?;
    if let trace @ Flow::Trace(_) = Flow::named(id) {
        let hops: Vec<Hop> = lines.iter().filter_map(|(at, text)| hop(*at, text, trace)).collect();
        if !hops.is_empty() {
            return Ok((id.to_owned(), hops));
        }
    }
    let correlation = if lines.iter().any(|(_, text)| hop(0, text, Flow::Conversation(id)).is_some()) {
        id.to_owned()
    } else {
        match correlation_of(lines.iter().map(|(_, text)| text.as_str())) {
            Some(correlation) => correlation,
            None => bail!("no log line of the local stack's functions mentions `{id}` with a correlation id"),
        }
    };
    let lines = if correlation == id { lines } else { lines_with(&logs, &correlation).await? };
    let hops: Vec<Hop> =
        lines.iter().filter_map(|(at, text)| hop(*at, text, Flow::Conversation(&correlation))).collect();
    Ok((correlation, hops))
}

/// Every log event of the stack's functions that contains `needle`, with its time.
async fn lines_with(logs: &aws_sdk_cloudwatchlogs::Client, needle: &str) -> Result<Vec<(i64, String)>> {
    let mut groups = Vec::new();
    let mut pages = logs.describe_log_groups().log_group_name_prefix("/aws/lambda/").into_paginator().send();
    while let Some(page) = pages.next().await {
        groups.extend(page?.log_groups().iter().filter_map(|g| g.log_group_name().map(str::to_owned)));
    }
    let mut found = Vec::new();
    for group in groups {
        let mut pages = logs
            .filter_log_events()
            .log_group_name(&group)
            .filter_pattern(format!("\"{needle}\""))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            for event in page?.events() {
                if let Some(text) = event.message().filter(|m| m.contains(needle)) {
                    found.push((event.timestamp().unwrap_or_default(), text.to_owned()));
                }
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

    fn line(service: &str, name: &str, id: &str, cause: Option<&str>, message: &str) -> String {
        let mut line = serde_json::json!({
            "service": service, "name": name, "message_id": id, "correlation_id": "c1", "message": message,
            "trace_id": TRACE,
        });
        if let Some(cause) = cause {
            line["causation_id"] = cause.into();
        }
        line.to_string()
    }

    #[test]
    fn hops_hang_under_their_cause_in_time_order() {
        let lines = [
            (1_000, line("addressing", "address.received", "m1", None, "handled")),
            (1_200, line("movers", "address.reconciled", "m2", Some("m1"), "handled")),
            (1_100, line("moves", "mover.created", "m3", None, "handled")),
            (1_300, line("notifications", "email_verification.requested", "m4", Some("m2"), "record failed")),
            (
                1_350,
                line(
                    "movers",
                    "address.reconciled",
                    "m2",
                    Some("m1"),
                    "duplicate delivery acknowledged without handling",
                ),
            ),
            (1_400, line("movers", "address.reconciled", "m9", Some("m1"), "some other line")),
        ];
        let hops: Vec<Hop> = lines.iter().filter_map(|(at, text)| hop(*at, text, Flow::Conversation("c1"))).collect();
        assert_eq!(hops.len(), 5, "the outcome lines only");
        let tree = render("c1", &hops);
        let rows: Vec<&str> = tree.lines().collect();
        assert_eq!(rows[0], "trace c1: 5 hop(s) over 350 ms");
        assert!(rows[1].contains("      +0 ms  addressing  address.received"), "{tree}");
        assert!(rows[2].contains("+200 ms    movers  address.reconciled") && rows[2].ends_with("handled"), "{tree}");
        assert!(rows[3].contains("+300 ms      notifications") && rows[3].contains("failed: ?"), "{tree}");
        assert!(rows[4].contains("+350 ms    movers  address.reconciled") && rows[4].ends_with("duplicate"), "{tree}");
        assert!(rows[5].contains("+100 ms  moves  mover.created"), "{tree}");
    }

    #[test]
    fn another_conversation_or_a_line_that_is_not_json_is_no_hop() {
        assert_eq!(hop(0, &line("movers", "x.y", "m1", None, "handled"), Flow::Conversation("c2")), None);
        assert_eq!(hop(0, "START RequestId: 1", Flow::Conversation("c1")), None);
        assert_eq!(correlation_of(["not json", &line("movers", "x.y", "m1", None, "handled")]), Some("c1".into()));
    }

    #[test]
    fn a_trace_id_names_every_hop_of_its_trace_across_conversations() {
        let mut other = serde_json::from_str::<Value>(&line("moves", "move.cancelled", "m5", None, "handled")).unwrap();
        other["correlation_id"] = "bkg_1".into();
        let lines = [line("addressing", "address.received", "m1", None, "handled"), other.to_string()];
        assert_eq!(Flow::named(TRACE), Flow::Trace(TRACE));
        assert_eq!(Flow::named("c1"), Flow::Conversation("c1"));
        let in_trace = lines.iter().filter_map(|l| hop(0, l, Flow::named(TRACE))).count();
        let in_conversation = lines.iter().filter_map(|l| hop(0, l, Flow::named("c1"))).count();
        assert_eq!((in_trace, in_conversation), (2, 1));
        assert_eq!(hop(0, &lines[0], Flow::Trace("00000000000000000000000000000001")), None);
    }
}
