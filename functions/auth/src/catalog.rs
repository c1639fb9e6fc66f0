//! What the auth service publishes (it consumes nothing from the bus).
use platform_messages::contracts::auth::UserAuthed;
use platform_messages::{Catalog, CatalogEntry};

/// The service name.
pub const SERVICE: &str = "auth";

/// The auth catalog.
pub fn catalog() -> Catalog {
    Catalog { service: SERVICE, consumes: vec![], publishes: vec![CatalogEntry::of::<UserAuthed>()] }
}
