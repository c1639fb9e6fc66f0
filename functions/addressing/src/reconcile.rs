//! Reconciliation: a normalized address maps to one stable `address_id`; every
//! caller reference seen for it is recorded in the address book (each an item of
//! its own, so an address used by thousands of callers stays small).
use async_trait::async_trait;
use platform::store::StoreError;
use platform_messages::contracts::addressing::{
    AddressReconciledData, AddressRejectedData, AddressSubmission, MAX_REFERENCE_CHARS, NormalizedAddress,
};
use sha2::{Digest, Sha256};

use crate::normalize::normalize;

/// The stable id of an address: a hash of the parts that identify a delivery point
/// (street, unit, state and ZIP5). The city is left out on purpose: USPS accepts
/// several city names for one ZIP, and they must not split one address in two.
pub fn address_id(address: &NormalizedAddress) -> String {
    let zip5 = address.zip.split('-').next().unwrap_or_default();
    let mut hasher = Sha256::new();
    for part in [address.street.as_str(), address.unit.as_deref().unwrap_or(""), address.state.as_str(), zip5] {
        hasher.update(part.as_bytes());
        hasher.update([0x1f]);
    }
    format!("adr_{}", &hex::encode(hasher.finalize())[..24])
}

/// Where addresses and their references are kept (the service's table).
#[async_trait]
pub trait AddressBook: Send + Sync {
    /// Records `reference` for the address, creating it if new. Returns `true` when
    /// the address was created by `message_id` (also when that message is retried).
    async fn record(
        &self,
        address_id: &str,
        address: &NormalizedAddress,
        reference: &str,
        message_id: &str,
    ) -> Result<bool, StoreError>;
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
    let created = book.record(&id, &normalized, &submission.reference, message_id).await?;
    Ok(Outcome::Reconciled(AddressReconciledData {
        address_id: id,
        reference: submission.reference,
        normalized,
        created,
    }))
}
