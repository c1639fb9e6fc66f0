//! Every message of the system with its payload type, grouped by the service that
//! owns the contract. Publishers and consumers both use these types.
pub mod addressing;
pub mod auth;
pub mod canary;
pub mod movers;
pub mod moves;

/// The most characters of a caller's `ref`, echoed in the answer to a task.
pub const MAX_REFERENCE_CHARS: usize = 256;
