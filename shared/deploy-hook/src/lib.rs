//! The CodeDeploy pre-traffic hook. Before CodeDeploy moves any traffic of a
//! function's `live` alias to a new version, it invokes the hook; the hook reads
//! from the deployment which function and version are coming ([`appspec`]), tries
//! that version directly ([`probe`]: a worker must answer the platform canary, a
//! gateway must answer a request without a server error) and reports the verdict
//! to CodeDeploy, which rolls the deployment back on a failure.
//!
//! The same probe runs on demand, without CodeDeploy, when the hook is invoked with
//! `{"function": "<name>", "version": "<version or alias>"}`: the local stack (whose
//! emulator has no CodeDeploy) and operators use that.
pub mod appspec;
pub mod probe;
