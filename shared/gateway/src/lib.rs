//! The base of every gateway Lambda: axum routing under `lambda_http` behind the
//! system's REST API, one JSON error shape (`{"error": {"code", "message"}}`),
//! the verified-caller extractor, strict JSON bodies, the `Idempotency-Key`
//! header, and per-service permission
//! tables with a test helper that walks every (role, route) pair.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod body;
mod caller;
mod error;
pub mod graphql_limits;
mod idempotency;
pub mod matrix;
pub mod openapi;
mod permissions;
mod serve;
mod source;
pub mod validate;

pub use body::{JsonBody, MAX_BODY_BYTES, parse as parse_json};
pub use caller::Authenticated;
pub use error::ApiError;
pub use idempotency::{idempotency_key, required_idempotency_key};
pub use permissions::Permissions;
pub use serve::{finish, serve};
pub use source::SourceAddress;
