//! `auth.user.authorize`: a system asks for an access token to act for a user. A
//! known, active account gets a token signed with the active key (the same
//! contract as a login, with the caller's `ref`); anything else is refused with a
//! reason. Both are answers, not failures: only the account lookup can fail.
use platform::store::StoreError;
use platform_identity::{Claims, IdentityError, KeySet, TokenSettings};
use platform_messages::Actor;
use platform_messages::contracts::MAX_REFERENCE_CHARS;
use platform_messages::contracts::auth::{AuthorizeUserData, UserAuthedData, UserRefusedData};
use thiserror::Error;

use crate::store::AccountStore;

/// What issuing a token needs: the accounts, the signing keys and the token settings.
pub struct Issuer<'a> {
    /// Where accounts are looked up.
    pub accounts: &'a dyn AccountStore,
    /// The signing key set (its active key signs).
    pub keys: &'a KeySet,
    /// Issuer, audience and lifetime of the tokens.
    pub tokens: &'a TokenSettings,
}

/// The answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// `user.authed`: the user's token.
    Authed(UserAuthedData),
    /// `user.refused`: why not.
    Refused(UserRefusedData),
}

/// Why a request could not be answered (the record is retried).
#[derive(Debug, Error)]
pub enum AuthorizeError {
    /// The accounts could not be read.
    #[error("reading the account: {0}")]
    Store(#[from] StoreError),
    /// The token could not be signed.
    #[error("signing the token: {0}")]
    Signing(#[from] IdentityError),
}

/// Decides one request. `caller_not_system` is the verified caller when it is a
/// user without the `system` role (see `platform_consumer::user_not_system`).
pub async fn decide(
    issuer: &Issuer<'_>,
    caller_not_system: Option<&Actor>,
    request: AuthorizeUserData,
    now: i64,
) -> Result<Decision, AuthorizeError> {
    let AuthorizeUserData { reference, user_id } = request;
    let refuse = |reason: String| {
        Ok(Decision::Refused(UserRefusedData { reference: reference.clone(), user_id: user_id.clone(), reason }))
    };
    if let Some(caller) = caller_not_system {
        return refuse(format!(
            "only a system may ask for a user's token; `{}` (roles {}) may not",
            caller.sub,
            caller.roles.join(", ")
        ));
    }
    if reference.chars().count() > MAX_REFERENCE_CHARS {
        return refuse(format!("ref is over {MAX_REFERENCE_CHARS} characters"));
    }
    let Some(account) = issuer.accounts.find_by_id(&user_id).await? else {
        return refuse("unknown user".to_owned());
    };
    if account.disabled {
        return refuse("the account is disabled".to_owned());
    }
    let claims = Claims::issue(issuer.tokens, &account.user_id, &account.email, account.roles.clone(), now);
    let token = issuer.keys.sign(&claims)?;
    let roles = account.roles.iter().map(|r| r.to_string()).collect();
    Ok(Decision::Authed(UserAuthedData { user_id: account.user_id, roles, token, reference: Some(reference) }))
}
