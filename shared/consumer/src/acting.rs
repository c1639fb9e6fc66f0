//! On whose behalf a record runs. The token riding in the `authorization` attribute
//! is verified at the moment its message was authorized (so a message that waited
//! in a queue or a DLQ keeps its identity), and becomes the envelope's `actor`. A
//! record without a token runs as the system, but only where its route accepts
//! system work; a claimed `actor` without a matching verified token never runs.
use platform_identity::{Caller, Role, Verifier};
use platform_messages::Actor;
use time::OffsetDateTime;

use super::record::Incoming;

/// Who may ask for the work a route does; each route declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepts {
    /// Facts and tasks any system may publish without a user's token (it runs as
    /// the system), as well as the same work done on behalf of a verified user.
    SystemWork,
    /// Work done for a particular user: a record without a verified user token is refused.
    UserWorkOnly,
}

/// The verified actor of a record when it is a user without the `system` role:
/// `None` for system work (no token) and for a system identity. Routes that only
/// systems may ask for (naming an owner, issuing a user's token) refuse the rest.
pub fn user_not_system(actor: Option<&Actor>) -> Option<&Actor> {
    actor.filter(|a| !a.roles.iter().any(|r| r == Role::System.as_str()))
}

fn actor_of(caller: Caller) -> Actor {
    Actor { sub: caller.sub, roles: caller.roles.iter().map(|r| r.to_string()).collect() }
}

/// Verifies the identity a record claims and sets its `actor` to the verified
/// caller (or `None` for system work); the error is the reason to log and
/// dead-letter the record with.
/// It takes the record by reference: its future then holds a pointer, not the
/// record (each record's future is moved as it is boxed and polled).
pub(crate) async fn authenticate(
    verifier: &Verifier,
    incoming: &mut Incoming<'_>,
    accepts: Accepts,
    now: OffsetDateTime,
) -> Result<(), String> {
    let envelope = &mut incoming.envelope;
    match &incoming.token {
        Some(token) => {
            let authorized_at = envelope.authorized_at().unix_timestamp();
            // Boxed: only records that carry a token hold a verification's state.
            let caller = Box::pin(verifier.verify_in_flight(token, authorized_at, now.unix_timestamp()))
                .await
                .map_err(|e| format!("the authorization token was refused: {e}"))?;
            let verified = actor_of(caller);
            if let Some(claimed) = &envelope.actor
                && claimed != &verified
            {
                return Err(format!(
                    "the envelope claims actor `{}` with roles {:?}, but its token is `{}`'s with roles {:?}; refused",
                    claimed.sub, claimed.roles, verified.sub, verified.roles
                ));
            }
            envelope.actor = Some(verified);
        }
        None => {
            if let Some(claimed) = &envelope.actor {
                return Err(format!(
                    "the envelope claims actor `{}` but carries no authorization token to prove it; refused",
                    claimed.sub
                ));
            }
            if accepts == Accepts::UserWorkOnly {
                return Err(format!(
                    "`{}` is work done for a user and needs the user's authorization token; refused",
                    envelope.name
                ));
            }
        }
    }
    Ok(())
}
