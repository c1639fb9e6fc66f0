//! The auth service: accounts with Argon2id passwords, RS256 access tokens signed
//! with the key set from AWS Secrets Manager, the public JWKS, and `user.authed`
//! on every login and for every system that asks with `auth.user.authorize`
//! (`user.refused` otherwise). It alone owns the users table.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod accounts;
pub mod authorize;
pub mod catalog;
pub mod config;
pub mod error;
pub mod limits;
pub mod openapi;
pub mod passwords;
pub mod permissions;
pub mod routes;
pub mod seed;
pub mod signing_keys;
pub mod store;
pub mod worker;

use platform::store::TableSchema;

/// The declared shape of the users table, checked at cold start.
pub fn table_schema() -> TableSchema {
    TableSchema::single_table().with_migrations(MIGRATIONS)
}

/// Data migrations of the auth table, applied once at cold start (forward only;
/// `cargo xtask db migrate --dry-run` shows what the next cold start would apply).
pub const MIGRATIONS: &[platform::store::Migration] = &[];
