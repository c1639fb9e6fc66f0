//! Contracts owned by the movers service.
use crate::dates::CalendarDate;
use crate::ids::{AddressId, MoverId, UserId};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::Contract;
use crate::contracts::addressing::{NormalizedAddress, PostalAddress};
use crate::names::MessageName;
use crate::{event, task};

/// Where the addressing service's answer about an address stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AddressStatus {
    /// Submitted; no answer yet.
    Pending,
    /// Reconciled to a normalized address.
    Reconciled,
    /// Rejected, with reasons.
    Rejected,
}

impl AddressStatus {
    /// The name the wire writes.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressStatus::Pending => "pending",
            AddressStatus::Reconciled => "reconciled",
            AddressStatus::Rejected => "rejected",
        }
    }
}

/// Where one of a mover's addresses stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AddressState {
    /// Where the answer stands.
    pub status: AddressStatus,
    /// The address as submitted.
    pub submitted: PostalAddress,
    /// The addressing service's id, once reconciled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_id: Option<AddressId>,
    /// The normalized address, once reconciled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalized: Option<NormalizedAddress>,
    /// Why it was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasons: Option<Vec<String>>,
}

/// A mover as the movers service publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MoverView {
    /// Mover id.
    pub id: MoverId,
    /// Version, +1 per change.
    pub version: u64,
    /// The `sub` of the user who owns the record.
    pub owner_sub: UserId,
    /// Name.
    pub name: String,
    /// Email (absent when redacted).
    pub email: Option<String>,
    /// Whether the email's owner proved control of it (a verification code sent to
    /// it was confirmed); nothing but that code is ever mailed to an unproven address.
    #[serde(default)]
    pub email_verified: bool,
    /// Phone (absent when not given or redacted).
    pub phone: Option<String>,
    /// Move date.
    pub move_date: Option<CalendarDate>,
    /// The address moved from.
    pub from_address: Option<AddressState>,
    /// The address moved to.
    pub to_address: Option<AddressState>,
}

/// Data of `movers.mover.create`: a mover to create on behalf of `owner_sub`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMoverData {
    /// The user who will own the record.
    pub owner_sub: UserId,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Move date, `YYYY-MM-DD`.
    #[serde(default)]
    pub move_date: Option<String>,
    /// The address moved from.
    #[serde(default)]
    pub from_address: Option<PostalAddress>,
    /// The address moved to.
    #[serde(default)]
    pub to_address: Option<PostalAddress>,
}

/// Event `mover.created`.
pub struct MoverCreated;
impl Contract for MoverCreated {
    const NAME: MessageName = MessageName::Event(event!("mover.created"));
    type Data = MoverView;
}

/// Event `mover.updated` (the mover at its new version).
pub struct MoverUpdated;
impl Contract for MoverUpdated {
    const NAME: MessageName = MessageName::Event(event!("mover.updated"));
    type Data = MoverView;
}

/// Task `movers.mover.create`.
pub struct CreateMover;
impl Contract for CreateMover {
    const NAME: MessageName = MessageName::Task(task!("movers.mover.create"));
    type Data = CreateMoverData;
}

/// Data of `email_verification.requested`: a one-time code for the owner of `email`
/// to prove control of it. The email sent carries the code and fixed text only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EmailVerificationRequestedData {
    /// The mover whose email it is.
    pub mover_id: MoverId,
    /// The address to prove.
    pub email: String,
    /// The one-time code (six digits).
    pub code: String,
    /// When the code stops working, RFC 3339.
    pub expires_at: String,
}

/// Event `email_verification.requested`.
pub struct EmailVerificationRequested;
impl Contract for EmailVerificationRequested {
    const NAME: MessageName = MessageName::Event(event!("email_verification.requested"));
    type Data = EmailVerificationRequestedData;
}

/// Data of `email.verified`: the owner of `email` proved control of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EmailVerifiedData {
    /// The mover whose email it is.
    pub mover_id: MoverId,
    /// The proven address.
    pub email: String,
    /// The mover's name (for the welcome email's body, never its subject).
    pub name: String,
}

/// Event `email.verified`.
pub struct EmailVerified;
impl Contract for EmailVerified {
    const NAME: MessageName = MessageName::Event(event!("email.verified"));
    type Data = EmailVerifiedData;
}
