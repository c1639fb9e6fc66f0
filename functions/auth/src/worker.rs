//! The auth worker: answers `auth.user.authorize` with `user.authed` or
//! `user.refused`. The task runs as system work (a task between services carries
//! no user's token); a caller with a user's token is verified by the consumer and
//! then refused here, as an answer, unless it holds the `system` role.
use std::sync::Arc;

use platform_consumer::{Accepts, Consumer, ConsumerParts, Emit, HandlerError, HandlerResult, user_not_system};
use platform_identity::{KeySet, TokenSettings};
use platform_messages::Envelope;
use platform_messages::contracts::auth::{AuthorizeUser, AuthorizeUserData, UserAuthed, UserRefused};

use crate::authorize::{Decision, Issuer, decide};
use crate::catalog::SERVICE;
use crate::store::AccountStore;

/// What the worker's routes share.
pub struct WorkerState {
    /// The accounts.
    pub accounts: Arc<dyn AccountStore>,
    /// The signing key set.
    pub keys: Arc<KeySet>,
    /// Issuer, audience and lifetime of the tokens.
    pub tokens: TokenSettings,
}

async fn authorize(state: Arc<WorkerState>, m: Envelope<AuthorizeUserData>) -> HandlerResult {
    let issuer = Issuer { accounts: state.accounts.as_ref(), keys: &state.keys, tokens: &state.tokens };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    match decide(&issuer, user_not_system(m.actor.as_ref()), m.data, now).await.map_err(HandlerError::new)? {
        Decision::Authed(data) => Emit::one::<UserAuthed>(&data),
        Decision::Refused(data) => {
            tracing::info!(user_id = data.user_id, reason = data.reason, "refused a token");
            Emit::one::<UserRefused>(&data)
        }
    }
}

/// The auth consumer with its route.
pub fn consumer(state: WorkerState, parts: ConsumerParts) -> Consumer {
    Consumer::from_parts(SERVICE, parts)
        .with_state(Arc::new(state))
        .on::<AuthorizeUser, _, _>(Accepts::SystemWork, |s, m, _| authorize(s, m))
        .build()
}
