//! Issuing an access token, publishing the key set and verifying a token, against
//! `jsonwebtoken` used as its documentation shows (the key read from its PEM once,
//! `encode` for each token; the JWK derived with `Jwk::from_encoding_key`;
//! `decode` with the same checks). The auth gateway signs a token at every login
//! and refresh, the auth worker at every `auth.user.authorize`; every auth function
//! derives the key set's public half at its cold start; every gateway verifies a
//! token with each request.
//!
//! Run: `cargo xtask bench tokens`, which also runs the Python peer (PyJWT with
//! `cryptography`) on the key set, claims and token this benchmark writes to
//! `TOKEN_BENCH_FILE`; or `cargo bench -p platform-identity --bench token_signing`.
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use platform_identity::{Claims, KeySet, Role, StaticJwks, TokenSettings, Verifier};

fn bench(c: &mut Criterion) {
    // A set after its first rotation: two keys, the new one signing.
    let mut keys = KeySet::generate().expect("a key set");
    keys.rotate().expect("a rotation");
    let settings =
        TokenSettings { issuer: "https://auth.updater.com".into(), audience: "updater-api".into(), ttl_seconds: 3600 };
    // Valid from now for an hour: the benchmark and its Python peer verify the token.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = Claims::issue(&settings, "usr_0123456789", "mover@example.com", vec![Role::UserMover], now);
    let token = keys.sign(&claims).unwrap();
    if let Some(path) = std::env::var_os("TOKEN_BENCH_FILE") {
        let key_set: serde_json::Value = serde_json::from_str(&keys.to_json()).unwrap();
        let file = serde_json::json!({ "key_set": key_set, "claims": claims, "token": token, "settings": {
            "issuer": settings.issuer, "audience": settings.audience
        }});
        std::fs::write(path, file.to_string()).expect("writing the benchmark's key set, claims and token");
    }

    let active = keys.active().expect("the active key");
    let encoding_key = EncodingKey::from_rsa_pem(active.private_key_pem().as_bytes()).expect("a PEM key");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(active.kid.clone());
    assert_eq!(keys.sign(&claims).unwrap(), jsonwebtoken::encode(&header, &claims, &encoding_key).unwrap());

    let mut group = c.benchmark_group("token_signing");
    group.bench_function("platform_sign", |b| b.iter(|| keys.sign(&claims).unwrap()));
    group.bench_function("jsonwebtoken_sign", |b| {
        b.iter(|| jsonwebtoken::encode(&header, &claims, &encoding_key).unwrap())
    });
    group.bench_function("platform_jwks", |b| b.iter(|| keys.jwks().unwrap()));
    group.bench_function("jsonwebtoken_jwks", |b| {
        b.iter(|| {
            let jwk = |pem: &str| {
                Jwk::from_encoding_key(&EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(), Algorithm::RS256)
            };
            JwkSet { keys: keys.keys.iter().map(|k| jwk(k.private_key_pem()).unwrap()).collect() }
        })
    });
    // Verifying: what every gateway does with every request, and a worker with
    // every message that carries a user's token.
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let verifier =
        runtime.block_on(Verifier::new(&settings, Arc::new(StaticJwks(keys.jwks().unwrap())))).expect("a verifier");
    let decoding_key = DecodingKey::from_jwk(&active.jwk().unwrap()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[&settings.audience]);
    // Within a task, as a gateway's handler verifies (not one `block_on` a token):
    // tokens seen for the first time (more of them, in turn, than the verifier
    // keeps), and one token seen again and again (a user's next requests).
    let first_seen: Vec<String> =
        (0..1024).map(|i| keys.sign(&Claims { jti: format!("jti-{i}"), ..claims.clone() }).unwrap()).collect();
    let verify_in_turn = |tokens: &[String], count: u64| {
        runtime.block_on(async {
            let started = std::time::Instant::now();
            for token in tokens.iter().cycle().take(count as usize) {
                std::hint::black_box(verifier.verify(token).await.unwrap());
            }
            started.elapsed()
        })
    };
    group.bench_function("platform_verify", |b| b.iter_custom(|count| verify_in_turn(&first_seen, count)));
    group.bench_function("platform_verify_seen", |b| {
        b.iter_custom(|count| verify_in_turn(std::slice::from_ref(&token), count))
    });
    group.bench_function("jsonwebtoken_verify", |b| {
        b.iter(|| jsonwebtoken::decode::<Claims>(&token, &decoding_key, &validation).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
