//! In-memory adapters of the saga's ports, with the DynamoDB adapters' rules
//! (conditional edits, one hold per booking and date, one charge per booking), for
//! the steps' unit tests (the `testing` feature; never in a production build).
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use platform::store::StoreError;
use platform_messages::contracts::movers::MoverView;

use super::{Bookings, CrewLedger, MoverLookup};
use crate::booking::Booking;
use crate::error::MovesError;
use crate::payments::{Charge, ChargeStatus, PaymentProvider, Refund};

fn poisoned(e: impl std::fmt::Display) -> StoreError {
    StoreError::backend(e.to_string())
}

/// Bookings in memory; the next edits can be told to fail (a throttled table).
#[derive(Debug, Default)]
pub struct MemoryBookings {
    all: Mutex<HashMap<String, Booking>>,
    failing_edits: AtomicUsize,
}

impl MemoryBookings {
    /// Stores `booking` as it is.
    pub fn put(&self, booking: Booking) {
        self.all.lock().expect("bookings").insert(booking.booking_id.to_string(), booking);
    }

    /// Makes the next `edits` calls of `modify` fail, changing nothing.
    pub fn fail_next_edits(&self, edits: usize) {
        self.failing_edits.store(edits, Ordering::SeqCst);
    }
}

#[async_trait]
impl Bookings for MemoryBookings {
    async fn get(&self, booking_id: &str) -> Result<Option<Booking>, StoreError> {
        Ok(self.all.lock().map_err(poisoned)?.get(booking_id).cloned())
    }

    async fn modify<F>(&self, booking_id: &str, mut change: F) -> Result<Option<Booking>, StoreError>
    where
        F: FnMut(&mut Booking) -> bool + Send,
    {
        if self.failing_edits.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
            return Err(StoreError::backend("throttled (MemoryBookings told to fail)"));
        }
        let mut all = self.all.lock().map_err(poisoned)?;
        let Some(stored) = all.get_mut(booking_id) else { return Ok(None) };
        let mut edited = stored.clone();
        if change(&mut edited) {
            *stored = edited.clone();
        }
        Ok(Some(stored.clone()))
    }
}

/// Crew per date in memory: `capacity` crew members a date, booking id → held.
#[derive(Debug)]
pub struct MemoryCrew {
    capacity: u32,
    dates: Mutex<HashMap<String, BTreeMap<String, u32>>>,
}

impl MemoryCrew {
    /// Every date with `capacity` crew members.
    pub fn new(capacity: u32) -> Self {
        Self { capacity, dates: Mutex::default() }
    }

    /// What each booking holds on `date`.
    pub fn holders(&self, date: &str) -> BTreeMap<String, u32> {
        self.dates.lock().expect("crew").get(date).cloned().unwrap_or_default()
    }
}

#[async_trait]
impl CrewLedger for MemoryCrew {
    async fn reserve(&self, date: &str, booking_id: &str, wanted: u32) -> Result<(), MovesError> {
        let mut dates = self.dates.lock().map_err(poisoned)?;
        let holders = dates.entry(date.to_owned()).or_default();
        if holders.contains_key(booking_id) {
            return Ok(());
        }
        let reserved: u32 = holders.values().sum();
        if reserved + wanted > self.capacity {
            return Err(MovesError::NoCrew { date: date.to_owned(), wanted, reserved, capacity: self.capacity });
        }
        holders.insert(booking_id.to_owned(), wanted);
        Ok(())
    }

    async fn release(&self, date: &str, booking_id: &str) -> Result<bool, StoreError> {
        let mut dates = self.dates.lock().map_err(poisoned)?;
        Ok(dates.get_mut(date).is_some_and(|holders| holders.remove(booking_id).is_some()))
    }
}

/// Movers in memory.
#[derive(Debug, Default)]
pub struct MemoryMovers(Mutex<HashMap<String, MoverView>>);

impl MemoryMovers {
    /// Knows `mover`.
    pub fn put(&self, mover: MoverView) {
        self.0.lock().expect("movers").insert(mover.id.to_string(), mover);
    }
}

#[async_trait]
impl MoverLookup for MemoryMovers {
    async fn mover(&self, mover_id: &str) -> Result<Option<MoverView>, StoreError> {
        Ok(self.0.lock().map_err(poisoned)?.get(mover_id).cloned())
    }
}

/// A payment provider in memory: every charge succeeds, once per key, unless told
/// how the next one fails ([`MemoryPayments::fail_next`]).
#[derive(Debug, Default)]
pub struct MemoryPayments {
    charges: Mutex<HashMap<String, Charge>>,
    next_failure: Mutex<Option<MovesError>>,
    charge_calls: Mutex<usize>,
}

impl MemoryPayments {
    /// The next charge fails with `error`; a `Timeout` captures the charge first
    /// (the ambiguous case a refund must cover).
    pub fn fail_next(&self, error: MovesError) {
        *self.next_failure.lock().expect("payments") = Some(error);
    }

    /// The charge of a key, as the provider's dashboard shows it.
    pub fn charge_of(&self, key: &str) -> Option<Charge> {
        self.charges.lock().expect("payments").get(key).cloned()
    }

    /// How many times a charge was asked for.
    pub fn charge_calls(&self) -> usize {
        *self.charge_calls.lock().expect("payments")
    }

    fn capture(&self, key: &str, amount_cents: u64, card_token: &str) -> Charge {
        let mut charges = self.charges.lock().expect("payments");
        charges
            .entry(key.to_owned())
            .or_insert_with(|| Charge {
                charge_id: format!("ch_{key}"),
                amount_cents,
                status: ChargeStatus::Captured,
                card_token: card_token.to_owned(),
                charged_at: "2026-11-27T10:00:00Z".into(),
                refunded_at: None,
            })
            .clone()
    }
}

#[async_trait]
impl PaymentProvider for MemoryPayments {
    async fn charge(&self, key: &str, amount_cents: u64, card_token: &str) -> Result<Charge, MovesError> {
        *self.charge_calls.lock().expect("payments") += 1;
        match self.next_failure.lock().expect("payments").take() {
            Some(e @ MovesError::PaymentTimeout(_)) => {
                self.capture(key, amount_cents, card_token);
                Err(e)
            }
            Some(e) => Err(e),
            None => Ok(self.capture(key, amount_cents, card_token)),
        }
    }

    async fn refund(&self, key: &str) -> Result<Refund, MovesError> {
        let mut charges = self.charges.lock().expect("payments");
        Ok(match charges.get_mut(key) {
            None => Refund::NothingCharged,
            Some(c) if c.status == ChargeStatus::Refunded => Refund::AlreadyRefunded,
            Some(c) => {
                c.status = ChargeStatus::Refunded;
                c.refunded_at = Some("2026-11-27T10:05:00Z".into());
                Refund::Refunded
            }
        })
    }
}
