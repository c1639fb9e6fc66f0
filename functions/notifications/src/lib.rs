//! The notifications service: emails movers when they sign up and when a booking
//! ends (booked or cancelled), through Amazon SES, with plain-text bodies rendered
//! from `templates/`. Each email is journaled by the event's id, so an event
//! delivered twice sends one email.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod catalog;
pub mod config;
pub mod error;
pub mod handlers;
pub mod journal;
pub mod mailer;
pub mod templates;

use platform::store::TableSchema;

/// The declared shape of the notifications table, checked at cold start.
pub fn table_schema() -> TableSchema {
    TableSchema::single_table().with_migrations(MIGRATIONS)
}

/// Data migrations of the notifications table, applied once at cold start (forward only;
/// `cargo xtask db migrate --dry-run` shows what the next cold start would apply).
pub const MIGRATIONS: &[platform::store::Migration] = &[];
