//! The addressing service: normalizes US addresses to USPS Publication 28 style and
//! reconciles each to a stable `address_id`, answering `address.received` and
//! `addressing.address.reconcile` with `address.reconciled` or `address.rejected`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod address_book;
pub mod catalog;
pub mod config;
pub mod handlers;
pub mod normalize;
pub mod reconcile;

use platform::store::{Migration, TableSchema};

/// The declared shape of the addressing table, checked at cold start.
pub fn table_schema() -> TableSchema {
    TableSchema::single_table().with_migrations(MIGRATIONS)
}

/// Data migrations of the addressing table, applied once at cold start.
pub const MIGRATIONS: &[Migration] = &[];
