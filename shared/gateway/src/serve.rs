//! Running an axum router as a Lambda behind API Gateway (REST). A failed cold
//! start is logged with its reason and stops the process.
use std::future::Future;

use axum::Router;
use lambda_http::Error;

use crate::error::ApiError;

/// Adds what every gateway answers the same way: a JSON 404 for unknown routes.
pub fn finish(router: Router) -> Router {
    router.fallback(|| async { ApiError::not_found("no such route") })
}

/// Builds the router with `init` (once, at cold start), then serves requests.
pub async fn serve<F>(service: &str, init: F) -> Result<(), Error>
where
    F: Future<Output = Result<Router, Error>>,
{
    platform::telemetry::init();
    let router = match init.await {
        Ok(r) => finish(r),
        Err(e) => {
            tracing::error!(service, error = %e, "cold start failed");
            eprintln!("{service}: cold start failed: {e}");
            std::process::exit(1);
        }
    };
    lambda_http::run(router).await
}
