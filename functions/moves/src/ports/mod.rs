//! The ports the saga's steps are written against: bookings, the crew ledger and
//! the movers projection (payments are [`PaymentProvider`](crate::payments::PaymentProvider),
//! the bus `platform::bus::Publish`, waiting states `platform::saga::TaskCallbacks`).
//! The DynamoDB adapters are [`BookingStore`], [`CrewCapacity`] and
//! [`MoverDirectory`]; in-memory ones (the `testing` feature) serve the steps' unit
//! tests.
use async_trait::async_trait;
use platform::store::StoreError;
use platform_messages::contracts::movers::MoverView;

use crate::booking::Booking;
use crate::booking_store::BookingStore;
use crate::capacity::CrewCapacity;
use crate::error::MovesError;
use crate::mover_directory::MoverDirectory;

#[cfg(any(test, feature = "testing"))]
pub mod memory;

/// The bookings the saga keeps current.
#[async_trait]
pub trait Bookings: Send + Sync {
    /// Reads a booking.
    async fn get(&self, booking_id: &str) -> Result<Option<Booking>, StoreError>;
    /// Edits a booking with `change` (which says whether it changed anything),
    /// atomically; `None` when there is no such booking.
    async fn modify<F>(&self, booking_id: &str, change: F) -> Result<Option<Booking>, StoreError>
    where
        F: FnMut(&mut Booking) -> bool + Send;
}

/// The crew members each date has, and which bookings hold them.
#[async_trait]
pub trait CrewLedger: Send + Sync {
    /// Holds `wanted` crew members on `date` for `booking_id`; holding again changes nothing.
    async fn reserve(&self, date: &str, booking_id: &str, wanted: u32) -> Result<(), MovesError>;
    /// Lets go of what `booking_id` holds on `date`; whether it held anything.
    async fn release(&self, date: &str, booking_id: &str) -> Result<bool, StoreError>;
}

/// The movers as the moves service knows them (from `mover.created`/`mover.updated`).
#[async_trait]
pub trait MoverLookup: Send + Sync {
    /// A mover, if known.
    async fn mover(&self, mover_id: &str) -> Result<Option<MoverView>, StoreError>;
}

#[async_trait]
impl Bookings for BookingStore {
    async fn get(&self, booking_id: &str) -> Result<Option<Booking>, StoreError> {
        BookingStore::get(self, booking_id).await
    }

    async fn modify<F>(&self, booking_id: &str, change: F) -> Result<Option<Booking>, StoreError>
    where
        F: FnMut(&mut Booking) -> bool + Send,
    {
        BookingStore::modify(self, booking_id, change).await
    }
}

#[async_trait]
impl CrewLedger for CrewCapacity {
    async fn reserve(&self, date: &str, booking_id: &str, wanted: u32) -> Result<(), MovesError> {
        CrewCapacity::reserve(self, date, booking_id, wanted).await
    }

    async fn release(&self, date: &str, booking_id: &str) -> Result<bool, StoreError> {
        CrewCapacity::release(self, date, booking_id).await
    }
}

#[async_trait]
impl MoverLookup for MoverDirectory {
    async fn mover(&self, mover_id: &str) -> Result<Option<MoverView>, StoreError> {
        self.get(mover_id).await
    }
}
