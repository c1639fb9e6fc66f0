//! Contracts owned by the moves service: the outcomes of the move-booking saga.
use crate::dates::CalendarDate;
use crate::ids::{BookingId, MoverId, UserId};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::Contract;
use crate::event;
use crate::names::MessageName;

/// Data of `move.booked`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MoveBookedData {
    /// The booking id (also the saga execution's name).
    pub booking_id: BookingId,
    /// The mover who moves.
    pub mover_id: MoverId,
    /// The user who owns the booking.
    pub owner_sub: UserId,
    /// Where to send news of the booking: the mover's email once its owner proved
    /// it (see `email.verified`); absent otherwise, and nothing is mailed.
    #[serde(default)]
    pub contact_email: Option<String>,
    /// Move date, `YYYY-MM-DD`.
    pub move_date: CalendarDate,
    /// People in the reserved crew.
    pub crew_size: u32,
    /// The deposit charged, in cents.
    pub deposit_cents: u64,
}

/// Data of `move.cancelled`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MoveCancelledData {
    /// The booking id.
    pub booking_id: BookingId,
    /// The mover who wanted to move.
    pub mover_id: MoverId,
    /// The user who owns the booking.
    pub owner_sub: UserId,
    /// Where to send news of the booking: the mover's email once its owner proved
    /// it (see `email.verified`); absent otherwise, and nothing is mailed.
    #[serde(default)]
    pub contact_email: Option<String>,
    /// Move date, `YYYY-MM-DD`.
    pub move_date: CalendarDate,
    /// The business error that ended the saga (`NoCrewAvailable`, `AddressRejected`,
    /// `PaymentDeclined`, `PaymentTimeout`, `ConfirmationCancelled`,
    /// `ConfirmationTimedOut`, ...).
    pub error: String,
    /// Why, in words.
    pub reason: String,
}

/// Event `move.booked`: a booking saga ended with the move booked.
pub struct MoveBooked;
impl Contract for MoveBooked {
    const NAME: MessageName = MessageName::Event(event!("move.booked"));
    type Data = MoveBookedData;
}

/// Event `move.cancelled`: a booking saga ended cancelled, every step compensated.
pub struct MoveCancelled;
impl Contract for MoveCancelled {
    const NAME: MessageName = MessageName::Event(event!("move.cancelled"));
    type Data = MoveCancelledData;
}
