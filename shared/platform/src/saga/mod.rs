//! Saga plumbing shared by services: completing Step Functions task tokens
//! (`callbacks`) and running step Lambdas with typed input, typed output and
//! named business errors (`step`).
mod callbacks;
mod step;

pub use callbacks::{CallbackError, RecordedCallback, RecordingCallbacks, SfnCallbacks, TaskCallbacks};
pub use step::{StepError, serve_step};
