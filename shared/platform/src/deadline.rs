//! The invocation's deadline, as Lambda gives it in the context, for the code that
//! must not start what it cannot finish (an email it could not journal as sent):
//! the worker sets it for the whole batch; [`remaining`] tells what is left.
use std::future::Future;
use std::time::{Duration, SystemTime};

tokio::task_local! {
    static DEADLINE: SystemTime;
}

/// Runs `work` with `deadline` as the invocation's deadline.
pub async fn until<F: Future>(deadline: SystemTime, work: F) -> F::Output {
    DEADLINE.scope(deadline, work).await
}

/// The time left before the invocation's deadline; `None` outside an invocation
/// (tests, tools), where nothing is cut short.
pub fn remaining() -> Option<Duration> {
    DEADLINE.try_with(|d| d.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO)).ok()
}

/// Whether at least `needed` is left (always, outside an invocation).
pub fn has(needed: Duration) -> bool {
    remaining().is_none_or(|left| left >= needed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_time_left_is_known_inside_an_invocation_only() {
        assert_eq!(remaining(), None);
        assert!(has(Duration::from_secs(3600)));
        let soon = SystemTime::now() + Duration::from_millis(500);
        until(soon, async {
            let left = remaining().unwrap();
            assert!(left <= Duration::from_millis(500) && left > Duration::from_millis(300), "{left:?}");
            assert!(has(Duration::from_millis(100)) && !has(Duration::from_secs(1)));
        })
        .await;
        until(SystemTime::now() - Duration::from_secs(1), async { assert_eq!(remaining(), Some(Duration::ZERO)) })
            .await;
    }
}
