//! Saga plumbing shared by services: completing Step Functions task tokens
//! (`callbacks`) and running step Lambdas with typed input, typed output and
//! named business errors (`step`).
mod callbacks;
mod limits;
mod step;

pub use callbacks::{CallbackError, RecordedCallback, RecordingCallbacks, SfnCallbacks, TaskCallbacks};
pub use limits::{MAX_CAUSE_CHARS, MAX_ERROR_CHARS, cut};
pub use step::{StepError, serve_step};
