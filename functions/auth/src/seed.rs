//! Local stack only: one account per role, so that a developer can log in at once.
//! Never enabled in the AWS environment (the template sets `SEED_LOCAL_ACCOUNTS`
//! only when `Environment=local`).
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

/// Creates the accounts that do not exist yet; returns how many were created.
pub async fn seed(accounts: &dyn AccountStore) -> Result<usize, AuthError> {
    let mut created = 0;
    for (email, role) in LOCAL_ACCOUNTS {
        let name = format!("Local {role}");
        match register(accounts, email, LOCAL_PASSWORD, &name, vec![role]).await {
            Ok(_) => created += 1,
            Err(AuthError::EmailTaken) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(created)
}
