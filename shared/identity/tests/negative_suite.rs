//! The verifier against crafted tokens: every one of the negative cases is refused
//! (one test each), and the positive controls are accepted.
use std::sync::{Arc, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use platform_identity::{Claims, KeySet, Role, StaticJwks, TokenError, TokenSettings, Verifier};
use serde_json::{Value, json};

const ISS: &str = "https://auth.updater.test";
const AUD: &str = "updater-api";

fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| KeySet::generate().unwrap())
}

fn other_keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| KeySet::generate().unwrap())
}

fn settings() -> TokenSettings {
    TokenSettings { issuer: ISS.into(), audience: AUD.into(), ttl_seconds: 900 }
}

async fn verifier() -> Verifier {
    Verifier::new(&settings(), Arc::new(StaticJwks(keys().jwks().unwrap()))).await.unwrap()
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn claims() -> Value {
    serde_json::to_value(Claims::issue(&settings(), "user-1", "u1@example.com", vec![Role::UserMover], now())).unwrap()
}

fn kid() -> String {
    keys().active_kid.clone()
}

fn rs256_header() -> Header {
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some(kid());
    h
}

/// Signs arbitrary claims with the real key and a given header.
fn sign(header: &Header, claims: &Value) -> String {
    let key = EncodingKey::from_rsa_pem(keys().active().unwrap().private_key_pem().as_bytes()).unwrap();
    jsonwebtoken::encode(header, claims, &key).unwrap()
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

fn b64(v: &Value) -> String {
    B64.encode(v.to_string())
}

fn segments(token: &str) -> Vec<String> {
    token.split('.').map(str::to_owned).collect()
}

fn valid() -> String {
    sign(&rs256_header(), &claims())
}

async fn refused(token: &str) -> TokenError {
    match verifier().await.verify(token).await {
        Ok(caller) => panic!("accepted a token that must be refused: {caller:?}"),
        Err(e) => e,
    }
}

macro_rules! negative {
    ($($name:ident: [$expected:pat] => $token:expr;)+) => {
        $(
            #[tokio::test]
            async fn $name() {
                let token: String = $token;
                let err = refused(&token).await;
                assert!(matches!(err, $expected), "refused for the wrong reason: {err:?}");
            }
        )+

        /// The number of negative cases, counted by the macro.
        const NEGATIVE_CASES: usize = [$(stringify!($name)),+].len();
    };
}

negative! {
    alg_none_with_empty_signature: [TokenError::Malformed] => {
        let s = segments(&valid());
        format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT", "kid": kid()})), s[1])
    };
    alg_none_with_a_signature: [TokenError::Algorithm | TokenError::Malformed] => {
        let s = segments(&valid());
        format!("{}.{}.{}", b64(&json!({"alg": "none", "kid": kid()})), s[1], s[2])
    };
    alg_none_capitalized: [TokenError::Algorithm | TokenError::Malformed] => {
        let s = segments(&valid());
        format!("{}.{}.{}", b64(&json!({"alg": "None", "kid": kid()})), s[1], s[2])
    };
    hs256_signed_with_the_public_key_pem: [TokenError::Algorithm] => {
        let jwk = keys().active().unwrap().jwk().unwrap();
        let secret = serde_json::to_vec(&jwk).unwrap();
        let mut h = Header::new(Algorithm::HS256);
        h.kid = Some(kid());
        jsonwebtoken::encode(&h, &claims(), &EncodingKey::from_secret(&secret)).unwrap()
    };
    hs256_signed_with_the_modulus: [TokenError::Algorithm] => {
        let jwk = serde_json::to_value(keys().active().unwrap().jwk().unwrap()).unwrap();
        let mut h = Header::new(Algorithm::HS256);
        h.kid = Some(kid());
        jsonwebtoken::encode(&h, &claims(), &EncodingKey::from_secret(jwk["n"].as_str().unwrap().as_bytes())).unwrap()
    };
    hs512_signed_with_the_public_key: [TokenError::Algorithm] => {
        let mut h = Header::new(Algorithm::HS512);
        h.kid = Some(kid());
        jsonwebtoken::encode(&h, &claims(), &EncodingKey::from_secret(b"public")).unwrap()
    };
    rs512_with_the_right_key: [TokenError::Algorithm] => {
        let mut h = rs256_header();
        h.alg = Algorithm::RS512;
        sign(&h, &claims())
    };
    ps256_with_the_right_key: [TokenError::Algorithm] => {
        let mut h = rs256_header();
        h.alg = Algorithm::PS256;
        sign(&h, &claims())
    };
    es256_header: [TokenError::Algorithm] => {
        let s = segments(&valid());
        format!("{}.{}.{}", b64(&json!({"alg": "ES256", "kid": kid()})), s[1], s[2])
    };
    unknown_algorithm_name: [TokenError::Algorithm | TokenError::Malformed] => {
        let s = segments(&valid());
        format!("{}.{}.{}", b64(&json!({"alg": "RS999", "kid": kid()})), s[1], s[2])
    };
    missing_exp: [TokenError::Claims(_)] => sign(&rs256_header(), &without(claims(), "exp"));
    exp_as_a_string: [TokenError::Claims(_)] => sign(&rs256_header(), &with(claims(), "exp", json!((now() + 600).to_string())));
    nbf_as_a_string: [TokenError::Claims(_)] => sign(&rs256_header(), &with(claims(), "nbf", json!(now().to_string())));
    expired_an_hour_ago: [TokenError::Expired] => sign(&rs256_header(), &with(claims(), "exp", json!(now() - 3600)));
    expired_just_past_the_leeway: [TokenError::Expired] => sign(&rs256_header(), &with(claims(), "exp", json!(now() - 45)));
    not_valid_for_an_hour: [TokenError::NotYetValid] => sign(&rs256_header(), &with(claims(), "nbf", json!(now() + 3600)));
    not_valid_just_past_the_leeway: [TokenError::NotYetValid] => sign(&rs256_header(), &with(claims(), "nbf", json!(now() + 45)));
    wrong_issuer: [TokenError::Issuer] => sign(&rs256_header(), &with(claims(), "iss", json!("https://evil.example")));
    missing_issuer: [TokenError::Issuer | TokenError::Claims(_)] => sign(&rs256_header(), &without(claims(), "iss"));
    issuer_as_an_array: [TokenError::Issuer | TokenError::Claims(_)] => sign(&rs256_header(), &with(claims(), "iss", json!([ISS])));
    wrong_audience: [TokenError::Audience] => sign(&rs256_header(), &with(claims(), "aud", json!("another-api")));
    missing_audience: [TokenError::Audience | TokenError::Claims(_)] => sign(&rs256_header(), &without(claims(), "aud"));
    audience_list_without_ours: [TokenError::Audience | TokenError::Claims(_)] => sign(&rs256_header(), &with(claims(), "aud", json!(["a", "b"])));
    missing_subject: [TokenError::Claims(_)] => sign(&rs256_header(), &without(claims(), "sub"));
    missing_issued_at: [TokenError::Claims(_)] => sign(&rs256_header(), &without(claims(), "iat"));
    missing_not_before: [TokenError::Claims(_)] => sign(&rs256_header(), &without(claims(), "nbf"));
    unknown_role: [TokenError::Claims(_)] => sign(&rs256_header(), &with(claims(), "roles", json!(["root"])));
    tampered_payload_elevating_roles: [TokenError::Signature] => {
        let s = segments(&valid());
        format!("{}.{}.{}", s[0], b64(&with(claims(), "roles", json!(["system"]))), s[2])
    };
    tampered_payload_changing_subject: [TokenError::Signature] => {
        let s = segments(&valid());
        format!("{}.{}.{}", s[0], b64(&with(claims(), "sub", json!("user-2"))), s[2])
    };
    tampered_header: [TokenError::Signature] => {
        let s = segments(&valid());
        format!("{}.{}.{}", b64(&json!({"alg": "RS256", "kid": kid(), "typ": "JOSE"})), s[1], s[2])
    };
    tampered_signature: [TokenError::Signature] => {
        let s = segments(&valid());
        let mut sig = s[2].clone().into_bytes();
        sig[10] = if sig[10] == b'A' { b'B' } else { b'A' };
        format!("{}.{}.{}", s[0], s[1], String::from_utf8(sig).unwrap())
    };
    truncated_signature: [TokenError::Signature | TokenError::Malformed] => {
        let s = segments(&valid());
        format!("{}.{}.{}", s[0], s[1], &s[2][..s[2].len() / 2])
    };
    unknown_kid: [TokenError::UnknownKey] => {
        let mut h = rs256_header();
        h.kid = Some("k-unknown".into());
        sign(&h, &claims())
    };
    missing_kid: [TokenError::UnknownKey] => {
        let mut h = rs256_header();
        h.kid = None;
        sign(&h, &claims())
    };
    jku_header_injection: [TokenError::HeaderKey] => {
        let mut h = rs256_header();
        h.jku = Some("https://evil.example/jwks.json".into());
        sign(&h, &claims())
    };
    x5u_header_injection: [TokenError::HeaderKey] => {
        let mut h = rs256_header();
        h.x5u = Some("https://evil.example/cert.pem".into());
        sign(&h, &claims())
    };
    jwk_header_injection_with_the_attackers_key: [TokenError::HeaderKey] => {
        let attacker = other_keys().active().unwrap();
        let mut h = rs256_header();
        h.jwk = Some(attacker.jwk().unwrap());
        attacker.sign_with_header(&h, &claims())
    };
    x5c_header_injection: [TokenError::HeaderKey] => {
        let mut h = rs256_header();
        h.x5c = Some(vec!["MIIB...".into()]);
        sign(&h, &claims())
    };
    two_segments: [TokenError::Malformed] => {
        let s = segments(&valid());
        format!("{}.{}", s[0], s[1])
    };
    four_segments: [TokenError::Malformed] => format!("{}.extra", valid());
    empty_token: [TokenError::Malformed] => String::new();
    standard_base64_characters: [TokenError::Malformed] => {
        let s = segments(&valid());
        format!("{}.{}+/.{}", s[0], s[1], s[2])
    };
    base64_padding: [TokenError::Malformed] => {
        let s = segments(&valid());
        format!("{}==.{}.{}", s[0], s[1], s[2])
    };
    header_not_json: [TokenError::Malformed] => {
        let s = segments(&valid());
        format!("{}.{}.{}", B64.encode("not json"), s[1], s[2])
    };
    payload_not_json: [TokenError::Signature | TokenError::Claims(_) | TokenError::Malformed] => {
        let s = segments(&valid());
        format!("{}.{}.{}", s[0], B64.encode("not json"), s[2])
    };
    oversized_but_validly_signed: [TokenError::Oversized] => sign(&rs256_header(), &with(claims(), "pad", json!("x".repeat(9000))));
    signed_by_another_key_pair_under_our_kid: [TokenError::Signature] => {
        let attacker = other_keys().active().unwrap();
        attacker.sign_with_header(&rs256_header(), &claims())
    };
    signed_by_another_key_pair_under_its_kid: [TokenError::UnknownKey] => other_keys().sign_value(&claims());
    whitespace_inside: [TokenError::Malformed] => {
        let s = segments(&valid());
        format!("{}. {}.{}", s[0], s[1], s[2])
    };
}

/// Test-only signing with a given header and arbitrary claims.
trait CraftExt {
    fn sign_with_header(&self, header: &Header, claims: &Value) -> String;
}

impl CraftExt for platform_identity::SigningKey {
    fn sign_with_header(&self, header: &Header, claims: &Value) -> String {
        let key = EncodingKey::from_rsa_pem(self.private_key_pem().as_bytes()).unwrap();
        jsonwebtoken::encode(header, claims, &key).unwrap()
    }
}

trait SignValue {
    fn sign_value(&self, claims: &Value) -> String;
}

impl SignValue for KeySet {
    fn sign_value(&self, claims: &Value) -> String {
        let key = self.active().unwrap();
        let mut h = Header::new(Algorithm::RS256);
        h.kid = Some(key.kid.clone());
        key.sign_with_header(&h, claims)
    }
}

// The suite must keep at least 40 negative cases: checked when this file compiles.
const _: () = assert!(NEGATIVE_CASES >= 40, "fewer than 40 negative cases");

#[tokio::test]
async fn a_valid_token_is_accepted() {
    let caller = verifier().await.verify(&valid()).await.unwrap();
    assert_eq!(
        (caller.sub.as_str(), caller.email.as_str(), caller.roles.as_slice()),
        ("user-1", "u1@example.com", &[Role::UserMover][..])
    );
    let via_header = verifier().await.verify_bearer(Some(&format!("Bearer {}", valid()))).await.unwrap();
    assert_eq!(via_header.sub, "user-1");
}

#[tokio::test]
async fn clock_skew_within_the_leeway_is_tolerated() {
    let v = verifier().await;
    v.verify(&sign(&rs256_header(), &with(claims(), "exp", json!(now() - 10)))).await.unwrap();
    v.verify(&sign(&rs256_header(), &with(claims(), "nbf", json!(now() + 10)))).await.unwrap();
}

#[tokio::test]
async fn a_missing_or_non_bearer_header_is_refused() {
    let v = verifier().await;
    for header in [None, Some(""), Some("Basic dXNlcjpwYXNz"), Some(valid().as_str())] {
        assert_eq!(v.verify_bearer(header).await.unwrap_err(), TokenError::Missing, "{header:?}");
    }
}

#[tokio::test]
async fn after_a_rotation_old_and_new_tokens_verify() {
    let mut set = keys().clone();
    let old_token = set.sign(&serde_json::from_value(claims()).unwrap()).unwrap();
    set.rotate().unwrap();
    let new_token = set.sign(&serde_json::from_value(claims()).unwrap()).unwrap();
    assert_eq!(set.jwks().unwrap().keys.len(), 2);
    let v = Verifier::new(&settings(), Arc::new(StaticJwks(set.jwks().unwrap()))).await.unwrap();
    v.verify(&old_token).await.unwrap();
    v.verify(&new_token).await.unwrap();
    set.rotate().unwrap();
    let v = Verifier::new(&settings(), Arc::new(StaticJwks(set.jwks().unwrap()))).await.unwrap();
    assert_eq!(v.verify(&old_token).await.unwrap_err(), TokenError::UnknownKey, "retired after two rotations");
}

#[test]
fn the_jwks_publishes_rs256_signing_keys_only_public_parts() {
    let jwks = serde_json::to_value(keys().jwks().unwrap()).unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["alg"].as_str(), key["use"].as_str()),
        (Some("RSA"), Some("RS256"), Some("sig"))
    );
    assert_eq!(key["kid"], kid());
    assert!(key["n"].as_str().unwrap().len() > 300 && key["e"] == "AQAB");
    assert!(key.get("d").is_none() && key.get("p").is_none(), "no private parts: {key}");
}

#[test]
fn a_key_set_survives_its_secret_json() {
    let json = keys().to_json();
    let back = KeySet::from_json(&json).unwrap();
    assert_eq!(back.active_kid, keys().active_kid);
    let err = KeySet::from_json(r#"{"active_kid":"x","keys":[]}"#).unwrap_err().to_string();
    assert!(err.contains("active key `x` is not in the set"), "{err}");
}
