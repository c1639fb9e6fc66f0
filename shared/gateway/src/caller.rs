//! The verified caller of a request, from `Authorization: Bearer <jwt>`; a missing
//! or invalid token is a 401 before the handler runs.
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use platform_identity::{Caller, Verifier};

use crate::error::ApiError;

/// The verified caller, and the raw token to carry on messages sent for them.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// Who is calling.
    pub caller: Caller,
    /// Their token (without `Bearer `).
    pub token: String,
}

impl<S> FromRequestParts<S> for Authenticated
where
    Arc<Verifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<Verifier>::from_ref(state);
        let header = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        match verifier.verify_bearer(header).await {
            Ok(caller) => {
                let token =
                    header.and_then(|h| h.split_once(' ')).map(|(_, t)| t.trim().to_owned()).unwrap_or_default();
                Ok(Self { caller, token })
            }
            Err(reason) => {
                tracing::info!(reason = %reason, "refused a bearer token");
                Err(ApiError::unauthorized(&reason))
            }
        }
    }
}
