//! Bookings in the moves table: created once per booking id, then edited by the
//! saga's steps with optimistic concurrency. While a booking is open (pending or
//! awaiting confirmation) its item carries `open_owner`, so that the sparse index
//! `by_open_owner` counts an owner's open bookings; every write keeps it true.
use aws_sdk_dynamodb::types::{AttributeValue, Select};
use platform::store::{Key, StoreError, Table, Versioned};
use platform_messages::ids::UserId;
use serde::{Deserialize, Serialize};

use crate::booking::{Booking, BookingStatus};

/// The most open bookings one owner may hold at once.
pub const MAX_OPEN_BOOKINGS: usize = 3;

/// A booking as stored: the booking and, while it is open, its owner under `open_owner`.
#[derive(Serialize, Deserialize)]
struct BookingItem {
    #[serde(flatten)]
    booking: Booking,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    open_owner: Option<UserId>,
}

impl BookingItem {
    fn of(booking: &Booking) -> Self {
        let open = matches!(booking.status, BookingStatus::Pending | BookingStatus::AwaitingConfirmation);
        Self { booking: booking.clone(), open_owner: open.then(|| booking.owner_sub.clone()) }
    }
}

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
        match self.table.insert(&key(&booking.booking_id), &BookingItem::of(booking)).await {
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
        Ok(self.table.get::<BookingItem>(&key(booking_id)).await?.map(|v| v.value.booking))
    }

    /// How many open bookings `owner` holds (at most `MAX_OPEN_BOOKINGS + 1` are counted).
    pub async fn open_of(&self, owner: &str) -> Result<usize, StoreError> {
        let out = self
            .table
            .client()
            .query()
            .table_name(self.table.name())
            .index_name("by_open_owner")
            .key_condition_expression("open_owner = :owner")
            .expression_attribute_values(":owner", AttributeValue::S(owner.to_owned()))
            .select(Select::Count)
            .limit(MAX_OPEN_BOOKINGS as i32 + 1)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk(e, "count open bookings"))?;
        Ok(usize::try_from(out.count()).unwrap_or(0))
    }

    /// Edits a booking (see [`Table::modify`]); `None` when there is no such booking.
    pub async fn modify<F>(&self, booking_id: &str, mut change: F) -> Result<Option<Booking>, StoreError>
    where
        F: FnMut(&mut Booking) -> bool,
    {
        let stored = self
            .table
            .modify(&key(booking_id), |item: &mut BookingItem| {
                let changed = change(&mut item.booking);
                *item = BookingItem::of(&item.booking);
                changed
            })
            .await?;
        Ok(stored.map(|v: Versioned<BookingItem>| v.value.booking))
    }
}
