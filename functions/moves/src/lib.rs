//! The moves service: booking a move is a saga run by Step Functions
//! (`statemachines/book-move.asl.json`). The gateway starts it and resumes it on
//! confirm/cancel, the step Lambda runs each forward step and compensation, and the
//! worker keeps a projection of the movers it books for.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod booking;
pub mod booking_store;
pub mod capacity;
pub mod catalog;
pub mod config;
pub mod error;
pub mod mover_directory;
pub mod openapi;
pub mod payments;
pub mod permissions;
pub mod ports;
pub mod pricing;
pub mod rest;
pub mod saga;
pub mod saga_error;
pub mod steps;
pub mod worker;

use platform::store::{IndexSchema, TableSchema};

/// The declared shape of the moves table, checked at cold start.
pub fn table_schema() -> TableSchema {
    let mut schema = TableSchema::single_table();
    schema.indexes.push(IndexSchema { name: "by_open_owner", partition_key: "open_owner", sort_key: None });
    schema.with_migrations(MIGRATIONS)
}

/// Data migrations of the moves table, applied once at cold start (forward only;
/// `cargo xtask db migrate --dry-run` shows what the next cold start would apply).
pub const MIGRATIONS: &[platform::store::Migration] = &[];
