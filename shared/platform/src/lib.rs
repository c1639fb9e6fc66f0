//! The service base every Lambda of the platform stands on: configuration, telemetry,
//! the bus publisher, the SQS consumer with idempotency, the DynamoDB store, and the
//! saga plumbing (step Lambdas, task-token callbacks).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bus;
pub mod canary;
pub mod config;
pub mod deadline;
pub mod error_chain;
pub mod faults;
pub mod idempotency;
pub mod identity;
pub mod invocation;
pub mod log_line;
pub mod metrics;
pub mod outbox;
pub mod probe;
pub mod saga;
pub mod sdk_config;
pub mod service_aws;
pub mod settings;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod traces;
pub mod version;

pub use platform_messages as messages;
