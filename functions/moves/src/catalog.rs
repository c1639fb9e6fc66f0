//! What the moves service consumes and publishes.
use platform_messages::contracts::addressing::ReconcileAddress;
use platform_messages::contracts::movers::{MoverCreated, MoverUpdated};
use platform_messages::contracts::moves::{MoveBooked, MoveCancelled};
use platform_messages::{Catalog, CatalogEntry};

/// The service name.
pub const SERVICE: &str = "moves";

/// The moves catalog.
pub fn catalog() -> Catalog {
    Catalog {
        service: SERVICE,
        consumes: vec![CatalogEntry::of::<MoverCreated>(), CatalogEntry::of::<MoverUpdated>()],
        publishes: vec![
            CatalogEntry::of::<MoveBooked>(),
            CatalogEntry::of::<MoveCancelled>(),
            CatalogEntry::of::<ReconcileAddress>(),
        ],
    }
    .with_canary()
}
