//! Walks every (role, route) pair of a gateway against its permission table: a
//! route the table allows must not answer 401/403, one it denies must answer 403.
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use platform_identity::Role;
use serde_json::Value;
use tower::ServiceExt;

/// One route and the permission it needs (`None`: open to any valid token).
#[derive(Debug, Clone)]
pub struct RouteCheck<P> {
    /// HTTP method.
    pub method: &'static str,
    /// Path, as the gateway sees it.
    pub path: &'static str,
    /// JSON body to send, if any.
    pub body: Option<Value>,
    /// The permission the route requires.
    pub permission: Option<P>,
}

/// Sends every route with a token of every role; returns the pairs that disagree
/// with `allowed(role, permission)`, as readable lines (empty when all agree).
pub async fn check<P: Copy + std::fmt::Debug>(
    router: &Router,
    routes: &[RouteCheck<P>],
    allowed: impl Fn(Role, P) -> bool,
    token_for: impl Fn(Role) -> String,
) -> Vec<String> {
    let mut wrong = Vec::new();
    for role in Role::ALL {
        let token = token_for(role);
        for route in routes {
            let mut request = Request::builder()
                .method(route.method)
                .uri(route.path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"));
            let body = match &route.body {
                Some(v) => {
                    request = request.header(header::CONTENT_TYPE, "application/json");
                    Body::from(v.to_string())
                }
                None => Body::empty(),
            };
            let status =
                router.clone().oneshot(request.body(body).expect("request")).await.expect("infallible").status();
            let expect_allowed = route.permission.is_none_or(|p| allowed(role, p));
            let denied = status == StatusCode::FORBIDDEN || status == StatusCode::UNAUTHORIZED;
            if expect_allowed == denied {
                wrong.push(format!(
                    "{role} {} {}: got {status}, the table says {}",
                    route.method,
                    route.path,
                    if expect_allowed { "allowed" } else { "forbidden" }
                ));
            }
        }
    }
    wrong
}
