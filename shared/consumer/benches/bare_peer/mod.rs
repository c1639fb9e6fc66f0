//! The peer a Rust team would write without the platform: a `lambda_runtime`
//! handler of `aws_lambda_events`' `SqsEvent` (read by `serde_json`, as the runtime
//! reads it), each body read into a derived envelope struct (its data kept as the
//! bytes received), routed by name, fingerprinted (SHA-256 of name and data, as an
//! idempotency key needs) and decoded into the payload's type for the handler;
//! a record that fails any step is reported in the batch response. What it leaves
//! out, and the platform does with every record: the record's span and log line,
//! the token check, the idempotency ledger's claim and completion, the publish
//! gate and the batch's metrics.
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use platform_messages::contracts::addressing::AddressSubmission;
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// The envelope as a derive reads it: the same fields and types as the wire format.
#[derive(Deserialize)]
#[allow(dead_code)] // read as the wire has them; the handler needs only some
struct BareEnvelope<'a> {
    id: Uuid,
    name: &'a str,
    kind: &'a str,
    #[serde(with = "time::serde::rfc3339")]
    occurred_at: OffsetDateTime,
    correlation_id: &'a str,
    causation_id: Option<&'a str>,
    actor: Option<&'a RawValue>,
    schema: u32,
    #[serde(borrow)]
    data: &'a RawValue,
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// The handler: an SQS event in, the failed records out.
pub async fn handle(payload: &str) -> Result<SqsBatchResponse, Failure> {
    let event: SqsEvent = serde_json::from_str(payload)?;
    let mut response = SqsBatchResponse::default();
    for record in &event.records {
        if handle_record(record).await.is_err() {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = record.message_id.clone().unwrap_or_default();
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}

async fn handle_record(record: &SqsMessage) -> Result<(), Failure> {
    let body = record.body.as_deref().ok_or("a record without a body")?;
    let envelope: BareEnvelope<'_> = serde_json::from_str(body)?;
    match envelope.name {
        "address.received" => {
            let key = fingerprint(envelope.name, envelope.data.get());
            let data: AddressSubmission = serde_json::from_str(envelope.data.get())?;
            address_received(envelope.id, key, data).await
        }
        other => Err(format!("no handler for {other}").into()),
    }
}

/// The trivial handler both sides run.
async fn address_received(_id: Uuid, _key: String, data: AddressSubmission) -> Result<(), Failure> {
    std::hint::black_box(data);
    Ok(())
}

fn fingerprint(name: &str, data: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([0]);
    hasher.update(data.as_bytes());
    hex::encode(hasher.finalize())
}
