//! Saga plumbing shared by services: completing Step Functions task tokens
//! (`callbacks`) and running step Lambdas with typed input, typed output and
//! named business errors (`step`), and a waiting step's in-process retries
//! (`persist`).
mod callbacks;
mod limits;
mod persist;
#[cfg(any(test, feature = "testing"))]
mod recording;
mod step;

pub use callbacks::{CallbackError, SfnCallbacks, TaskCallbacks};
pub use limits::{MAX_CAUSE_CHARS, MAX_ERROR_CHARS, cut};
pub use persist::Persistence;
#[cfg(any(test, feature = "testing"))]
pub use recording::{RecordedCallback, RecordingCallbacks};
pub use step::{StepError, in_trace, serve_step};
