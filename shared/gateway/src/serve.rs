//! Running an axum router as a Lambda behind API Gateway (REST); the cold start is
//! the platform's (`platform::startup`). Every request runs in a span with Lambda's
//! request id and trace id, inside its invocation (see `platform::invocation`), and
//! ends with one log line: method, path, status and time taken.
use std::future::Future;
use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use lambda_http::{Context, Error};
use platform_messages::Catalog;
use tracing::Instrument;

use crate::error::ApiError;

/// Adds what every gateway does the same way: a JSON 404 for unknown routes, and
/// each request in its invocation's span.
pub fn finish(router: Router) -> Router {
    router.fallback(|| async { ApiError::not_found("no such route") }).layer(axum::middleware::from_fn(in_invocation))
}

async fn in_invocation(request: Request, next: Next) -> Response {
    let context = request.extensions().get::<Context>().cloned();
    let span = tracing::info_span!(
        "request",
        function_request_id = context.as_ref().map_or("-", |c| c.request_id.as_str()),
        xray_trace_id = context.as_ref().and_then(|c| c.xray_trace_id.as_deref()).unwrap_or("-"),
        method = %request.method(),
        path = %request.uri().path(),
        otel.kind = "server",
    );
    // The exported span continues the caller's trace (a `traceparent` header).
    let arrived =
        request.headers().get(platform_messages::attribute::TRACEPARENT).and_then(|v| v.to_str().ok()?.parse().ok());
    if let Some(arrived) = arrived {
        span.in_scope(|| platform::traces::continue_trace(&arrived));
    }
    let started = Instant::now();
    let work = async move {
        let response = next.run(request).await;
        let took_ms = started.elapsed().as_secs_f64() * 1000.0;
        tracing::info!(status = response.status().as_u16(), took_ms, "answered");
        response
    };
    match context {
        Some(context) => platform::invocation::within(&context, work.instrument(span)).await,
        None => work.instrument(span).await,
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn body_of(router: Router, context: Option<Context>) -> String {
        let mut request = axum::http::Request::get("/who").body(Body::empty()).unwrap();
        if let Some(context) = context {
            request.extensions_mut().insert(context);
        }
        let response = router.oneshot(request).await.unwrap();
        let bytes = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_handler_runs_inside_its_lambda_invocation() {
        let router =
            || finish(Router::new().route("/who", get(|| async { platform::invocation::request_id().to_string() })));
        let mut context = Context::default();
        context.request_id = "req-9".into();
        context.deadline = u64::MAX / 2;
        assert_eq!(body_of(router(), Some(context)).await, "req-9");
        assert_eq!(body_of(router(), None).await, "-", "outside Lambda (tests) there is no invocation");
    }
}
