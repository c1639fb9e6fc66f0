//! Tries one version of a function with what it serves, invoking that version
//! directly (traffic still goes to the alias's current version):
//! - a worker gets an SQS batch of one `canary.sent` record, which it must answer
//!   (`canary.answered`, on the real bus) without reporting the record failed;
//! - a gateway gets an API Gateway request without a token, which it must answer
//!   with a status below 500 (a 401 or 404 proves it started and routes);
//! - an outbox relay gets a stream batch without records, and answers it;
//! - a saga step gets the platform's probe (`platform::probe`) and answers ready;
//! - the canary runs once, and every service must answer it.
//!
//! Either way the version's cold start (configuration, schema check, migrations,
//! signing keys) must pass, or the invocation fails.
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use platform::bus::Outgoing;
use platform_messages::contracts::canary::{CanarySent, CanarySentData};
use serde_json::{Value, json};

/// What a function serves, so what it is tried with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An SQS-fed consumer of the bus.
    Worker,
    /// An API Gateway (REST proxy) function.
    Gateway,
    /// A DynamoDB Streams outbox relay.
    Relay,
    /// A saga step, invoked by a state machine.
    Step,
    /// The scheduled end-to-end canary.
    Canary,
}

impl Kind {
    /// `worker`, `gateway`, `relay`, `step` or `canary`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "worker" => Ok(Kind::Worker),
            "gateway" => Ok(Kind::Gateway),
            "relay" => Ok(Kind::Relay),
            "step" => Ok(Kind::Step),
            "canary" => Ok(Kind::Canary),
            other => {
                Err(format!("`{other}` is not a kind of function to probe (worker, gateway, relay, step, canary)"))
            }
        }
    }
}

/// Which kind each function is, by name: `PROBE_KINDS`, `<name>=<kind>` pairs
/// separated by commas (the template writes it from its functions).
pub fn kinds(text: &str) -> Result<std::collections::BTreeMap<String, Kind>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, kind) = pair.split_once('=').ok_or_else(|| format!("`{pair}` is not <function>=<kind>"))?;
            Ok((name.to_owned(), Kind::parse(kind)?))
        })
        .collect()
}

/// The event a `kind` of function is tried with.
pub fn event(kind: Kind) -> Result<Value, String> {
    Ok(match kind {
        Kind::Worker => {
            let canary_id = format!("pre-traffic-{}", uuid::Uuid::new_v4());
            let sent = Outgoing::new::<CanarySent>(&CanarySentData { canary_id }).map_err(|e| e.to_string())?;
            let body = sent.envelope.to_json().map_err(|e| e.to_string())?;
            json!({"Records": [{
                "messageId": sent.envelope.id.to_string(),
                "receiptHandle": "pre-traffic",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:pre-traffic",
                "awsRegion": "us-east-1"
            }]})
        }
        Kind::Relay => json!({"Records": []}),
        Kind::Step => json!({"probe": format!("pre-traffic-{}", uuid::Uuid::new_v4())}),
        Kind::Canary => json!({}),
        Kind::Gateway => json!({
            "resource": "/{proxy+}",
            "path": "/__pre-traffic",
            "httpMethod": "GET",
            "headers": {"accept": "application/json"},
            "multiValueHeaders": {"accept": ["application/json"]},
            "queryStringParameters": null,
            "pathParameters": {"proxy": "__pre-traffic"},
            "requestContext": {"requestId": "pre-traffic", "stage": "probe", "httpMethod": "GET",
                               "path": "/__pre-traffic", "resourcePath": "/{proxy+}",
                               "identity": {"sourceIp": "127.0.0.1"}},
            "body": null,
            "isBase64Encoded": false
        }),
    })
}

/// Whether `answer` (the function's response to [`event`]) is a healthy one.
pub fn judge(kind: Kind, answer: &Value) -> Result<(), String> {
    match kind {
        Kind::Worker => match answer["batchItemFailures"].as_array() {
            Some(failures) if failures.is_empty() => Ok(()),
            Some(_) => Err(format!("the worker failed the canary record: {answer}")),
            None => Err(format!("the worker's answer is not an SQS batch response: {answer}")),
        },
        Kind::Gateway => match answer["statusCode"].as_u64() {
            Some(status) if status < 500 => Ok(()),
            Some(status) => Err(format!("the gateway answered {status}: {}", answer["body"])),
            None => Err(format!("the gateway's answer is not an API Gateway response: {answer}")),
        },
        Kind::Relay => match answer.as_u64() {
            Some(0) => Ok(()),
            _ => Err(format!("the relay's answer to an empty batch is not 0 messages published: {answer}")),
        },
        Kind::Step => match (answer["ready"].as_bool(), answer["probe"].as_str()) {
            (Some(true), Some(id)) if id.starts_with("pre-traffic-") => Ok(()),
            _ => Err(format!("the step did not answer the probe: {answer}")),
        },
        Kind::Canary => match answer["missing"].as_array() {
            Some(missing) if missing.is_empty() => Ok(()),
            Some(missing) => Err(format!("services did not answer the canary: {missing:?}")),
            None => Err(format!("the canary's answer is not its report: {answer}")),
        },
    }
}

/// Tries `function` at `version` (a version number or an alias) as a `kind`.
pub async fn run(lambda: &aws_sdk_lambda::Client, function: &str, version: &str, kind: Kind) -> Result<(), String> {
    let payload = serde_json::to_vec(&event(kind)?).map_err(|e| e.to_string())?;
    let out = lambda
        .invoke()
        .function_name(function)
        .qualifier(version)
        .invocation_type(InvocationType::RequestResponse)
        .payload(Blob::new(payload))
        .send()
        .await
        .map_err(|e| format!("invoking {function}:{version}: {}", platform::error_chain::text(&e)))?;
    let body = out.payload().map(|b| b.as_ref().to_vec()).unwrap_or_default();
    if let Some(error) = out.function_error() {
        return Err(format!("{function}:{version} failed ({error}): {}", String::from_utf8_lossy(&body)));
    }
    let answer: Value = serde_json::from_slice(&body)
        .map_err(|e| format!("{function}:{version} answered something that is not JSON ({e})"))?;
    judge(kind, &answer).map_err(|e| format!("{function}:{version}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_passes_only_without_failed_records() {
        assert_eq!(judge(Kind::Worker, &json!({"batchItemFailures": []})), Ok(()));
        assert!(judge(Kind::Worker, &json!({"batchItemFailures": [{"itemIdentifier": "1"}]})).is_err());
        assert!(judge(Kind::Worker, &json!({"statusCode": 200})).is_err());
    }

    #[test]
    fn a_gateway_passes_below_500() {
        assert_eq!(judge(Kind::Gateway, &json!({"statusCode": 401})), Ok(()));
        assert!(judge(Kind::Gateway, &json!({"statusCode": 502, "body": "bad"})).unwrap_err().contains("502"));
        assert!(judge(Kind::Gateway, &json!({"batchItemFailures": []})).is_err());
    }

    #[test]
    fn a_relay_step_and_canary_pass_on_their_own_answers() {
        assert_eq!(judge(Kind::Relay, &json!(0)), Ok(()));
        assert!(judge(Kind::Relay, &json!(3)).is_err());
        assert_eq!(judge(Kind::Step, &json!({"probe": "pre-traffic-1", "ready": true})), Ok(()));
        assert!(judge(Kind::Step, &json!({"booking_id": "b"})).is_err());
        assert_eq!(judge(Kind::Canary, &json!({"missing": []})), Ok(()));
        assert!(judge(Kind::Canary, &json!({"missing": ["moves"]})).unwrap_err().contains("moves"));
    }

    #[test]
    fn the_kinds_are_read_from_name_kind_pairs() {
        let kinds = kinds("updater-AddressingWorker-1=worker, updater-MovesSteps-2=step,").unwrap();
        assert_eq!(kinds["updater-MovesSteps-2"], Kind::Step);
        assert_eq!(kinds.len(), 2);
        assert!(super::kinds("f=lambda").unwrap_err().contains("not a kind"));
        assert!(super::kinds("f").unwrap_err().contains("<function>=<kind>"));
    }

    #[test]
    fn the_worker_event_carries_one_canary_record_the_platform_decodes() {
        let event = event(Kind::Worker).unwrap();
        let body = event["Records"][0]["body"].as_str().unwrap();
        let envelope = platform_messages::Envelope::decode(body).unwrap();
        assert_eq!(envelope.name.as_str(), "canary.sent");
        assert!(envelope.data["canary_id"].as_str().unwrap().starts_with("pre-traffic-"));
    }
}
