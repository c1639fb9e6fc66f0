//! The invocation's deadline, as Lambda gives it in the context, for the code that
//! must not start what it cannot finish (an email it could not journal as sent):
//! the worker sets it for the whole batch; [`remaining`] tells what is left and
//! [`leaving`] cuts work short so that a reserve is left for what must follow it.
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

/// Runs `work`, cut short when only `reserve` of the invocation is left: `None`
/// when it was cut. Outside an invocation it runs to its end.
pub async fn leaving<F: Future>(reserve: Duration, work: F) -> Option<F::Output> {
    match remaining() {
        None => Some(work.await),
        Some(left) => tokio::time::timeout(left.saturating_sub(reserve), work).await.ok(),
    }
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

    #[tokio::test]
    async fn work_is_cut_where_only_the_reserve_is_left() {
        let slow = || tokio::time::sleep(Duration::from_millis(400));
        assert_eq!(leaving(Duration::from_secs(5), slow()).await, Some(()), "no deadline, no cut");
        let soon = SystemTime::now() + Duration::from_millis(600);
        assert_eq!(until(soon, leaving(Duration::from_millis(300), slow())).await, None);
        let later = SystemTime::now() + Duration::from_millis(1_000);
        assert_eq!(until(later, leaving(Duration::from_millis(300), slow())).await, Some(()));
    }
}
