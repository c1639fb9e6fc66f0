//! Why an address got more than one email: the notifications journal names the
//! event behind each email it sent (and SES's message id), so a duplicate is
//! either two events for one mover (each traced with `cargo xtask trace <id>`) or
//! an email SES holds that no journal entry names: one sent again after an
//! attempt whose outcome was unknown (SES has no idempotency key).
use std::collections::{HashMap, HashSet};

use anyhow::Result;
use aws_sdk_dynamodb::types::AttributeValue;

/// One email SES holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesEmail {
    /// SES's message id.
    pub message_id: String,
}

/// One journal entry of the notifications service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journaled {
    /// The event the email was for.
    pub event_id: String,
    /// That event's name.
    pub event_name: String,
    /// `sending` or `sent`.
    pub status: String,
    /// SES's message id, once journaled as sent.
    pub message_id: Option<String>,
}

/// The cause of `recipient`'s emails, in one line.
pub fn explain(recipient: &str, emails: &[SesEmail], journal: &[Journaled]) -> String {
    let events: Vec<String> =
        journal.iter().map(|j| format!("{} {} ({})", j.event_name, j.event_id, j.status)).collect();
    let named: HashSet<&str> = journal.iter().filter_map(|j| j.message_id.as_deref()).collect();
    let unnamed = emails.iter().filter(|e| !named.contains(e.message_id.as_str())).count();
    let mut causes = Vec::new();
    if journal.len() > 1 {
        causes.push(format!("{} events", journal.len()));
    }
    if unnamed > 0 && emails.len() > journal.len() {
        causes.push(format!("{unnamed} email(s) no journal entry names: sent again after an unknown outcome"));
    }
    let causes = if causes.is_empty() { "no cause found".to_owned() } else { causes.join("; ") };
    format!("{recipient}: {} emails, {causes}; journal: {}", emails.len(), events.join(", "))
}

fn text(item: &HashMap<String, AttributeValue>, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

/// The journal entries of `recipients`, read from the notifications table.
pub async fn journal(
    dynamo: &aws_sdk_dynamodb::Client,
    table: &str,
    recipients: &HashSet<String>,
) -> Result<HashMap<String, Vec<Journaled>>> {
    let mut found: HashMap<String, Vec<Journaled>> = HashMap::new();
    let mut pages = dynamo.scan().table_name(table).into_paginator().items().send();
    while let Some(item) = pages.next().await {
        let item = item?;
        let Some(recipient) = text(&item, "recipient").filter(|r| recipients.contains(r)) else { continue };
        found.entry(recipient).or_default().push(Journaled {
            event_id: text(&item, "event_id").unwrap_or_default(),
            event_name: text(&item, "event_name").unwrap_or_default(),
            status: text(&item, "status").unwrap_or_default(),
            message_id: text(&item, "message_id"),
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journaled(event: &str, message_id: Option<&str>) -> Journaled {
        let status = if message_id.is_some() { "sent" } else { "sending" };
        Journaled {
            event_id: event.into(),
            event_name: "email_verification.requested".into(),
            status: status.into(),
            message_id: message_id.map(str::to_owned),
        }
    }

    fn ses(ids: &[&str]) -> Vec<SesEmail> {
        ids.iter().map(|id| SesEmail { message_id: (*id).into() }).collect()
    }

    #[test]
    fn two_events_and_a_resend_are_told_apart() {
        let two_events =
            explain("a@x", &ses(&["m1", "m2"]), &[journaled("e1", Some("m1")), journaled("e2", Some("m2"))]);
        assert!(two_events.contains("2 events") && !two_events.contains("sent again"), "{two_events}");
        assert!(two_events.contains("e1") && two_events.contains("e2"), "{two_events}");
        let resent = explain("a@x", &ses(&["m1", "m2"]), &[journaled("e1", Some("m2"))]);
        assert!(resent.contains("1 email(s) no journal entry names") && !resent.contains("events"), "{resent}");
        let unknown = explain("a@x", &ses(&["m1"]), &[journaled("e1", Some("m1"))]);
        assert!(unknown.contains("no cause found"), "{unknown}");
    }
}
