//! The bus's public contract: checked message names, the version 1 wire envelope,
//! the message attributes, and the catalog of every message with its payload type.
//!
//! Nothing here talks to AWS; the `platform` crate moves these types over SNS and SQS.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod attributes;
mod catalog;
pub mod contracts;
pub mod dates;
mod envelope;
mod error;
pub mod ids;
pub mod json_scan;
mod names;
mod trace_context;
pub mod validate;

pub use attributes::{Attributes, attribute};
pub use catalog::{Catalog, CatalogEntry, Contract};
pub use envelope::{Actor, Envelope, RawEnvelope, SCHEMA_VERSION};
pub use error::{EnvelopeError, NameError};
pub use names::{EventName, Kind, MessageName, TaskName};
pub use trace_context::{Trace, TraceContextError, TraceParent, message_span};
