//! Strict JSON bodies: `Content-Type: application/json` (else 415), at most
//! `MAX_BODY_BYTES` (else 413), and a 400 that names the field at fault.
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The largest body a gateway accepts.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON body of type `T`.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(ApiError::unsupported_media_type());
        }
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| ApiError::too_large(MAX_BODY_BYTES))?;
        parse(&bytes).map(JsonBody)
    }
}

/// Parses JSON, naming the field of the first error.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::bad_request(format!("invalid JSON body: {inner}"))
        } else if path == "." {
            ApiError::bad_request(inner.to_string())
        } else {
            ApiError::invalid_field(&path, &inner.to_string())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Signup {
        email: String,
        age: u8,
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse::<Signup>(br#"{"email": 5, "age": 1}"#).unwrap_err();
        assert!(e.message.starts_with("`email`: invalid type"), "{e}");
        let e = parse::<Signup>(br#"{"email": "a", "age": 300}"#).unwrap_err();
        assert!(e.message.starts_with("`age`:"), "{e}");
        let e = parse::<Signup>(br#"{"email": "a"}"#).unwrap_err();
        assert!(e.message.contains("missing field `age`"), "{e}");
        let e = parse::<Signup>(br#"{"email": "a", "age": 1, "admin": true}"#).unwrap_err();
        assert!(e.message.contains("unknown field `admin`"), "{e}");
        let e = parse::<Signup>(b"{not json").unwrap_err();
        assert!(e.message.contains("invalid JSON body"), "{e}");
    }
}
