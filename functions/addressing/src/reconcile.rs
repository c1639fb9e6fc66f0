//! Reconciliation: a normalized address maps to one stable `address_id`; every
//! caller reference seen for it is recorded in the address book (each an item of
//! its own, so an address used by thousands of callers stays small).
use async_trait::async_trait;
use platform::store::StoreError;
use platform_messages::contracts::addressing::{
    AddressReconciledData, AddressRejectedData, AddressSubmission, MAX_REFERENCE_CHARS, NormalizedAddress,
};
use platform_messages::ids::AddressId;
use sha2::{Digest, Sha256};

use crate::normalize::normalize;

/// The stable id of an address: a hash of the parts that identify a delivery point
/// (street, unit, state and ZIP5). The city is left out on purpose: USPS accepts
/// several city names for one ZIP, and they must not split one address in two.
pub fn address_id(address: &NormalizedAddress) -> AddressId {
    let zip5 = address.zip.split('-').next().unwrap_or_default();
    let mut hasher = Sha256::new();
    for part in [address.street.as_str(), address.unit.as_deref().unwrap_or(""), address.state.as_str(), zip5] {
        hasher.update(part.as_bytes());
        hasher.update([0x1f]);
    }
    AddressId::from(format!("adr_{}", &hex::encode(hasher.finalize())[..24]))
}

/// One caller's use of an address: what the address book records.
#[derive(Debug, Clone, Copy)]
pub struct AddressUse<'a> {
    /// The address's stable id (see [`address_id`]).
    pub address_id: &'a str,
    /// The address, normalized.
    pub address: &'a NormalizedAddress,
    /// The caller's reference for it.
    pub reference: &'a str,
    /// The message that submitted it.
    pub message_id: &'a str,
}

/// Where addresses and their references are kept (the service's table).
#[async_trait]
pub trait AddressBook: Send + Sync {
    /// Records the use's reference for its address, creating the address if new.
    /// Returns `true` when the address was created by the use's message (also when
    /// that message is retried).
    async fn record(&self, used: AddressUse<'_>) -> Result<bool, StoreError>;

    /// The address with `address_id`, if there is one.
    async fn find(&self, address_id: &str) -> Result<Option<NormalizedAddress>, StoreError>;
}

/// The answer to a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The address is valid and has an id.
    Reconciled(AddressReconciledData),
    /// The address cannot be valid.
    Rejected(AddressRejectedData),
}

/// Normalizes and records one submission.
pub async fn reconcile(
    book: &dyn AddressBook,
    message_id: &str,
    submission: AddressSubmission,
) -> Result<Outcome, StoreError> {
    if submission.reference.chars().count() > MAX_REFERENCE_CHARS {
        let reasons = vec![format!("ref is over {MAX_REFERENCE_CHARS} characters")];
        return Ok(Outcome::Rejected(AddressRejectedData { reference: submission.reference, reasons }));
    }
    let normalized = match normalize(&submission.address) {
        Ok(n) => n,
        Err(reasons) => {
            return Ok(Outcome::Rejected(AddressRejectedData { reference: submission.reference, reasons }));
        }
    };
    let id = address_id(&normalized);
    let used = AddressUse { address_id: &id, address: &normalized, reference: &submission.reference, message_id };
    let created = book.record(used).await?;
    Ok(Outcome::Reconciled(AddressReconciledData {
        address_id: id,
        reference: submission.reference,
        normalized,
        created,
    }))
}
