//! Running an axum router as a Lambda behind API Gateway (REST); the cold start is
//! the platform's (`platform::startup`).
use std::future::Future;

use axum::Router;
use lambda_http::Error;
use platform_messages::Catalog;

use crate::error::ApiError;

/// Adds what every gateway answers the same way: a JSON 404 for unknown routes.
pub fn finish(router: Router) -> Router {
    router.fallback(|| async { ApiError::not_found("no such route") })
}

/// Builds the router with `init` (once, at cold start), then serves requests; the
/// gateway may send only what `catalog` publishes.
pub async fn serve<F>(catalog: Catalog, init: F) -> Result<(), Error>
where
    F: Future<Output = Result<Router, Error>>,
{
    let router = finish(platform::startup::cold_start_of(&catalog, init).await);
    lambda_http::run(router).await
}
