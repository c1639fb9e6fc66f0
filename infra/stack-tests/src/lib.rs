//! Tests against the deployed local stack live in `tests/`; `cargo xtask test`
//! starts an emulator on a free port, deploys template.yaml and runs them.
//! Helpers shared by those tests are here.
#![forbid(unsafe_code)]

use std::time::Duration;

use anyhow::Result;
use platform::bus::{Outgoing, Publish, SnsPublisher, Topics};
use platform_messages::contracts::addressing::{AddressSubmission, PostalAddress};
use platform_testkit::Stack;

/// How long a test waits for the system to answer.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// The stack, or a clear failure when not run through `cargo xtask test`.
pub async fn stack() -> Stack {
    match Stack::from_env().await {
        Ok(s) => s,
        Err(e) => panic!("{e:#}"),
    }
}

/// The platform's own publisher, pointed at the stack's topics.
pub fn publisher(stack: &Stack) -> Result<SnsPublisher> {
    Ok(SnsPublisher::new(
        stack.sns(),
        Topics {
            events: stack.output("EventsTopicArn")?.to_owned(),
            tasks: Some(stack.output("TasksTopicArn")?.to_owned()),
        },
    ))
}

/// Publishes one message.
pub async fn send(stack: &Stack, message: Outgoing) -> Result<()> {
    Ok(publisher(stack)?.publish(vec![message]).await?)
}

/// A submission with a street number unique to this call, so tests never share an address.
pub fn unique_submission(reference: &str) -> (AddressSubmission, u32) {
    let number = 10_000 + (uuid::Uuid::new_v4().as_u128() % 89_999) as u32;
    let submission = AddressSubmission {
        reference: reference.to_owned(),
        address: PostalAddress {
            line1: format!("{number} North Main Street Apt 4"),
            line2: None,
            city: "Springfield".into(),
            state: "Illinois".into(),
            zip: "62701".into(),
        },
    };
    (submission, number)
}
