//! Saga plumbing shared by services: completing Step Functions task tokens
//! (`callbacks`) and running step Lambdas with typed input, typed output and
//! named business errors (`step`).
mod callbacks;
mod limits;
#[cfg(any(test, feature = "testing"))]
mod recording;
mod step;

pub use callbacks::{CallbackError, SfnCallbacks, TaskCallbacks};
pub use limits::{MAX_CAUSE_CHARS, MAX_ERROR_CHARS, cut};
#[cfg(any(test, feature = "testing"))]
pub use recording::{RecordedCallback, RecordingCallbacks};
pub use step::{StepError, serve_step};
