//! The network source of a request, as API Gateway saw it (`identity.sourceIp`),
//! for the limits counted per source (signups, failed logins).
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use lambda_http::request::RequestContext;

use crate::error::ApiError;

/// The caller's source address; `unknown` where API Gateway gave none (all such
/// requests then share one budget, which errs on the side of refusing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAddress(pub String);

impl SourceAddress {
    /// From a request's parts.
    pub fn of(parts: &Parts) -> Self {
        let ip = parts.extensions.get::<RequestContext>().and_then(|context| match context {
            RequestContext::ApiGatewayV1(c) => c.identity.source_ip.clone(),
            _ => None,
        });
        Self(ip.filter(|ip| !ip.is_empty() && ip.len() <= 64).unwrap_or_else(|| "unknown".to_owned()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SourceAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts))
    }
}
