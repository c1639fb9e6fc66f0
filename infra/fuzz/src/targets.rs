//! The decoders at the platform's edges, each as a fuzz target: valid samples to
//! mutate, and a run that decodes one input. A run answers whether the input was
//! accepted or refused (with its reason); a refusal without a reason, a broken
//! promise of the decoder's output, or a panic is a finding.
use std::sync::{Arc, OnceLock};

use platform_consumer::{QueueEvent, QueueRecord, StringAttribute, Unwrapped};
use platform_gateway::graphql_limits::{self, Limits};
use platform_identity::{Role, TestIssuer, Verifier};
use platform_messages::Envelope;
use platform_messages::contracts::addressing::PostalAddress;
use serde_json::{Value, json};

/// What a decoder made of one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Decoded.
    Accepted,
    /// Refused, with the reason it gives.
    Refused(String),
}

/// A broken promise: what the decoder did that it must not.
pub type Finding = String;

/// One decoder under fuzzing.
pub struct Target {
    /// Its name (`cargo xtask fuzz --target NAME`).
    pub name: &'static str,
    /// Valid inputs, the starting points of mutations.
    pub seeds: fn() -> Vec<Vec<u8>>,
    /// Decodes one input.
    pub run: fn(&[u8]) -> Result<Verdict, Finding>,
}

/// Every target.
pub fn all() -> Vec<Target> {
    vec![
        Target { name: "envelope", seeds: envelope_seeds, run: envelope },
        Target { name: "sqs-record", seeds: envelope_seeds, run: sqs_record },
        Target { name: "sqs-event", seeds: sqs_event_seeds, run: sqs_event },
        Target { name: "sns-wrapped", seeds: envelope_seeds, run: sns_wrapped },
        Target { name: "jwt", seeds: jwt_seeds, run: jwt },
        Target { name: "address", seeds: address_seeds, run: address },
        Target { name: "rest-body", seeds: rest_seeds, run: rest_body },
        Target { name: "graphql", seeds: graphql_seeds, run: graphql },
    ]
}

fn refused(reason: String) -> Result<Verdict, Finding> {
    if reason.trim().is_empty() { Err("a refusal without a reason".into()) } else { Ok(Verdict::Refused(reason)) }
}

fn text(input: &[u8]) -> String {
    String::from_utf8_lossy(input).into_owned()
}

fn envelope_seeds() -> Vec<Vec<u8>> {
    let submission = json!({"ref": "mov_1:from", "address": {"line1": "1 Main St", "city": "Springfield", "state": "IL", "zip": "62701"}});
    let mut event = Envelope::new(platform_messages::event!("address.received"), submission);
    event.actor = Some(platform_messages::Actor { sub: "usr_1".into(), roles: vec!["user-mover".into()] });
    let task = Envelope::new(platform_messages::task!("addressing.address.reconcile"), json!({"ref": "r"}));
    [event.to_json(), task.to_json()].into_iter().filter_map(Result::ok).map(String::into_bytes).collect()
}

fn envelope(input: &[u8]) -> Result<Verdict, Finding> {
    match Envelope::decode(&text(input)) {
        Ok(e) => {
            // What decodes re-encodes and decodes to the same envelope.
            let again = e.to_json().map_err(|e| format!("a decoded envelope does not encode: {e}"))?;
            match Envelope::decode(&again) {
                Ok(back) if back == e => Ok(Verdict::Accepted),
                other => Err(format!("decode(encode(e)) != e: {other:?}")),
            }
        }
        Err(e) => refused(e.to_string()),
    }
}

fn record(body: String, token: Option<String>) -> QueueRecord {
    let mut r = QueueRecord { message_id: Some("fuzz".into()), body: Some(body), ..Default::default() };
    r.message_attributes.authorization = token.map(|t| StringAttribute { string_value: Some(t) });
    r
}

fn decoded(r: &QueueRecord) -> Result<Verdict, Finding> {
    match platform_consumer::decode_record(r, &mut Unwrapped::default()) {
        Ok(incoming) if incoming.token.as_deref().is_some_and(str::is_empty) => Err("an empty token was kept".into()),
        Ok(_) => Ok(Verdict::Accepted),
        Err(e) => refused(e.to_string()),
    }
}

fn sqs_record(input: &[u8]) -> Result<Verdict, Finding> {
    // The first line, when there is one, rides as the `authorization` attribute.
    let all = text(input);
    let (token, body) = match all.split_once('\n') {
        Some((t, b)) if t.len() < 64 => (Some(t.to_owned()), b.to_owned()),
        _ => (None, all),
    };
    // The fast envelope reader and serde_json alone decide alike.
    let fast = Envelope::decode_raw(&body).map(|e| format!("{e:?}")).map_err(|e| e.to_string());
    let serde = Envelope::decode_raw_by_serde(&body).map(|e| format!("{e:?}")).map_err(|e| e.to_string());
    if fast != serde {
        return Err(format!("the fast envelope reader gave {fast:?}, serde_json {serde:?}"));
    }
    decoded(&record(body, token))
}

fn sqs_event_seeds() -> Vec<Vec<u8>> {
    let records: Vec<Value> = envelope_seeds()
        .into_iter()
        .map(|body| {
            json!({"messageId": "m-1", "receiptHandle": "AQEB", "body": text(&body), "md5OfBody": "d",
                "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": "g"},
                "messageAttributes": {"authorization": {"stringValue": "Bearer x.y.z", "dataType": "String"}},
                "eventSource": "aws:sqs", "awsRegion": "us-east-1"})
        })
        .collect();
    vec![json!({ "Records": records }).to_string().into_bytes()]
}

/// The Lambda SQS event: what the fast reader reads, serde_json reads alike.
fn sqs_event(input: &[u8]) -> Result<Verdict, Finding> {
    let event = text(input);
    let by_serde = serde_json::from_str::<QueueEvent>(&event).map(|e| format!("{e:?}"));
    match (QueueEvent::read_fast(&event), by_serde) {
        (Ok(fast), Ok(serde)) if format!("{fast:?}") == serde => Ok(Verdict::Accepted),
        (Ok(fast), serde) => Err(format!("the fast event reader read {fast:?}, serde_json {serde:?}")),
        (Err(_), Ok(_)) => Ok(Verdict::Accepted),
        (Err(e), Err(_)) => refused(e.to_string()),
    }
}

fn sns_wrapped(input: &[u8]) -> Result<Verdict, Finding> {
    let message = text(input);
    let wrapped = json!({"Type": "Notification", "MessageId": "m", "TopicArn": "arn:aws:sns:us-east-1:1:t",
        "Message": message, "MessageAttributes": {"authorization": {"Type": "String", "Value": "Bearer x.y.z"}}});
    let verdict = decoded(&record(wrapped.to_string(), None))?;
    // The same bytes spliced raw into a body that claims to be a notification:
    // decoded or refused, never a panic.
    decoded(&record(format!("{{\"Type\":\"Notification\",\"Message\":{message}}}"), None))?;
    Ok(verdict)
}

struct Issuer {
    issuer: TestIssuer,
    verifier: Arc<Verifier>,
}

fn issuer() -> &'static Issuer {
    static ISSUER: OnceLock<Issuer> = OnceLock::new();
    ISSUER.get_or_init(|| {
        let issuer = TestIssuer::new();
        let verifier = issuer.verifier();
        Issuer { issuer, verifier }
    })
}

fn jwt_seeds() -> Vec<Vec<u8>> {
    let i = &issuer().issuer;
    vec![i.token("usr_1", vec![Role::UserMover]).into_bytes(), i.token("usr_2", vec![Role::System]).into_bytes()]
}

fn jwt(input: &[u8]) -> Result<Verdict, Finding> {
    let token = text(input);
    let verifier = &issuer().verifier;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let header = format!("Bearer {token}");
    let at_the_gate = futures::executor::block_on(verifier.verify_bearer(Some(&header)));
    let in_flight = futures::executor::block_on(verifier.verify_in_flight(&token, now, now + 3600));
    match (at_the_gate, in_flight) {
        (Ok(caller), Ok(same)) if caller.sub == same.sub => Ok(Verdict::Accepted),
        (Ok(_), Ok(_)) => Err("the gateway and the worker saw different callers".into()),
        (Err(e), _) | (_, Err(e)) => refused(e.to_string()),
    }
}

fn address_seeds() -> Vec<Vec<u8>> {
    let parts = [
        ["123 North Main Street Apt 4", "", "Springfield", "Illinois", "62701-1234"],
        ["P.O. Box 42", "Unit 7", "Chicago", "IL", "60601"],
    ];
    parts.iter().map(|p| p.join("\0").into_bytes()).collect()
}

fn address(input: &[u8]) -> Result<Verdict, Finding> {
    let all = text(input);
    let mut parts = all.split('\0').map(str::to_owned);
    let mut next = || parts.next().unwrap_or_default();
    let submitted = PostalAddress { line1: next(), line2: Some(next()), city: next(), state: next(), zip: next() };
    match addressing::normalize::normalize(&submitted) {
        Ok(n) => {
            let zip_ok = n.zip.len() == 5 || (n.zip.len() == 10 && n.zip.as_bytes()[5] == b'-');
            if n.state.len() != 2 || !zip_ok || n.street.is_empty() || n.city.is_empty() {
                return Err(format!("a normalized address breaks its form: {n:?}"));
            }
            if addressing::normalize::normalize(&PostalAddress {
                line1: n.street.clone(),
                line2: n.unit.clone(),
                city: n.city.clone(),
                state: n.state.clone(),
                zip: n.zip.clone(),
            })
            .as_ref()
                != Ok(&n)
            {
                return Err(format!("normalizing is not idempotent on {n:?}"));
            }
            Ok(Verdict::Accepted)
        }
        Err(reasons) if reasons.is_empty() => Err("rejected without a reason".into()),
        Err(reasons) => Ok(Verdict::Refused(reasons.join("; "))),
    }
}

fn rest_seeds() -> Vec<Vec<u8>> {
    let mover = json!({"name": "Ada", "email": "ada@example.com", "phone": "+1 555 0100", "move_date": "2999-01-02",
        "from_address": {"line1": "1 Old Rd", "city": "Springfield", "state": "IL", "zip": "62701"}});
    let booking = json!({"mover_id": "mov_1", "move_date": "2999-01-04", "crew_size": 2,
        "deposit": {"card_token": "tok_visa", "amount_cents": 8000}});
    vec![mover.to_string().into_bytes(), booking.to_string().into_bytes()]
}

fn rest_body(input: &[u8]) -> Result<Verdict, Finding> {
    // The body as `POST /movers` and as `POST /moves` would read it: accepted when
    // either takes it; every refusal a 4xx with its reason.
    let today = time::OffsetDateTime::now_utc().date();
    let mover = platform_gateway::parse_json::<movers::domain::MoverInput>(input).and_then(|m| Ok(m.validate()?));
    let booking =
        platform_gateway::parse_json::<moves::booking::BookingRequest>(input).and_then(|b| Ok(b.validate(today)?));
    let mut reasons = Vec::new();
    for outcome in [mover.map(|_| ()), booking.map(|_| ())] {
        match outcome {
            Ok(()) => return Ok(Verdict::Accepted),
            Err(e) if !e.status.is_client_error() => return Err(format!("bad input answered {}: {e}", e.status)),
            Err(e) if e.message.trim().is_empty() => return Err("a 4xx without a reason".into()),
            Err(e) => reasons.push(e.message),
        }
    }
    refused(reasons.join("; "))
}

fn graphql_seeds() -> Vec<Vec<u8>> {
    let page = json!({"query": "query($n: Int) { movers(first: $n) { edges { node { id name fromAddress { status } } } } }", "variables": {"n": 10}});
    let create = json!({"query": "mutation { createMover(input: {name: \"A\", email: \"a@b.co\"}) { id } }"});
    vec![page.to_string().into_bytes(), create.to_string().into_bytes()]
}

fn graphql(input: &[u8]) -> Result<Verdict, Finding> {
    let request = match platform_gateway::parse_json::<async_graphql::Request>(input) {
        Ok(r) => r,
        Err(e) => return refused(e.message),
    };
    let variable = |name: &str| match request.variables.get(name) {
        Some(async_graphql::Value::Number(n)) => n.as_u64(),
        _ => None,
    };
    match graphql_limits::check(&Limits::standard(&["movers"], false), &request.query, &variable) {
        Ok(()) => Ok(Verdict::Accepted),
        Err(e) if e.status.as_u16() == 400 => refused(e.message),
        Err(e) => Err(format!("a query answered {}: {e}", e.status)),
    }
}

/// A JSON value of `depth` nested arrays, for the deep-nesting cases.
pub fn nested(depth: usize) -> String {
    let value: Value = json!(0);
    format!("{}{value}{}", "[".repeat(depth), "]".repeat(depth))
}
