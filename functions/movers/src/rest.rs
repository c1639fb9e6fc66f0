//! The routes under `/movers` (REST, with the CQRS and GraphQL endpoints). Changes
//! are written with their messages (the outbox) on behalf of the caller. Reads carry
//! an `ETag` (the version); `PATCH` requires `If-Match`; `POST` takes an
//! `Idempotency-Key`.
use std::sync::Arc;

use axum::extract::{FromRef, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use platform::store::{Counters, Limit, Versioned};
use platform_gateway::{ApiError, Authenticated, JsonBody, validate};
use platform_identity::Verifier;
use platform_messages::contracts::movers::MoverView;
use serde::Deserialize;
use serde_json::json;

use crate::domain::{Mover, MoverInput, MoverPatch};
use crate::permissions::{MoverPermission::*, PERMISSIONS};
use crate::service::{MoversService, Outcome, new_mover_id};

/// What the routes share.
#[derive(Clone)]
pub struct AppState {
    /// Verifies callers.
    pub verifier: Arc<Verifier>,
    /// The domain.
    pub service: MoversService,
    /// The GraphQL endpoint.
    pub graphql: crate::graphql::Endpoint,
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

/// The movers router (REST and the CQRS command endpoint).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/movers", post(create).get(list))
        .route("/movers/commands", post(crate::commands::execute))
        .route("/movers/graphql", post(crate::graphql::execute))
        .route("/movers/{id}", get(read).patch(patch))
        .route("/movers/{id}/email/verify", post(verify_email))
        .route("/movers/{id}/email/verification", post(resend_verification))
        .with_state(state)
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

/// 403 unless `who` may change `mover`.
pub fn may_change(who: &Authenticated, mover: &Mover) -> Result<(), ApiError> {
    let roles = &who.caller.roles;
    if PERMISSIONS.allows(roles, UpdateAll)
        || (PERMISSIONS.allows(roles, ManageOwn) && mover.owner_sub == who.caller.sub)
    {
        Ok(())
    } else {
        Err(ApiError::forbidden("you may only change your own movers"))
    }
}

fn with_etag(status: StatusCode, view: MoverView) -> Response {
    let etag = HeaderValue::from_str(&format!("\"{}\"", view.version)).expect("a number is a header value");
    let mut response = (status, Json(view)).into_response();
    response.headers_mut().insert(header::ETAG, etag);
    response
}

/// The `Idempotency-Key` header, if sent.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    let key = value.to_str().unwrap_or("\u{0}");
    validate::token("Idempotency-Key", key, validate::MAX_IDEMPOTENCY_KEY_CHARS)?;
    Ok(Some(key))
}

async fn create(
    State(s): State<AppState>,
    who: Authenticated,
    headers: HeaderMap,
    JsonBody(input): JsonBody<MoverInput>,
) -> Result<Response, ApiError> {
    PERMISSIONS.require(&who.caller, CreateOwn)?;
    let id = new_mover_id(&who.caller.sub, idempotency_key(&headers)?)?;
    count_mail(&s, &who).await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let Outcome { mover, version, .. } = s.service.create(id, &who.caller.sub, input, now, &who.origin()).await?;
    Ok(with_etag(StatusCode::CREATED, mover.view(version, false)))
}

async fn read(State(s): State<AppState>, who: Authenticated, Path(id): Path<String>) -> Result<Response, ApiError> {
    let Versioned { value, version } = s.service.get(&id).await?;
    Ok(with_etag(StatusCode::OK, visible(&who, &value, version)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn list(
    State(s): State<AppState>,
    who: Authenticated,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let page = s.service.list(q.limit.unwrap_or(20), q.cursor.as_deref(), list_scope(&who)?).await?;
    let items = page.items.iter().map(|m| visible(&who, &m.value, m.version)).collect::<Result<Vec<_>, _>>()?;
    Ok(Json(json!({"items": items, "next_cursor": page.next.map(|c| c.encode())})).into_response())
}

fn if_match(headers: &HeaderMap) -> Result<u64, ApiError> {
    let value = headers
        .get(header::IF_MATCH)
        .ok_or_else(|| ApiError::precondition_required("send `If-Match` with the ETag (version) you last read"))?;
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| ApiError::invalid_field("If-Match", "must be the ETag of the mover, e.g. \"3\""))
}

async fn patch(
    State(s): State<AppState>,
    who: Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(patch): JsonBody<MoverPatch>,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let guard = |m: &Mover| may_change(&who, m);
    let Outcome { mover, version, .. } = s.service.update(&id, Some(expected), patch, &guard, &who.origin()).await?;
    Ok(with_etag(StatusCode::OK, mover.view(version, false)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    code: String,
}

/// `POST /movers/{id}/email/verify` `{code}`: the email's owner proves control.
async fn verify_email(
    State(s): State<AppState>,
    who: Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CodeBody>,
) -> Result<Response, ApiError> {
    let guard = |m: &Mover| may_change(&who, m);
    let Outcome { mover, version, .. } = s.service.confirm_email(&id, &body.code, &guard, &who.origin()).await?;
    Ok(with_etag(StatusCode::OK, mover.view(version, false)))
}

/// `POST /movers/{id}/email/verification`: mails a new code (counted like a creation).
async fn resend_verification(
    State(s): State<AppState>,
    who: Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let guard = |m: &Mover| may_change(&who, m);
    s.service.get(&id).await.and_then(|m| guard(&m.value))?;
    count_mail(&s, &who).await?;
    let Outcome { mover, version, .. } = s.service.resend_verification(&id, &guard, &who.origin()).await?;
    Ok(with_etag(StatusCode::ACCEPTED, mover.view(version, false)))
}
