//! Bookings in a chaos run: a mover created through the API for each, then booked,
//! and answered when its saga waits, as a client would, all through the faulted
//! gateway and a faulted saga (its step functions see the same faults).
//! - Booked as the system (which may book for any mover) with the input's own
//!   `Idempotency-Key`; a share sent twice, and the second answer must name the same
//!   booking. A booking is tried again on every pass of the driver until the moves
//!   service knows its mover and the gateway answers.
//! - The card decides the path: `tok_visa` reaches the customer's answer (confirm,
//!   or a share cancelled), `tok_decline` is declined, `tok_timeout` is charged but
//!   answers too late (its charge must be refunded).
//! - Done when the booking's final status and the sandbox provider's ledger agree
//!   with the path: booked with the deposit captured once, or cancelled with nothing
//!   kept. Duplicated when one key named two bookings, or a booking was announced
//!   (`move.booked`, `move.cancelled`) under two message ids.
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use moves::booking::{BookingStatus, BookingView};
use moves::payments::{ChargeStatus, SandboxPayments};
use platform::store::Table;
use platform_testkit::Received;
use serde_json::{Value, json};
use uuid::Uuid;

use super::drive::Driver;

/// The test card a booking pays with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Card {
    /// Charged.
    Visa,
    /// Declined.
    Decline,
    /// Charged, but the answer comes too late.
    Timeout,
}

impl Card {
    fn token(self) -> &'static str {
        match self {
            Card::Visa => "tok_visa",
            Card::Decline => "tok_decline",
            Card::Timeout => "tok_timeout",
        }
    }
}

/// The customer's answer when the saga waits for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Confirm,
    Cancel,
}

/// One booking input and what the driver knows of it.
#[derive(Debug, Clone)]
pub struct Booking {
    /// The client's `Idempotency-Key`.
    pub key: String,
    /// The mover booked for (`None`: it could not be created).
    pub mover: Option<String>,
    pub card: Card,
    pub answer: Answer,
    /// Whether the client sends the booking twice.
    pub twice: bool,
    /// The booking ids the gateway answered, one per accepted request.
    pub ids: Vec<String>,
    /// The move date (a date of its own, so that crew capacity never refuses it).
    pub date: String,
    /// Seen in a final status: the driver leaves it alone (the verdict reads it again).
    pub ended: bool,
}

impl Booking {
    /// Booking input `i` of a run, for mover `mover`.
    pub fn new(seed: u64, i: usize, mover: Option<String>) -> Self {
        let decade = i / 10;
        let card = match decade % 10 {
            0 => Card::Decline,
            5 => Card::Timeout,
            _ => Card::Visa,
        };
        let answer = if decade % 4 == 3 { Answer::Cancel } else { Answer::Confirm };
        // Distinct for every i below 268,800: year, month and day each from i.
        let date = format!("{}-{:02}-{:02}", 2100 + (i / 336) % 800, 1 + (i / 28) % 12, 1 + i % 28);
        Self {
            key: format!("chaos-{seed}-{i}-booking"),
            mover,
            card,
            answer,
            twice: decade % 3 == 1,
            ids: vec![],
            date,
            ended: false,
        }
    }

    /// The final status and sandbox charge status this booking must end with.
    fn expected(&self) -> (BookingStatus, Option<ChargeStatus>) {
        match (self.card, self.answer) {
            (Card::Visa, Answer::Confirm) => (BookingStatus::Booked, Some(ChargeStatus::Captured)),
            (Card::Visa, Answer::Cancel) | (Card::Timeout, _) => {
                (BookingStatus::Cancelled, Some(ChargeStatus::Refunded))
            }
            (Card::Decline, _) => (BookingStatus::Cancelled, None),
        }
    }
}

/// How many times the verdict reads a booking before it counts as unreadable.
const VERDICT_READS: usize = 5;

/// The sandbox payment provider's ledger of the run's stack.
pub fn payments(aws: &aws_config::SdkConfig, table: &str) -> SandboxPayments {
    SandboxPayments::new(Table::new(aws_sdk_dynamodb::Client::new(aws), table), Duration::ZERO)
}

/// The message ids each booking was announced under (`move.booked`, `move.cancelled`).
pub fn announcements(seen: &[Received]) -> HashMap<String, HashSet<Uuid>> {
    let mut by_booking: HashMap<String, HashSet<Uuid>> = HashMap::new();
    for r in seen.iter().filter(|r| matches!(r.envelope.name.as_str(), "move.booked" | "move.cancelled")) {
        if let Some(id) = r.envelope.data["booking_id"].as_str() {
            by_booking.entry(id.to_owned()).or_default().insert(r.envelope.id);
        }
    }
    by_booking
}

impl Driver {
    /// `POST /moves` once; the booking id when the gateway accepted it.
    async fn book(&self, b: &Booking, mover: &str) -> Option<String> {
        let body = json!({"mover_id": mover, "move_date": b.date, "crew_size": 2,
                          "deposit": {"card_token": b.card.token()}});
        let answer = self
            .http
            .post(format!("{}/moves", self.api))
            .bearer_auth(self.system_token())
            .header("Idempotency-Key", &b.key)
            .json(&body)
            .send()
            .await
            .ok()?;
        if answer.status().as_u16() != 202 {
            return None;
        }
        let accepted: Value = answer.json().await.ok()?;
        accepted["booking_id"].as_str().map(str::to_owned)
    }

    /// The booking as the gateway shows it now (`None` when it cannot be read).
    async fn booking(&self, id: &str) -> Option<BookingView> {
        let answer =
            self.http.get(format!("{}/moves/{id}", self.api)).bearer_auth(self.system_token()).send().await.ok()?;
        if !answer.status().is_success() {
            return None;
        }
        answer.json().await.ok()
    }

    /// The booking for the verdict, read as a client would through the faulted
    /// gateway: a read that meets an injected fault (a 5xx) is tried again, a few
    /// times, before the booking counts as unreadable. A run lost a booking to one
    /// failed read after all 200 inputs were done.
    async fn settled_read(&self, id: &str) -> Option<BookingView> {
        for _ in 0..VERDICT_READS - 1 {
            if let Some(view) = self.booking(id).await {
                return Some(view);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        self.booking(id).await
    }

    /// Moves a booking one step on: books it until the gateway accepts (twice when
    /// the client sends it twice), then answers while its saga waits for the customer.
    pub async fn advance(&self, b: &mut Booking) {
        let Some(mover) = b.mover.clone().filter(|_| !b.ended) else { return };
        if b.ids.is_empty() {
            if let Some(id) = self.book(b, &mover).await {
                b.ids.push(id);
                if b.twice
                    && let Some(again) = self.book(b, &mover).await
                {
                    b.ids.push(again);
                }
            }
            return;
        }
        let Some(view) = self.booking(&b.ids[0]).await else { return };
        b.ended = !matches!(view.status, BookingStatus::Pending | BookingStatus::AwaitingConfirmation);
        if view.status == BookingStatus::AwaitingConfirmation {
            let verb = if b.answer == Answer::Confirm { "confirm" } else { "cancel" };
            // A 409 means the saga already has an answer (a retry after a lost 202).
            let _ = self
                .http
                .post(format!("{}/moves/{}/{verb}", self.api, b.ids[0]))
                .bearer_auth(self.system_token())
                .send()
                .await;
        }
    }

    /// Whether booking `b` ended as its path says, a label that names it and how
    /// it ended, and its path and end (`Visa, confirm → booked, charge captured`).
    pub async fn judge(&self, b: &Booking) -> (bool, String, String) {
        let path = format!("{:?}, {}", b.card, if b.answer == Answer::Confirm { "confirm" } else { "cancel" });
        let Some(id) = b.ids.first() else {
            let why = if b.mover.is_some() { "never accepted" } else { "no mover" };
            return (false, format!("booking {} ({why})", b.key), format!("{path} → {why}"));
        };
        let (status, charge_status) = b.expected();
        let Some(view) = self.settled_read(id).await else {
            return (false, format!("booking {id} (unreadable)"), format!("{path} → unreadable"));
        };
        let charge = match self.payments.charge_of(id).await {
            Ok(charge) => charge,
            Err(e) => return (false, format!("booking {id} (ledger unreadable: {e})"), format!("{path} → unreadable")),
        };
        let charged = charge.as_ref().map(|c| c.status);
        let amount_right = charge.as_ref().is_none_or(|c| c.amount_cents == view.deposit_cents);
        let done = view.status == status && charged == charge_status && amount_right;
        let charged = charged.map_or("none", ChargeStatus::as_str);
        let end = format!("{path} → {}, charge {charged}", view.status.as_str());
        (done, format!("booking {id} ({end})"), end)
    }
}
