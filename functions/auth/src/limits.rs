//! What the auth service lets one account or one source try: failed logins per
//! account and per source, signups per source. Past a limit the answer is 429 with
//! `Retry-After` until the window ends, also for the right password.
use std::time::Duration;

use platform::store::{Counters, Limit};
use platform_gateway::ApiError;

/// Failed logins of one account (its email) in 15 minutes.
pub const LOGIN_FAILURES_PER_ACCOUNT: Limit =
    Limit { name: "login-account", max: 5, window: Duration::from_secs(15 * 60) };
/// Failed logins from one source address in 15 minutes.
pub const LOGIN_FAILURES_PER_SOURCE: Limit =
    Limit { name: "login-source", max: 50, window: Duration::from_secs(15 * 60) };
/// Signups from one source address in an hour (`SignupsPerSourcePerHour`, 10 in AWS).
pub const fn signups_per_source(max: u32) -> Limit {
    Limit { name: "signup-source", max, window: Duration::from_secs(3600) }
}

/// 429 when `key` has used up `limit` (without counting an attempt).
pub async fn refuse_when_used_up(
    counters: &dyn Counters,
    limit: &Limit,
    key: &str,
    now: i64,
    what: &str,
) -> Result<(), ApiError> {
    let standing = counters.read(limit, key, now).await.map_err(ApiError::internal)?;
    if standing.count >= limit.max {
        return Err(too_many(what, standing.retry_after));
    }
    Ok(())
}

/// Counts one attempt of `key`; 429 when it goes over `limit`.
pub async fn count(counters: &dyn Counters, limit: &Limit, key: &str, now: i64, what: &str) -> Result<(), ApiError> {
    let standing = counters.add(limit, key, now).await.map_err(ApiError::internal)?;
    if standing.over(limit) {
        return Err(too_many(what, standing.retry_after));
    }
    Ok(())
}

fn too_many(what: &str, retry_after: u64) -> ApiError {
    ApiError::too_many_requests(format!("{what}; try again in {retry_after} s"), retry_after)
}
