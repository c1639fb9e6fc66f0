//! An error and its causes as one line (`the movers table failed: dynamodb: put
//! mover#1: ...`), for log lines and failed records, where only the top error's
//! text would lose the reason.
use std::error::Error;

/// `error` followed by each of its sources, joined by `: `.
pub fn text(error: &(dyn Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let said = c.to_string();
        // A wrapper that prints its sources (as `DisplayErrorContext` does for the
        // SDK's errors) has said them already.
        if !line.contains(&said) {
            line.push_str(": ");
            line.push_str(&said);
        }
        cause = c.source();
    }
    line
}

#[cfg(test)]
mod tests {
    #[derive(Debug, thiserror::Error)]
    #[error("the movers table failed")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("dynamodb: timed out")]
    struct Inner;

    /// Prints its whole chain itself, as `StoreError::Backend` does with the SDK's
    /// `DisplayErrorContext`.
    #[derive(Debug, thiserror::Error)]
    #[error("put mover#1: service error: dynamodb: timed out")]
    struct SaysItsChain(#[source] Middle);

    #[derive(Debug, thiserror::Error)]
    #[error("service error")]
    struct Middle(#[source] Inner);

    #[test]
    fn every_cause_is_said_once() {
        assert_eq!(super::text(&Outer(Inner)), "the movers table failed: dynamodb: timed out");
        assert_eq!(super::text(&Inner), "dynamodb: timed out");
        assert_eq!(super::text(&SaysItsChain(Middle(Inner))), "put mover#1: service error: dynamodb: timed out");
    }
}
