//! The `Idempotency-Key` request header: 1 to 128 visible ASCII characters that
//! name one attempt of a request, so a client may retry it safely.
use axum::http::HeaderMap;

use crate::ApiError;
use crate::validate;

/// The header, when sent; a malformed one is a 400 that says why.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    let key = value.to_str().unwrap_or("\u{0}");
    validate::token("Idempotency-Key", key, validate::MAX_IDEMPOTENCY_KEY_CHARS)?;
    Ok(Some(key))
}

/// The header, which this route requires; `per` says what one key stands for
/// (`"booking attempt"`), in the 400 when it is missing.
pub fn required_idempotency_key<'h>(headers: &'h HeaderMap, per: &str) -> Result<&'h str, ApiError> {
    idempotency_key(headers)?
        .ok_or_else(|| ApiError::bad_request(format!("send an `Idempotency-Key` header (one per {per})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(key: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("idempotency-key", key.parse().unwrap());
        h
    }

    #[test]
    fn a_key_is_optional_unless_required_and_always_checked() {
        assert_eq!(idempotency_key(&HeaderMap::new()).unwrap(), None);
        assert_eq!(idempotency_key(&headers("k-1")).unwrap(), Some("k-1"));
        assert!(idempotency_key(&headers(&"k".repeat(129))).is_err(), "too long");
        let missing = required_idempotency_key(&HeaderMap::new(), "booking attempt").unwrap_err();
        assert!(missing.message.contains("one per booking attempt"), "{missing:?}");
        assert_eq!(required_idempotency_key(&headers("k-2"), "x").unwrap(), "k-2");
    }
}
