//! The cold start every Lambda of the platform shares: JSON logs on, then the
//! function's dependencies built once; a failure is logged with its reason (the
//! missing variable, the schema difference, ...) and stops the process, so Lambda
//! reports an init error instead of taking traffic.
use std::fmt::Display;
use std::future::Future;

use platform_messages::Catalog;

/// [`cold_start`] of a function of the service `catalog` describes, held to it: it
/// may send only what the catalog publishes (see [`crate::bus::declare`]).
pub async fn cold_start_of<T, E: Display>(catalog: &Catalog, init: impl Future<Output = Result<T, E>>) -> T {
    crate::bus::declare(catalog);
    cold_start(catalog.service, init).await
}

/// Turns telemetry on, reads the fault settings (see [`crate::faults`]) and awaits
/// `init`; exits the process when either fails.
pub async fn cold_start<T, E: Display>(service: &str, init: impl Future<Output = Result<T, E>>) -> T {
    crate::telemetry::init(service);
    if let Err(e) = crate::faults::init() {
        tracing::error!(service, error = %e, "cold start failed");
        eprintln!("{service}: cold start failed: {e}");
        std::process::exit(1);
    }
    match init.await {
        Ok(ready) => ready,
        Err(e) => {
            tracing::error!(service, error = %e, "cold start failed");
            eprintln!("{service}: cold start failed: {e}");
            std::process::exit(1);
        }
    }
}
