//! The movers service: a mover is a person moving home. Its records are served over
//! REST, a CQRS command endpoint and GraphQL (one domain under all three), its addresses are
//! reconciled by the addressing service through the bus, and other systems create
//! movers with the `movers.mover.create` task.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod app;
pub mod catalog;
pub mod commands;
pub mod config;
pub mod domain;
pub mod error;
pub mod gateway;
pub mod graphql;
pub mod openapi;
pub mod permissions;
pub mod rest;
pub mod service;
pub mod store;
pub mod verification;
pub mod worker;

use platform::store::{IndexSchema, TableSchema};

/// The declared shape of the movers table, checked at cold start.
pub fn table_schema() -> TableSchema {
    let mut schema = TableSchema::single_table();
    schema.indexes.push(IndexSchema { name: "by_created", partition_key: "kind", sort_key: Some("created_key") });
    schema.indexes.push(IndexSchema { name: "by_owner", partition_key: "owner_sub", sort_key: Some("created_key") });
    schema.with_migrations(MIGRATIONS)
}

/// Data migrations of the movers table, applied once at cold start (forward only;
/// `cargo xtask db migrate --dry-run` shows what the next cold start would apply).
pub const MIGRATIONS: &[platform::store::Migration] = &[];
