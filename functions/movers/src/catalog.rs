//! What the movers service consumes and publishes.
use platform_messages::contracts::addressing::{AddressReceived, AddressReconciled, AddressRejected};
use platform_messages::contracts::movers::{
    CreateMover, EmailVerificationRequested, EmailVerified, MoverCreated, MoverUpdated,
};
use platform_messages::{Catalog, CatalogEntry};

/// The service name.
pub const SERVICE: &str = "movers";

/// The movers catalog.
pub fn catalog() -> Catalog {
    Catalog {
        service: SERVICE,
        consumes: vec![
            CatalogEntry::of::<AddressReconciled>(),
            CatalogEntry::of::<AddressRejected>(),
            CatalogEntry::of::<CreateMover>(),
        ],
        publishes: vec![
            CatalogEntry::of::<MoverCreated>(),
            CatalogEntry::of::<MoverUpdated>(),
            CatalogEntry::of::<AddressReceived>(),
            CatalogEntry::of::<EmailVerificationRequested>(),
            CatalogEntry::of::<EmailVerified>(),
        ],
    }
    .with_canary()
}
