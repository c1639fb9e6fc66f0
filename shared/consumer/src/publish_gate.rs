//! One `PublishBatch` for a batch's records. The records run side by side and
//! reach their publication at about the same moment; the first to arrive waits
//! until every record still running has arrived too (or until `wait` has passed),
//! then publishes all their messages with one [`Publish::publish_groups`] (10
//! entries a request), and each record gets the result of its own messages.
//! A record that has published, or finished without publishing, is not waited for.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, oneshot};

use platform::bus::{Outgoing, Publish, PublishError};

/// How long the first record at the gate waits for the others, unless
/// [`crate::Consumer::with_publish_wait`] says otherwise.
pub const DEFAULT_PUBLISH_WAIT: Duration = Duration::from_millis(2);

/// The publication of one batch's records.
pub(crate) struct PublishGate {
    publisher: Arc<dyn Publish>,
    wait: Duration,
    state: Mutex<Gate>,
    all_arrived: Notify,
}

#[derive(Default)]
struct Gate {
    /// Records started that have neither come to the gate nor finished.
    running: usize,
    /// Records waiting to publish, with where to send each its result.
    waiting: Vec<(Vec<Outgoing>, Answer)>,
}

/// Where a waiting record gets the result of its messages.
type Answer = oneshot::Sender<Result<(), PublishError>>;

impl PublishGate {
    pub(crate) fn new(publisher: Arc<dyn Publish>, wait: Duration) -> Self {
        Self { publisher, wait, state: Mutex::new(Gate::default()), all_arrived: Notify::new() }
    }

    /// A record starts: until it publishes or its pass is dropped, the records at
    /// the gate wait for it (at most the gate's `wait`).
    pub(crate) fn enter(&self) -> Pass<'_> {
        self.lock().running += 1;
        Pass { gate: self, running: true }
    }

    fn arrive_or_leave(&self, pass: &mut Pass<'_>) -> std::sync::MutexGuard<'_, Gate> {
        let mut gate = self.lock();
        if std::mem::take(&mut pass.running) {
            gate.running = gate.running.saturating_sub(1);
        }
        gate
    }

    async fn publish(&self, pass: &mut Pass<'_>, messages: Vec<Outgoing>) -> Result<(), PublishError> {
        let (answer, result) = oneshot::channel();
        let leads = {
            let mut gate = self.arrive_or_leave(pass);
            gate.waiting.push((messages, answer));
            self.wake_if_all_arrived(&gate);
            gate.waiting.len() == 1
        };
        if leads {
            // A timeout is no failure: the records still running publish later.
            let _ = tokio::time::timeout(self.wait, self.all_arrived.notified()).await;
            let waiting = std::mem::take(&mut self.lock().waiting);
            let (groups, answers): (Vec<_>, Vec<_>) = waiting.into_iter().unzip();
            let results = self.publisher.publish_groups(groups).await;
            for (answer, result) in answers.into_iter().zip(results) {
                let _ = answer.send(result);
            }
        }
        result.await.unwrap_or_else(|_| Err(PublishError::Transport("the batch's publication was abandoned".into())))
    }

    fn wake_if_all_arrived(&self, gate: &Gate) {
        if !gate.waiting.is_empty() && gate.running == 0 {
            self.all_arrived.notify_one();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Gate> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A running record's place at the gate.
pub(crate) struct Pass<'g> {
    gate: &'g PublishGate,
    running: bool,
}

impl Pass<'_> {
    /// Publishes `messages` together with those of the records beside this one.
    pub(crate) async fn publish(&mut self, messages: Vec<Outgoing>) -> Result<(), PublishError> {
        let gate = self.gate;
        gate.publish(self, messages).await
    }
}

impl Drop for Pass<'_> {
    /// A record that is done without publishing is no longer waited for.
    fn drop(&mut self) {
        let gate = self.gate;
        let state = gate.arrive_or_leave(self);
        gate.wake_if_all_arrived(&state);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    use async_trait::async_trait;
    use platform_messages::{Envelope, event};
    use serde_json::json;

    use super::*;

    /// Counts its calls; fails the group whose message says `"fail": true`.
    #[derive(Default)]
    struct Counting {
        calls: AtomicUsize,
        groups: Mutex<Vec<usize>>,
    }

    #[async_trait]
    impl Publish for Counting {
        async fn publish(&self, _: Vec<Outgoing>) -> Result<(), PublishError> {
            unreachable!("the gate publishes groups")
        }

        async fn publish_groups(&self, groups: Vec<Vec<Outgoing>>) -> Vec<Result<(), PublishError>> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.groups.lock().unwrap().push(groups.len());
            groups
                .iter()
                .map(|g| match g.iter().any(|m| m.envelope.data["fail"] == true) {
                    true => Err(PublishError::Rejected { count: 1, detail: "0 InternalError".into() }),
                    false => Ok(()),
                })
                .collect()
        }
    }

    fn message(fail: bool) -> Vec<Outgoing> {
        vec![Outgoing {
            envelope: Envelope::new(event!("x.happened"), json!({ "fail": fail })),
            token: None,
            trace: None,
        }]
    }

    #[tokio::test]
    async fn records_that_arrive_together_share_one_call_and_get_their_own_results() {
        let publisher = Arc::new(Counting::default());
        let gate = PublishGate::new(publisher.clone(), Duration::from_secs(5));
        let mut passes: Vec<_> = (0..4).map(|_| gate.enter()).collect();
        let started = Instant::now();
        let publications = passes.iter_mut().zip([false, true, false, false]).map(|(p, fail)| p.publish(message(fail)));
        let results = futures::future::join_all(publications).await;
        assert!(started.elapsed() < Duration::from_secs(1), "nobody waited for the timeout");
        let outcomes: Vec<bool> = results.iter().map(Result::is_ok).collect();
        assert_eq!(outcomes, vec![true, false, true, true], "the failed entry fails its record only");
        assert_eq!(*publisher.groups.lock().unwrap(), vec![4], "one call for four records");
    }

    #[tokio::test]
    async fn a_record_that_finishes_without_publishing_is_not_waited_for() {
        let publisher = Arc::new(Counting::default());
        let gate = PublishGate::new(publisher.clone(), Duration::from_secs(5));
        let mut publishing = gate.enter();
        let idle = gate.enter();
        let started = Instant::now();
        let (result, ()) = tokio::join!(publishing.publish(message(false)), async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(idle);
        });
        assert!(result.is_ok());
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(20) && waited < Duration::from_secs(1), "{waited:?}");
    }

    #[tokio::test]
    async fn a_late_record_publishes_in_a_call_of_its_own_after_the_wait() {
        let publisher = Arc::new(Counting::default());
        let gate = PublishGate::new(publisher.clone(), Duration::from_millis(10));
        let mut first = gate.enter();
        let mut second = gate.enter();
        let late = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            second.publish(message(false)).await
        };
        let (first, second) = tokio::join!(first.publish(message(false)), late);
        assert!(first.is_ok() && second.is_ok());
        assert_eq!(*publisher.groups.lock().unwrap(), vec![1, 1]);
    }
}
