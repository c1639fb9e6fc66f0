//! What the addressing service consumes and publishes. The template's subscription
//! filter must list exactly the consumed events (checked by `cargo xtask test`).
use platform_messages::contracts::addressing::{AddressReceived, AddressReconciled, AddressRejected, ReconcileAddress};
use platform_messages::{Catalog, CatalogEntry};

/// The service name: the first segment of its tasks, its queue and its table.
pub const SERVICE: &str = "addressing";

/// The addressing catalog.
pub fn catalog() -> Catalog {
    Catalog {
        service: SERVICE,
        consumes: vec![CatalogEntry::of::<AddressReceived>(), CatalogEntry::of::<ReconcileAddress>()],
        publishes: vec![CatalogEntry::of::<AddressReconciled>(), CatalogEntry::of::<AddressRejected>()],
    }
    .with_canary()
}
