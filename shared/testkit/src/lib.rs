//! Support for tests against the deployed local stack, which `cargo xtask test`
//! starts on a free port and deploys before running them: stack outputs, SDK
//! clients pointed at the emulator, probe queues that watch the bus, the
//! dead-letter tool, and a loopback OTLP collector.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod dead_letters;
pub mod otlp_collector;
mod probe;
mod stack;
mod tables;

pub use dead_letters::DeadLetters;
pub use probe::{Probe, Received};
pub use stack::{OTLP_SPANS_ENV, OUTPUTS_ENV, REMOTE_ENV, Stack};
pub use tables::create_table;
