//! What the notifications service consumes (it publishes only its answer to the canary).
use platform_messages::contracts::movers::{EmailVerificationRequested, EmailVerified};
use platform_messages::contracts::moves::{MoveBooked, MoveCancelled};
use platform_messages::{Catalog, CatalogEntry};

/// The service name.
pub const SERVICE: &str = "notifications";

/// The notifications catalog.
pub fn catalog() -> Catalog {
    Catalog {
        service: SERVICE,
        consumes: vec![
            CatalogEntry::of::<EmailVerificationRequested>(),
            CatalogEntry::of::<EmailVerified>(),
            CatalogEntry::of::<MoveBooked>(),
            CatalogEntry::of::<MoveCancelled>(),
        ],
        publishes: vec![],
    }
    .with_canary()
}
