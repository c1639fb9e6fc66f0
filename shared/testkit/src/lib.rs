//! Support for tests against the deployed local stack, which `cargo xtask test`
//! starts on a free port and deploys before running them: stack outputs, SDK
//! clients pointed at the emulator, probe queues that watch the bus, waiting for a
//! queue to drain, and the dead-letter tool.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod dead_letters;
mod probe;
mod queues;
mod stack;
mod tables;

pub use dead_letters::DeadLetters;
pub use probe::{Probe, Received};
pub use queues::{messages_in, wait_until_drained};
pub use stack::{OUTPUTS_ENV, Stack};
pub use tables::create_table;
