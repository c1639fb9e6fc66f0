//! Retrying a waiting step's own transient failures in-process. A step whose state
//! waits for a task token (`.waitForTaskToken`) hands its token on and returns; if
//! it fails, the state's `Retry` is the only rescue, and where that failure does not
//! reach the state (the local emulator leaves such a state waiting for its whole
//! `TimeoutSeconds`) the saga gives up on a business it could have finished. So a
//! waiting step retries a `Transient` failure itself, with exponential backoff and
//! full jitter, for as long as the invocation leaves time (see [`crate::deadline`]),
//! and hands the last failure to the state's `Retry` only then. Business errors are
//! never retried. The retried work must be idempotent (a repeated ask carries the
//! same message id).
use std::future::Future;
use std::time::Duration;

use uuid::Uuid;

use super::StepError;

/// How a waiting step retries its transient failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Persistence {
    /// The first pause's ceiling; each later one doubles, up to `max_pause`.
    pub first_pause: Duration,
    /// The longest pause.
    pub max_pause: Duration,
    /// What is left of the invocation for the last attempt and the answer: no
    /// attempt starts with less.
    pub reserve: Duration,
    /// Attempts at most (what bounds it outside an invocation, in tests and tools).
    pub max_attempts: u32,
}

impl Default for Persistence {
    /// Pauses of up to 0.1, 0.2, 0.4 … 2 s, while 5 s of the invocation are left,
    /// 20 attempts at most (a 30 s step Lambda makes about 12 of them).
    fn default() -> Self {
        Self {
            first_pause: Duration::from_millis(100),
            max_pause: Duration::from_secs(2),
            reserve: Duration::from_secs(5),
            max_attempts: 20,
        }
    }
}

impl Persistence {
    /// Runs `attempt` until it succeeds, fails for a business reason, or the
    /// attempts or the invocation's time run out (then its last failure).
    pub async fn run<T, F, Fut>(&self, what: &str, mut attempt: F) -> Result<T, StepError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, StepError>>,
    {
        let mut ceiling = self.first_pause;
        let mut tries = 0;
        loop {
            tries += 1;
            let error = match attempt().await {
                Err(e) if e.is_transient() => e,
                done => return done,
            };
            let pause = full_jitter(ceiling);
            if tries >= self.max_attempts || !crate::deadline::has(pause + self.reserve) {
                tracing::warn!(step = what, tries, error = %error.message, "gave up retrying; the state's Retry takes over");
                return Err(error);
            }
            tracing::info!(step = what, tries, pause_ms = pause.as_millis() as u64, error = %error.message, "retrying a transient failure");
            tokio::time::sleep(pause).await;
            ceiling = (ceiling * 2).min(self.max_pause);
        }
    }
}

/// A pause drawn evenly between zero and `ceiling`.
fn full_jitter(ceiling: Duration) -> Duration {
    let share = (Uuid::new_v4().as_u128() >> 64) as f64 / u64::MAX as f64;
    ceiling.mul_f64(share)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::SystemTime;

    use super::*;

    fn quick() -> Persistence {
        Persistence {
            first_pause: Duration::from_millis(2),
            max_pause: Duration::from_millis(8),
            reserve: Duration::from_millis(50),
            max_attempts: 6,
        }
    }

    /// An attempt that fails transiently `failures` times, then answers `7`.
    async fn flaky(calls: &AtomicU32, failures: u32) -> Result<u32, StepError> {
        if calls.fetch_add(1, Ordering::SeqCst) < failures { Err(StepError::transient("throttled")) } else { Ok(7) }
    }

    #[tokio::test]
    async fn a_transient_failure_is_retried_until_the_step_succeeds() {
        let calls = AtomicU32::new(0);
        assert_eq!(quick().run("ask", || flaky(&calls, 3)).await, Ok(7));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_business_error_is_returned_at_once() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = quick()
            .run("ask", || {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err(StepError::business("AddressRejected", "no such street")) }
            })
            .await;
        assert_eq!(result.unwrap_err().error_type, "AddressRejected");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn the_attempts_are_bounded_and_the_last_failure_is_handed_on() {
        let calls = AtomicU32::new(0);
        let result = quick().run("ask", || flaky(&calls, u32::MAX)).await;
        assert!(result.unwrap_err().is_transient());
        assert_eq!(calls.load(Ordering::SeqCst), 6);
    }

    #[tokio::test]
    async fn no_attempt_starts_without_the_reserve_of_the_invocation_left() {
        let calls = AtomicU32::new(0);
        let soon = SystemTime::now() + Duration::from_millis(200);
        let policy = Persistence { reserve: Duration::from_millis(150), max_attempts: 1_000, ..quick() };
        let started = std::time::Instant::now();
        let result = crate::deadline::until(soon, policy.run("ask", || flaky(&calls, u32::MAX))).await;
        assert!(result.is_err());
        assert!(started.elapsed() < Duration::from_millis(200), "it stopped within the invocation");
        let tries = calls.load(Ordering::SeqCst);
        assert!((2..1_000).contains(&tries), "retried while time was left, then stopped: {tries}");
    }
}
