//! Bookings in the moves table: created once per booking id, then edited by the
//! saga's steps with optimistic concurrency.
use platform::store::{Key, StoreError, Table, Versioned};

use crate::booking::Booking;

/// The result of creating a booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// A new booking was stored.
    New(Booking),
    /// A booking with that id existed already (a replayed request).
    Existing(Booking),
}

/// The bookings of the moves table.
#[derive(Clone, Debug)]
pub struct BookingStore {
    table: Table,
}

fn key(booking_id: &str) -> Key {
    Key::new(format!("BOOKING#{booking_id}"), "BOOKING")
}

impl BookingStore {
    /// Bookings in `table`.
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    /// Stores `booking` unless its id exists; then returns the stored one.
    pub async fn create(&self, booking: &Booking) -> Result<Created, StoreError> {
        match self.table.insert(&key(&booking.booking_id), booking).await {
            Ok(_) => Ok(Created::New(booking.clone())),
            Err(StoreError::Conflict(_)) => match self.get(&booking.booking_id).await? {
                Some(existing) => Ok(Created::Existing(existing)),
                None => Err(StoreError::Conflict(format!("booking {} vanished", booking.booking_id))),
            },
            Err(e) => Err(e),
        }
    }

    /// Reads a booking.
    pub async fn get(&self, booking_id: &str) -> Result<Option<Booking>, StoreError> {
        Ok(self.table.get::<Booking>(&key(booking_id)).await?.map(|v| v.value))
    }

    /// Edits a booking (see [`Table::modify`]); `None` when there is no such booking.
    pub async fn modify<F>(&self, booking_id: &str, change: F) -> Result<Option<Booking>, StoreError>
    where
        F: FnMut(&mut Booking) -> bool,
    {
        Ok(self.table.modify(&key(booking_id), change).await?.map(|v: Versioned<Booking>| v.value))
    }
}
