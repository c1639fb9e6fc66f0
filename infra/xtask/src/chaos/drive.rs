//! The inputs of a chaos run and how each one's final outcome is recognised:
//! - movers created through the API with two addresses by users signed up for the
//!   run (about eight movers each, within the hourly limit), a share retried by the
//!   client with the same `Idempotency-Key` (done: both addresses settled and one
//!   verification email; duplicated: a retry naming another mover, or two emails);
//! - `address.received` published straight to the bus, a share delivered twice
//!   (done: one answer; duplicated: answers with different ids for one message);
//! - bookings of a mover of their own, through the booking saga (see [`super::bookings`]);
//! - garbage sent to the addressing queue (done: it lies in the DLQ).
use std::collections::{BTreeMap, HashMap, HashSet};

use futures::stream::{self, StreamExt};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use aws_sdk_sqs::types::MessageAttributeValue;
use platform::bus::{Outgoing, Publish, SnsPublisher, Topics};
use platform_messages::contracts::addressing::{AddressReceived, AddressSubmission, PostalAddress};
use platform_testkit::Probe;

use super::bookings::{self, Booking};
use super::email_causes::{self, SesEmail};
use serde_json::{Value, json};
use uuid::Uuid;

/// One input and what is known of it.
#[derive(Debug, Clone)]
pub enum Input {
    /// A mover created through the API.
    Mover { key: String, email: String, ids: Vec<String>, sent: bool },
    /// An `address.received` published to the bus.
    Address { id: Uuid },
    /// A booking of a mover of its own.
    Booking(Booking),
    /// A body that is no message, sent to the addressing queue.
    Garbage { marker: String },
}

/// What became of every input.
#[derive(Debug, Default)]
pub struct Tally {
    /// Inputs with their final outcome.
    pub completed: usize,
    /// Inputs without it.
    pub lost: Vec<String>,
    /// Effects seen twice.
    pub duplicated: Vec<String>,
    /// Why each address with more than one email got them (see [`email_causes`]).
    pub email_causes: Vec<String>,
    /// Per kind of input: completed of sent.
    pub by_kind: BTreeMap<&'static str, (usize, usize)>,
    /// How the bookings ended: the path (card and answer) and final status, counted.
    pub booking_ends: BTreeMap<String, usize>,
}

/// The bus, the API and the account a run drives.
pub struct Driver {
    pub http: reqwest::Client,
    pub api: String,
    pub endpoint: String,
    pub outputs: BTreeMap<String, String>,
    pub sqs: aws_sdk_sqs::Client,
    dynamo: aws_sdk_dynamodb::Client,
    pub publisher: SnsPublisher,
    /// The sandbox payment provider's ledger, to judge bookings by.
    pub payments: moves::payments::SandboxPayments,
    /// The system's token, to read every mover back.
    token: String,
    token_at: Instant,
    /// The tokens of the users creating this chunk's movers.
    users: Vec<String>,
    /// Movers seen with both addresses settled: final, so not read again.
    settled: HashSet<String>,
}

/// Inputs per chunk (the run sends chunk by chunk, with users of the chunk's own).
pub const CHUNK: usize = 100;
/// Users who create a chunk's movers (50 of them: about 8 each, well within the
/// hourly limit per account, with retries).
const USERS_PER_CHUNK: usize = 6;

fn address(line1: String) -> Value {
    json!({"line1": line1, "city": "Springfield", "state": "IL", "zip": "62701"})
}

impl Driver {
    /// A driver of the stack at `endpoint` with these outputs.
    pub async fn new(
        endpoint: &str,
        api: String,
        outputs: BTreeMap<String, String>,
        aws: &aws_config::SdkConfig,
    ) -> Result<Self> {
        let topics = Topics {
            events: outputs.get("EventsTopicArn").context("EventsTopicArn")?.clone(),
            tasks: outputs.get("TasksTopicArn").cloned(),
        };
        let payments = bookings::payments(aws, outputs.get("MovesTableName").context("MovesTableName")?);
        let mut driver = Self {
            http: reqwest::Client::new(),
            api,
            endpoint: endpoint.to_owned(),
            outputs,
            sqs: aws_sdk_sqs::Client::new(aws),
            dynamo: aws_sdk_dynamodb::Client::new(aws),
            publisher: SnsPublisher::new(aws_sdk_sns::Client::new(aws), topics),
            payments,
            token: String::new(),
            token_at: Instant::now(),
            users: Vec::new(),
            settled: HashSet::new(),
        };
        driver.login().await?;
        Ok(driver)
    }

    async fn login(&mut self) -> Result<()> {
        self.token = self.token_of("system@updater.local", "local-dev-password").await?;
        self.token_at = Instant::now();
        Ok(())
    }

    /// Logs `email` in, asking again while the faulted gateway fails.
    async fn token_of(&self, email: &str, password: &str) -> Result<String> {
        for attempt in 0..10 {
            let answer = self
                .http
                .post(format!("{}/auth/token", self.api))
                .json(&json!({"email": email, "password": password}))
                .send()
                .await;
            if let Ok(answer) = answer
                && answer.status().is_success()
            {
                let body: Value = answer.json().await?;
                return Ok(body["access_token"].as_str().context("no access_token")?.to_owned());
            }
            tokio::time::sleep(Duration::from_millis(200 * (attempt + 1))).await;
        }
        bail!("could not log {email} in")
    }

    /// Signs up the users who create the movers of chunk `chunk` (201, or 409 when
    /// a retried signup had gone through) and logs them in.
    pub async fn enroll(&mut self, seed: u64, chunk: usize) -> Result<()> {
        let mut users = Vec::new();
        for k in 0..USERS_PER_CHUNK {
            let email = format!("chaos-{seed}-{chunk}-{k}@example.com");
            let body = json!({"email": email, "password": "chaos-password", "name": format!("Chaos {chunk}.{k}")});
            for attempt in 0..10u64 {
                let answer = self.http.post(format!("{}/auth/signup", self.api)).json(&body).send().await;
                if answer.is_ok_and(|a| matches!(a.status().as_u16(), 201 | 409)) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200 * (attempt + 1))).await;
            }
            users.push(self.token_of(&email, "chaos-password").await?);
        }
        self.users = users;
        Ok(())
    }

    /// Logs in again when the token is getting old (it lives 15 minutes).
    pub async fn refresh(&mut self) -> Result<()> {
        if self.token_at.elapsed() > Duration::from_secs(600) {
            self.login().await?;
        }
        Ok(())
    }

    /// The system's token (it may read and book for every mover).
    pub fn system_token(&self) -> &str {
        &self.token
    }

    /// Sends input `i` of the run, as its kind says.
    pub async fn send(&self, seed: u64, i: usize) -> Result<Input> {
        Ok(match i % 10 {
            0..=3 => {
                let (key, email) = (format!("chaos-{seed}-{i}"), format!("chaos-{seed}-{i}@example.com"));
                let ids = self.create_mover(i, &key, &email, i % 4 == 1).await;
                Input::Mover { sent: !ids.is_empty(), key, email, ids }
            }
            4..=7 => self.address(seed, i, i % 10 == 7).await?,
            8 => {
                let (key, email) = (format!("chaos-{seed}-{i}"), format!("chaos-{seed}-{i}@example.com"));
                let ids = self.create_mover(i, &key, &email, false).await;
                Input::Booking(Booking::new(seed, i, ids.into_iter().next()))
            }
            _ => self.garbage(seed, i).await?,
        })
    }

    /// Moves every booking that is not done on by one step (see [`Driver::advance`]).
    pub async fn advance_all(&mut self, inputs: &mut [Input]) -> Result<()> {
        let mut open: Vec<&mut Booking> = inputs
            .iter_mut()
            .filter_map(|input| match input {
                Input::Booking(b) => Some(b),
                _ => None,
            })
            .collect();
        // In chunks, renewing the token between them (a pass can outlast it).
        for chunk in open.chunks_mut(64) {
            self.refresh().await?;
            let driver = &*self;
            stream::iter(chunk.iter_mut()).for_each_concurrent(8, |b| driver.advance(b)).await;
        }
        Ok(())
    }

    /// Creates a mover as a client would: retrying a failed request with the same key.
    /// Input `i`'s mover is created by one of its chunk's users; `retried` sends it
    /// twice. Returns the mover id of each accepted request.
    async fn create_mover(&self, i: usize, key: &str, email: &str, retried: bool) -> Vec<String> {
        let user = &self.users[(i % CHUNK) * self.users.len() / CHUNK];
        let n = 10_000 + (Uuid::new_v5(&Uuid::NAMESPACE_OID, key.as_bytes()).as_u128() % 80_000) as u32;
        let body = json!({"name": format!("Chaos {i}"), "email": email,
            "from_address": address(format!("{n} Old Road")), "to_address": address(format!("{n} New Street"))});
        let mut ids = Vec::new();
        for _ in 0..if retried { 2 } else { 1 } {
            for attempt in 0..8u64 {
                let answer = self
                    .http
                    .post(format!("{}/movers", self.api))
                    .bearer_auth(user)
                    .header("Idempotency-Key", key)
                    .json(&body)
                    .send()
                    .await;
                if let Ok(answer) = answer
                    && answer.status().as_u16() == 201
                    && let Ok(created) = answer.json::<Value>().await
                    && let Some(id) = created["id"].as_str()
                {
                    ids.push(id.to_owned());
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100 << attempt.min(5))).await;
            }
        }
        ids
    }

    async fn address(&self, seed: u64, i: usize, twice: bool) -> Result<Input> {
        let n = 10_000 + (i % 80_000) as u32;
        let submission = AddressSubmission {
            reference: format!("chaos-{seed}-{i}"),
            address: PostalAddress {
                line1: format!("{n} North Main Street"),
                line2: None,
                city: "Springfield".into(),
                state: "IL".into(),
                zip: "62701".into(),
            },
        };
        let message = Outgoing::new::<AddressReceived>(&submission)?;
        let id = message.envelope.id;
        let copies = if twice { 2 } else { 1 };
        for _ in 0..copies {
            self.publisher.publish(vec![message.clone()]).await?;
        }
        Ok(Input::Address { id })
    }

    async fn garbage(&self, seed: u64, i: usize) -> Result<Input> {
        let marker = format!("chaos-garbage-{seed}-{i}");
        let queue = self.outputs.get("AddressingQueueUrl").context("AddressingQueueUrl")?;
        let name = MessageAttributeValue::builder().data_type("String").string_value("address.received").build()?;
        self.sqs
            .send_message()
            .queue_url(queue)
            .message_body(format!("{{\"not an envelope\": \"{marker}\""))
            .message_attributes("name", name)
            .send()
            .await?;
        Ok(Input::Garbage { marker })
    }

    /// The emails (verification codes) each address got.
    async fn emails(&self) -> Result<HashMap<String, Vec<SesEmail>>> {
        let all: Value =
            self.http.get(format!("{}/_ministack/ses/messages", self.endpoint)).send().await?.json().await?;
        let mut emails: HashMap<String, Vec<SesEmail>> = HashMap::new();
        for message in all["messages"]
            .as_object()
            .into_iter()
            .flat_map(|a| a.values())
            .flat_map(|m| m.as_array().cloned().unwrap_or_default())
        {
            let message_id = message["MessageId"].as_str().unwrap_or_default().to_owned();
            for to in message["To"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                emails.entry(to.to_owned()).or_default().push(SesEmail { message_id: message_id.clone() });
            }
        }
        Ok(emails)
    }

    /// For each address with more than one email, the line that says why.
    async fn email_causes(&self, emails: &HashMap<String, Vec<SesEmail>>, twice: HashSet<String>) -> Vec<String> {
        if twice.is_empty() {
            return Vec::new();
        }
        let Some(table) = self.outputs.get("NotificationsTableName") else {
            return vec!["no NotificationsTableName output: the emails' causes are unknown".into()];
        };
        match email_causes::journal(&self.dynamo, table, &twice).await {
            Ok(journal) => twice
                .iter()
                .map(|to| email_causes::explain(to, &emails[to], journal.get(to).map_or(&[], Vec::as_slice)))
                .collect(),
            Err(e) => vec![format!("the notifications journal could not be read: {e:#}")],
        }
    }

    /// Whether both addresses of mover `id` are settled. The read goes through the
    /// faulted gateway too: a failed read is asked again, not taken for a lost mover.
    async fn mover_settled(&self, id: &str) -> bool {
        for attempt in 0..6u64 {
            let answer = self.http.get(format!("{}/movers/{id}", self.api)).bearer_auth(&self.token).send().await;
            if let Ok(answer) = answer
                && answer.status().is_success()
                && let Ok(mover) = answer.json::<Value>().await
            {
                return ["from_address", "to_address"]
                    .iter()
                    .all(|k| mover[k]["status"].as_str().is_some_and(|s| s != "pending"));
            }
            tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
        }
        false
    }

    /// Judges every input from what the system shows now.
    pub async fn tally(&mut self, inputs: &[Input], probe: &mut Probe, dead: &HashSet<String>) -> Result<Tally> {
        if self.token_at.elapsed() > Duration::from_secs(600) {
            self.login().await?;
        }
        while probe.poll().await? > 0 {}
        let mut answers: HashMap<String, HashSet<Uuid>> = HashMap::new();
        for r in probe.seen() {
            if let Some(cause) = &r.envelope.causation_id
                && r.envelope.name.as_str().starts_with("address.re")
            {
                answers.entry(cause.clone()).or_default().insert(r.envelope.id);
            }
        }
        let emails = self.emails().await?;
        let announced = bookings::announcements(probe.seen());
        let mut tally = Tally::default();
        let mut emailed_twice = HashSet::new();
        for input in inputs {
            // A pass over a large run outlasts a token (15 minutes): renew it as it goes,
            // or every later read is refused and retried as if the mover were unsettled.
            self.refresh().await?;
            let (kind, done, duplicate, label) = match input {
                Input::Mover { key, email, ids, sent } => {
                    let count = emails.get(email).map_or(0, Vec::len);
                    if count > 1 {
                        emailed_twice.insert(email.clone());
                    }
                    let distinct: HashSet<_> = ids.iter().collect();
                    let settled = *sent && (self.settled.contains(&ids[0]) || self.mover_settled(&ids[0]).await);
                    if settled {
                        self.settled.insert(ids[0].clone());
                    }
                    let label = format!("mover {key} ({count} emails, {} mover ids)", distinct.len());
                    ("mover", settled && count >= 1, count > 1 || distinct.len() > 1, label)
                }
                Input::Address { id } => {
                    let n = answers.get(&id.to_string()).map_or(0, HashSet::len);
                    ("address.received", n >= 1, n > 1, format!("address.received {id}"))
                }
                Input::Booking(b) => {
                    let (done, label, end) = self.judge(b).await;
                    *tally.booking_ends.entry(end).or_default() += 1;
                    let ids: HashSet<_> = b.ids.iter().collect();
                    let twice = b.ids.first().and_then(|id| announced.get(id)).is_some_and(|a| a.len() > 1);
                    ("booking", done, ids.len() > 1 || twice, label)
                }
                Input::Garbage { marker } => ("garbage", dead.contains(marker), false, format!("garbage {marker}")),
            };
            let entry = tally.by_kind.entry(kind).or_default();
            entry.1 += 1;
            if done {
                entry.0 += 1;
                tally.completed += 1;
            } else {
                tally.lost.push(label.clone());
            }
            if duplicate {
                tally.duplicated.push(label);
            }
        }
        tally.email_causes = self.email_causes(&emails, emailed_twice).await;
        Ok(tally)
    }
}
