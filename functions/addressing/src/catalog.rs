//! What the addressing service consumes and publishes. The template's subscription
//! filter must list exactly the consumed events (checked by `cargo xtask test`).
use platform_messages::contracts::addressing::{
    AddressReceived, AddressReconciled, AddressRejected, AddressRetrieved, GetAddress, ReconcileAddress,
};
use platform_messages::{Catalog, CatalogEntry};

/// The service name: the first segment of its tasks, its queue and its table.
pub const SERVICE: &str = "addressing";

/// The addressing catalog.
pub fn catalog() -> Catalog {
    Catalog {
        service: SERVICE,
        consumes: vec![
            CatalogEntry::of::<AddressReceived>(),
            CatalogEntry::of::<ReconcileAddress>(),
            CatalogEntry::of::<GetAddress>(),
        ],
        publishes: vec![
            CatalogEntry::of::<AddressReconciled>(),
            CatalogEntry::of::<AddressRejected>(),
            CatalogEntry::of::<AddressRetrieved>(),
        ],
    }
    .with_canary()
}
