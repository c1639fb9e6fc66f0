//! The fingerprint a message id is claimed with in the idempotency ledger (see
//! `platform::idempotency`): the same id with other content is refused.
use platform_messages::RawEnvelope;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The fingerprint of a message's content: SHA-256 of its name and its data's JSON
/// text as received (the platform's publishers render data canonically: compact,
/// keys sorted, so a redelivery and a re-publication have the same bytes).
pub fn fingerprint(name: &str, data_json: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([0]);
    hasher.update(data_json.as_bytes());
    let mut digits = [0u8; 64];
    hex::encode_to_slice(hasher.finalize(), &mut digits).expect("32 bytes are 64 hex digits");
    String::from_utf8(digits.to_vec()).expect("hex digits are ASCII")
}

/// The fingerprint of the data's canonical rendering (keys sorted, compact): what
/// earlier releases stored, and what a producer that renders the same data
/// differently shares with the platform's. Asked for only when the fingerprint of
/// the bytes as received did not match.
pub fn canonical_fingerprint(envelope: &RawEnvelope<'_>) -> Option<String> {
    let data: Value = serde_json::from_str(envelope.data.get()).ok()?;
    Some(fingerprint(envelope.name.as_str(), &data.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    use platform_messages::{Envelope, event};

    /// The fingerprint of `envelope` as the consumer computes it from the wire.
    fn print(envelope: &Envelope) -> String {
        let body = envelope.to_json().unwrap();
        let raw = RawEnvelope::decode_raw(&body).unwrap();
        fingerprint(raw.name.as_str(), raw.data.get())
    }

    #[test]
    fn a_fingerprint_is_the_lowercase_hex_sha256_of_name_nul_data() {
        // sha256("x.happened\0{}"), as `printf 'x.happened\0{}' | sha256sum` prints it.
        let expected = hex::encode(Sha256::digest(b"x.happened\0{}"));
        assert_eq!(fingerprint("x.happened", "{}"), expected);
        assert_eq!(expected.len(), 64);
    }

    #[test]
    fn fingerprint_depends_on_name_and_data_not_metadata() {
        let a = Envelope::new(event!("x.happened"), serde_json::json!({"b": 1, "a": 2}));
        let mut b = Envelope::new(event!("x.happened"), serde_json::json!({"a": 2, "b": 1}));
        b.correlation_id = "other".into();
        assert_eq!(print(&a), print(&b));
        let c = Envelope::new(event!("y.happened"), serde_json::json!({"a": 2, "b": 1}));
        assert_ne!(print(&a), print(&c));
        let d = Envelope::new(event!("x.happened"), serde_json::json!({"a": 3, "b": 1}));
        assert_ne!(print(&a), print(&d));
    }

    #[test]
    fn the_platforms_rendering_is_canonical_so_both_fingerprints_agree() {
        let published = Envelope::new(event!("x.happened"), serde_json::json!({"b": [1, 2], "a": "é"}));
        let body = published.to_json().unwrap();
        assert_eq!(canonical_fingerprint(&RawEnvelope::decode_raw(&body).unwrap()), Some(print(&published)));
    }

    #[test]
    fn another_rendering_of_the_same_data_shares_the_canonical_fingerprint_only() {
        let ours = Envelope::new(event!("x.happened"), serde_json::json!({"a": 2, "b": 1}));
        let body = ours.to_json().unwrap().replace(r#""data":{"a":2,"b":1}"#, r#""data":{ "b": 1, "a": 2 }"#);
        let theirs = RawEnvelope::decode_raw(&body).unwrap();
        assert_ne!(fingerprint(theirs.name.as_str(), theirs.data.get()), print(&ours), "other bytes");
        assert_eq!(canonical_fingerprint(&theirs), Some(print(&ours)), "the same content");
    }
}
