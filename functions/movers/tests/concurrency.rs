//! A code confirmed while an address answer changes the same mover: the write is
//! stale, and the service judges the code again on the record as it is now
//! (the race CI's booking tests met: a mover's addresses reconcile right while its
//! owner confirms the email).
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use movers::domain::{Mover, MoverInput};
use movers::service::{Effect, MoversService};
use movers::store::{Cursor, MemoryMoverStore, MoverStore, Page};
use platform::bus::{Origin, Outgoing};
use platform::store::{StoreError, Versioned};

/// A store whose first replace loses to a concurrent change.
#[derive(Default)]
struct LosesTheFirstRace {
    inner: MemoryMoverStore,
    raced: AtomicBool,
}

#[async_trait]
impl MoverStore for LosesTheFirstRace {
    async fn get(&self, id: &str) -> Result<Option<Versioned<Mover>>, StoreError> {
        self.inner.get(id).await
    }

    async fn insert(&self, mover: &Mover, messages: &[Outgoing]) -> Result<u64, StoreError> {
        self.inner.insert(mover, messages).await
    }

    async fn replace(&self, mover: &Mover, expected: u64, messages: &[Outgoing]) -> Result<u64, StoreError> {
        if !self.raced.swap(true, Ordering::SeqCst) {
            let current = self.inner.get(&mover.id).await?.expect("the mover exists");
            self.inner.replace(&current.value, current.version, &[]).await?;
            return Err(StoreError::Conflict("changed meanwhile".into()));
        }
        self.inner.replace(mover, expected, messages).await
    }

    async fn list(&self, limit: u32, after: Option<Cursor>, owner: Option<&str>) -> Result<Page, StoreError> {
        self.inner.list(limit, after, owner).await
    }
}

fn input() -> MoverInput {
    serde_json::from_value(serde_json::json!({"name": "Ada", "email": "ada@example.com"})).unwrap()
}

#[tokio::test]
async fn a_code_confirmed_during_a_concurrent_change_is_judged_again_and_proves_the_email() {
    let store = Arc::new(LosesTheFirstRace::default());
    let service = MoversService::new(store.clone());
    let created = service
        .create(
            "mov_race".into(),
            &"usr_1".into(),
            input(),
            time::OffsetDateTime::now_utc().unix_timestamp(),
            &Origin::system(),
        )
        .await
        .unwrap();
    let code = created
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::VerificationRequested(data) => Some(data.code.clone()),
            _ => None,
        })
        .expect("a code was mailed");

    let allow = |_: &Mover| Ok(());
    let proven = service.confirm_email("mov_race", &code, &allow, &Origin::system()).await.unwrap();
    assert!(proven.mover.email_verified);
    assert_eq!(proven.version, 3, "written after the concurrent change (version 2)");
    assert!(store.raced.load(Ordering::SeqCst), "the race happened");
}
