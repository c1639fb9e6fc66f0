//! Local stack only: one account per role, so that a developer can log in at once.
//! Created by every local deploy (`cargo xtask deploy`, `up`, `test`), never by a
//! function: nothing on AWS creates them.
use platform_identity::Role;

use crate::error::AuthError;
use crate::routes::register;
use crate::store::AccountStore;

/// The password of every seeded account.
pub const LOCAL_PASSWORD: &str = "local-dev-password";

/// `(email, role)` of the seeded accounts.
pub const LOCAL_ACCOUNTS: [(&str, Role); 4] = [
    ("system@updater.local", Role::System),
    ("mover@updater.local", Role::UserMover),
    ("client@updater.local", Role::UserClient),
    ("business@updater.local", Role::UserBusiness),
];

/// Creates the accounts that do not exist yet; returns how many were created. An
/// existing account is found by its email before any password is hashed, so a
/// redeploy pays no hashing, and one round trip: the accounts are looked up side by
/// side (and the missing ones created side by side).
pub async fn seed(accounts: &dyn AccountStore) -> Result<usize, AuthError> {
    let lookups = LOCAL_ACCOUNTS.map(|(email, role)| async move {
        Ok::<_, AuthError>(accounts.find_by_email(email).await?.is_none().then_some((email, role)))
    });
    let mut missing = Vec::new();
    for found in futures::future::join_all(lookups).await {
        missing.extend(found?);
    }
    let creations = missing.into_iter().map(|(email, role)| async move {
        match register(accounts, email, LOCAL_PASSWORD, &format!("Local {role}"), vec![role]).await {
            Ok(_) => Ok(1),
            // Another instance seeded it meanwhile.
            Err(AuthError::EmailTaken) => Ok(0),
            Err(e) => Err(e),
        }
    });
    let mut created = 0;
    for result in futures::future::join_all(creations).await {
        created += result?;
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_trait::async_trait;
    use platform::store::StoreError;

    use super::*;
    use crate::accounts::Account;
    use crate::store::MemoryAccountStore;

    /// Counts the accounts it is asked to create (each one a password hashed first).
    #[derive(Default)]
    struct Counting {
        accounts: MemoryAccountStore,
        creations: AtomicUsize,
    }

    #[async_trait]
    impl AccountStore for Counting {
        async fn create(&self, account: &Account) -> Result<(), StoreError> {
            self.creations.fetch_add(1, Ordering::SeqCst);
            self.accounts.create(account).await
        }

        async fn find_by_email(&self, email: &str) -> Result<Option<Account>, StoreError> {
            self.accounts.find_by_email(email).await
        }

        async fn find_by_id(&self, user_id: &str) -> Result<Option<Account>, StoreError> {
            self.accounts.find_by_id(user_id).await
        }
    }

    #[tokio::test]
    async fn the_missing_accounts_are_created_once_and_existing_ones_hash_nothing() {
        let store = Counting::default();
        assert_eq!(seed(&store).await.unwrap(), LOCAL_ACCOUNTS.len());
        assert_eq!(seed(&store).await.unwrap(), 0);
        assert_eq!(store.creations.load(Ordering::SeqCst), LOCAL_ACCOUNTS.len(), "no hashing for existing accounts");
        for (email, role) in LOCAL_ACCOUNTS {
            let account = store.find_by_email(email).await.unwrap().expect("seeded");
            assert_eq!(account.roles, vec![role]);
        }
    }
}
