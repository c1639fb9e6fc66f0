//! Contracts owned by the addressing service.
use crate::ids::AddressId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::Contract;
use crate::names::MessageName;
use crate::{event, task};

pub use super::MAX_REFERENCE_CHARS;
/// The most characters of an address's first and second lines.
pub const MAX_ADDRESS_LINE_CHARS: usize = 100;
/// The most characters of an address's city.
pub const MAX_CITY_CHARS: usize = 60;
/// The most characters of an address's state (a code or its name).
pub const MAX_STATE_CHARS: usize = 40;
/// The most characters of an address's ZIP code.
pub const MAX_ZIP_CHARS: usize = 16;

/// A postal address as a caller submitted it. Missing parts are empty strings, so
/// that the service can reject them as a business outcome rather than as bad input;
/// so is a part over its maximum length.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct PostalAddress {
    /// Street line: number, street name, suffix, maybe a unit.
    #[serde(default)]
    #[schemars(length(max = 100))]
    pub line1: String,
    /// Secondary line (apartment, suite, …), if any.
    #[serde(default)]
    #[schemars(length(max = 100))]
    pub line2: Option<String>,
    /// City.
    #[serde(default)]
    #[schemars(length(max = 60))]
    pub city: String,
    /// State: two-letter code or full name.
    #[serde(default)]
    #[schemars(length(max = 40))]
    pub state: String,
    /// ZIP or ZIP+4.
    #[serde(default)]
    #[schemars(length(max = 16))]
    pub zip: String,
}

impl PostalAddress {
    /// Each part over its maximum, as `(part, maximum)`.
    pub fn oversized(&self) -> Vec<(&'static str, usize)> {
        let parts = [
            ("line1", Some(&self.line1), MAX_ADDRESS_LINE_CHARS),
            ("line2", self.line2.as_ref(), MAX_ADDRESS_LINE_CHARS),
            ("city", Some(&self.city), MAX_CITY_CHARS),
            ("state", Some(&self.state), MAX_STATE_CHARS),
            ("zip", Some(&self.zip), MAX_ZIP_CHARS),
        ];
        parts
            .into_iter()
            .filter(|(_, value, max)| value.is_some_and(|v| v.chars().count() > *max))
            .map(|(part, _, max)| (part, max))
            .collect()
    }
}

/// Data of `address.received` and `addressing.address.reconcile`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AddressSubmission {
    /// The caller's reference, echoed in the answer (at most 256 characters; a
    /// longer one is answered `address.rejected`).
    #[serde(rename = "ref")]
    #[schemars(length(max = 256))]
    pub reference: String,
    /// The address to reconcile.
    pub address: PostalAddress,
}

/// An address in USPS Publication 28 style.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct NormalizedAddress {
    /// Primary number, predirectional, street name, suffix, postdirectional.
    pub street: String,
    /// Secondary unit designator and number, e.g. `APT 4B`.
    pub unit: Option<String>,
    /// City, upper case.
    pub city: String,
    /// Two-letter state code.
    pub state: String,
    /// `12345` or `12345-6789`.
    pub zip: String,
}

/// Data of `address.reconciled`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AddressReconciledData {
    /// The stable id of the normalized address.
    pub address_id: AddressId,
    /// The caller's reference.
    #[serde(rename = "ref")]
    pub reference: String,
    /// The normalized address.
    pub normalized: NormalizedAddress,
    /// Whether this delivery created the address record.
    pub created: bool,
}

/// Data of `address.rejected`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AddressRejectedData {
    /// The caller's reference.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Why the address cannot be valid, one reason per problem.
    pub reasons: Vec<String>,
}

/// Event `address.received`: someone submitted an address.
pub struct AddressReceived;
impl Contract for AddressReceived {
    const NAME: MessageName = MessageName::Event(event!("address.received"));
    type Data = AddressSubmission;
}

/// Task `addressing.address.reconcile`: reconcile this address. A saga step waiting
/// for the answer (its `task_token`) succeeds with the reconciled address, or fails
/// with [`RECONCILE_REJECTED_ERROR`].
pub struct ReconcileAddress;

/// The error a waiting saga step fails with when its address is rejected.
pub const RECONCILE_REJECTED_ERROR: &str = "AddressRejected";
impl Contract for ReconcileAddress {
    const NAME: MessageName = MessageName::Task(task!("addressing.address.reconcile"));
    type Data = AddressSubmission;
}

/// Event `address.reconciled`.
pub struct AddressReconciled;
impl Contract for AddressReconciled {
    const NAME: MessageName = MessageName::Event(event!("address.reconciled"));
    type Data = AddressReconciledData;
}

/// Event `address.rejected`.
pub struct AddressRejected;
impl Contract for AddressRejected {
    const NAME: MessageName = MessageName::Event(event!("address.rejected"));
    type Data = AddressRejectedData;
}

/// Data of `addressing.address.get`: look an address up by its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetAddressData {
    /// The caller's reference, echoed in the answer.
    #[serde(rename = "ref")]
    pub reference: String,
    /// The address id (`adr_...`) to look up.
    pub address_id: String,
}

/// Task `addressing.address.get`: answered with `address.retrieved`.
pub struct GetAddress;
impl Contract for GetAddress {
    const NAME: MessageName = MessageName::Task(task!("addressing.address.get"));
    type Data = GetAddressData;
}

/// Data of `address.retrieved`: the answer to `addressing.address.get`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AddressRetrievedData {
    /// The caller's reference, from the task.
    #[serde(rename = "ref")]
    pub reference: String,
    /// The id looked up.
    pub address_id: String,
    /// Whether an address has that id.
    pub found: bool,
    /// The address, when found; `null` otherwise.
    pub normalized: Option<NormalizedAddress>,
}

/// Event `address.retrieved`.
pub struct AddressRetrieved;
impl Contract for AddressRetrieved {
    const NAME: MessageName = MessageName::Event(event!("address.retrieved"));
    type Data = AddressRetrievedData;
}
