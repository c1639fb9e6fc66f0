//! Tokens riding on bus messages: judged at the moment the message was authorized,
//! so a genuine token stays good for a message's whole life on the bus, while a
//! forged, altered or foreign one, or an authorization time out of bounds, is refused.
use std::sync::{Arc, OnceLock};

use platform_identity::{Claims, IN_FLIGHT_DAYS, KeySet, Role, StaticJwks, TokenError, TokenSettings, Verifier};

const DAY: i64 = 86_400;

fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| KeySet::generate().unwrap())
}

fn settings() -> TokenSettings {
    TokenSettings { issuer: "https://auth.updater.test".into(), audience: "updater-api".into(), ttl_seconds: 900 }
}

async fn verifier() -> Verifier {
    Verifier::new(&settings(), Arc::new(StaticJwks(keys().jwks().unwrap()))).await.unwrap()
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A genuine token issued at `iat` (15 minutes of life).
fn issued_at(iat: i64) -> String {
    keys().sign(&Claims::issue(&settings(), "usr_1", "a@b.co", vec![Role::UserMover], iat)).unwrap()
}

#[tokio::test]
async fn a_token_that_expired_while_its_message_waited_is_accepted_at_any_age_within_the_bus_life() {
    let v = verifier().await;
    let now = now();
    for age_days in [0, 1, 2, 14, IN_FLIGHT_DAYS - 1] {
        let authorized_at = now - age_days * DAY - 60;
        let token = issued_at(authorized_at - 10);
        let caller =
            v.verify_in_flight(&token, authorized_at, now).await.unwrap_or_else(|e| panic!("{age_days}d: {e}"));
        assert_eq!(caller.sub, "usr_1");
        if age_days > 0 {
            assert_eq!(v.verify(&token).await, Err(TokenError::Expired), "the same token is refused at a gateway");
        }
    }
}

#[tokio::test]
async fn a_token_is_refused_when_it_was_not_valid_at_the_authorization_time() {
    let v = verifier().await;
    let now = now();
    let authorized_at = now - 2 * DAY;
    let expired_before = issued_at(authorized_at - 3_600);
    assert_eq!(v.verify_in_flight(&expired_before, authorized_at, now).await, Err(TokenError::Expired));
    let issued_after = issued_at(authorized_at + 3_600);
    assert_eq!(v.verify_in_flight(&issued_after, authorized_at, now).await, Err(TokenError::NotYetValid));
}

#[tokio::test]
async fn authorization_times_out_of_bounds_are_refused() {
    let v = verifier().await;
    let now = now();
    let future = now + 3_600;
    assert_eq!(v.verify_in_flight(&issued_at(future), future, now).await, Err(TokenError::AuthorizedInFuture));
    let ancient = now - (IN_FLIGHT_DAYS + 1) * DAY;
    assert_eq!(
        v.verify_in_flight(&issued_at(ancient), ancient, now).await,
        Err(TokenError::AuthorizationTooOld(IN_FLIGHT_DAYS))
    );
    let within_leeway = now + 20;
    assert!(v.verify_in_flight(&issued_at(now), within_leeway, now).await.is_ok());
}

#[tokio::test]
async fn forged_and_altered_tokens_are_refused_in_flight_too() {
    let v = verifier().await;
    let now = now();
    let authorized_at = now - DAY;
    let foreign = KeySet::generate().unwrap();
    let forged =
        foreign.sign(&Claims::issue(&settings(), "usr_1", "a@b.co", vec![Role::System], authorized_at)).unwrap();
    assert!(matches!(
        v.verify_in_flight(&forged, authorized_at, now).await,
        Err(TokenError::UnknownKey | TokenError::Signature)
    ));
    // The payload of a genuine token swapped for one with more roles: the signature breaks.
    let genuine = issued_at(authorized_at);
    let escalated =
        keys().sign(&Claims::issue(&settings(), "usr_1", "a@b.co", vec![Role::System], authorized_at)).unwrap();
    let mut parts: Vec<&str> = genuine.split('.').collect();
    parts[1] = escalated.split('.').nth(1).unwrap();
    assert_eq!(v.verify_in_flight(&parts.join("."), authorized_at, now).await, Err(TokenError::Signature));
    let mut other_audience = settings();
    other_audience.audience = "someone-else".into();
    let foreign_audience =
        keys().sign(&Claims::issue(&other_audience, "usr_1", "a@b.co", vec![Role::UserMover], authorized_at)).unwrap();
    assert_eq!(v.verify_in_flight(&foreign_audience, authorized_at, now).await, Err(TokenError::Audience));
}
