//! What the movers gateway's three endpoints (REST, CQRS commands, GraphQL) share:
//! the state, who may see, list and change a mover, the hourly mail limit, and the
//! `Idempotency-Key` header.
use std::sync::Arc;

use axum::extract::FromRef;
use platform::store::{Counters, Limit};
use platform_gateway::{ApiError, Authenticated};
use platform_identity::Verifier;
use platform_messages::contracts::movers::MoverView;

use crate::domain::Mover;
use crate::error::MoverError;
use crate::permissions::{MoverPermission::*, PERMISSIONS};
use crate::service::MoversService;

/// What the routes share.
#[derive(Clone)]
pub struct AppState {
    /// Verifies callers.
    pub verifier: Arc<Verifier>,
    /// The domain.
    pub service: MoversService,
    /// Attempt counters for the limits (in the service's table).
    pub counters: Arc<dyn Counters>,
    /// Movers (and verification codes) one user may ask for in an hour.
    pub mails_per_account: Limit,
}

/// Movers created, and verification codes requested, by one user in an hour
/// (`MoversPerAccountPerHour`, 20 in AWS): each mails a code to an address.
pub const fn mails_per_account(max: u32) -> Limit {
    Limit { name: "mails-account", max, window: std::time::Duration::from_secs(3600) }
}

/// Counts a request that mails a verification code for `who`; 429 past the limit.
/// The system's own requests are not limited.
pub async fn count_mail(s: &AppState, who: &Authenticated) -> Result<(), ApiError> {
    if who.caller.roles.contains(&platform_identity::Role::System) {
        return Ok(());
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let standing = s.counters.add(&s.mails_per_account, &who.caller.sub, now).await.map_err(ApiError::internal)?;
    if standing.over(&s.mails_per_account) {
        let message = format!(
            "you created {} movers or requested codes this hour; try again in {} s",
            s.mails_per_account.max, standing.retry_after
        );
        return Err(ApiError::too_many_requests(message, standing.retry_after));
    }
    Ok(())
}

impl FromRef<AppState> for Arc<Verifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

/// What `who` may see of `mover`: the full view, the redacted one, or 403.
pub fn visible(who: &Authenticated, mover: &Mover, version: u64) -> Result<MoverView, ApiError> {
    let roles = &who.caller.roles;
    if PERMISSIONS.allows(roles, ReadAll) || (PERMISSIONS.allows(roles, ManageOwn) && mover.owner_sub == who.caller.sub)
    {
        Ok(mover.view(version, false))
    } else if PERMISSIONS.allows(roles, ReadRedacted) {
        Ok(mover.view(version, true))
    } else {
        Err(ApiError::forbidden("you may only see your own movers"))
    }
}

/// Whose movers `who` may list: everyone's (`None`), their own, or none (403).
pub fn list_scope(who: &Authenticated) -> Result<Option<&str>, ApiError> {
    let roles = &who.caller.roles;
    if PERMISSIONS.allows(roles, ReadAll) || PERMISSIONS.allows(roles, ReadRedacted) {
        Ok(None)
    } else if PERMISSIONS.allows(roles, ManageOwn) {
        Ok(Some(who.caller.sub.as_str()))
    } else {
        Err(ApiError::forbidden("your roles do not allow listing movers"))
    }
}

/// Forbidden unless `who` may change `mover`.
pub fn may_change(who: &Authenticated, mover: &Mover) -> Result<(), MoverError> {
    let roles = &who.caller.roles;
    if PERMISSIONS.allows(roles, UpdateAll)
        || (PERMISSIONS.allows(roles, ManageOwn) && mover.owner_sub == who.caller.sub)
    {
        Ok(())
    } else {
        Err(MoverError::Forbidden("you may only change your own movers".into()))
    }
}

impl From<MoverError> for ApiError {
    fn from(e: MoverError) -> Self {
        match e {
            MoverError::Invalid(invalid) => invalid.into(),
            MoverError::NothingToChange(m) => ApiError::bad_request(m),
            MoverError::NotFound(_) => ApiError::not_found(e.to_string()),
            MoverError::Forbidden(m) => ApiError::forbidden(m),
            MoverError::Conflict(m) => ApiError::conflict(m),
            MoverError::Store(_) | MoverError::Message(_) => ApiError::internal(platform::error_chain::text(&e)),
        }
    }
}
