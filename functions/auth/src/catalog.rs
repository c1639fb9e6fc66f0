//! What the auth service consumes and publishes: `auth.user.authorize` in,
//! `user.authed` (also on every login) or `user.refused` out.
use platform_messages::contracts::auth::{AuthorizeUser, UserAuthed, UserRefused};
use platform_messages::{Catalog, CatalogEntry};

/// The service name.
pub const SERVICE: &str = "auth";

/// The auth catalog.
pub fn catalog() -> Catalog {
    Catalog {
        service: SERVICE,
        consumes: vec![CatalogEntry::of::<AuthorizeUser>()],
        publishes: vec![CatalogEntry::of::<UserAuthed>(), CatalogEntry::of::<UserRefused>()],
    }
    .with_canary()
}
