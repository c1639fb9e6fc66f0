//! The verified caller of a request, from `Authorization: Bearer <jwt>`; a missing
//! or invalid token is a 401 before the handler runs. A W3C `traceparent` request
//! header is continued by the messages the request sends (without one, they are in
//! the trace of their correlation id).
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use platform::bus::{Origin, Outgoing};
use platform_identity::{Caller, Verifier};
use platform_messages::ids::UserId;
use platform_messages::{Actor, Contract, TraceParent};

use crate::error::ApiError;

/// The verified caller, and the raw token to carry on messages sent for them.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// Who is calling.
    pub caller: Caller,
    /// Their token (without `Bearer `).
    pub token: String,
    /// The trace the request arrived in (its `traceparent` header), if any.
    pub trace: Option<TraceParent>,
}

impl Authenticated {
    /// The caller's user id (their token's `sub`).
    pub fn user_id(&self) -> UserId {
        UserId::from(self.caller.sub.as_str())
    }

    /// A message of contract `C` sent on behalf of this caller: their token rides in
    /// the `authorization` attribute and they are the envelope's `actor`.
    pub fn on_behalf<C: Contract>(&self, data: &C::Data) -> Result<Outgoing, ApiError> {
        self.origin().message::<C>(0, data).map_err(ApiError::internal)
    }

    /// The origin of the messages a change sends for this caller (a conversation of
    /// its own, on their behalf, their token riding along).
    pub fn origin(&self) -> Origin {
        let actor =
            Actor { sub: self.caller.sub.clone(), roles: self.caller.roles.iter().map(|r| r.to_string()).collect() };
        Origin::caller(actor, self.token.clone()).in_trace(self.trace.map(|t| t.trace()))
    }
}

impl<S> FromRequestParts<S> for Authenticated
where
    Arc<Verifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<Verifier>::from_ref(state);
        let header = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        match verifier.verify_bearer(header).await {
            Ok(caller) => {
                let token =
                    header.and_then(|h| h.split_once(' ')).map(|(_, t)| t.trim().to_owned()).unwrap_or_default();
                let trace = parts
                    .headers
                    .get(platform_messages::attribute::TRACEPARENT)
                    .and_then(|v| v.to_str().ok()?.parse().ok());
                Ok(Self { caller, token, trace })
            }
            Err(reason) => {
                tracing::info!(reason = %reason, "refused a bearer token");
                Err(ApiError::unauthorized(&reason))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use platform_identity::Role;
    use platform_messages::contracts::auth::{UserAuthed, UserAuthedData};

    #[test]
    fn messages_on_behalf_carry_the_token_and_the_actor() {
        let who = Authenticated {
            caller: Caller { sub: "usr_1".into(), email: "a@b.co".into(), roles: vec![Role::UserClient] },
            token: "t0k".into(),
            trace: None,
        };
        let data = UserAuthedData { user_id: "usr_1".into(), roles: vec![], token: "x".into(), reference: None };
        let m = who.on_behalf::<UserAuthed>(&data).unwrap();
        assert_eq!(m.attributes().get("authorization"), Some("Bearer t0k"));
        assert_eq!(m.envelope.actor, Some(Actor { sub: "usr_1".into(), roles: vec!["user-client".into()] }));
        let untraced: TraceParent =
            m.attributes().get("traceparent").expect("a request without one is traced").parse().unwrap();
        assert_eq!(untraced.trace_id_hex(), m.envelope.correlation_id.replace('-', ""), "by its conversation");

        let arrived: TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap();
        let traced = Authenticated { trace: Some(arrived), ..who }.on_behalf::<UserAuthed>(&data).unwrap();
        let sent: TraceParent = traced.attributes().get("traceparent").unwrap().parse().unwrap();
        assert_eq!((sent.trace_id, sent.span_id), (arrived.trace_id, traced.envelope.id.as_u128() as u64));
    }
}
