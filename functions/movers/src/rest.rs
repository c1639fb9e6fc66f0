//! The REST routes under `/movers`. Changes
//! are written with their messages (the outbox) on behalf of the caller. Reads carry
//! an `ETag` (the version); `PATCH` requires `If-Match`; `POST` takes an
//! `Idempotency-Key`.
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use platform::store::Versioned;
use platform_gateway::{ApiError, Authenticated, JsonBody, idempotency_key};
use platform_messages::contracts::movers::MoverView;
use serde::Deserialize;
use serde_json::json;

use crate::app::{AppState, count_mail, list_scope, may_change, visible};
use crate::domain::{Mover, MoverInput, MoverPatch};
use crate::permissions::{MoverPermission::*, PERMISSIONS};
use crate::service::{Outcome, new_mover_id};

/// The REST routes under `/movers`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/movers", post(create).get(list))
        .route("/movers/{id}", get(read).patch(patch))
        .route("/movers/{id}/email/verify", post(verify_email))
        .route("/movers/{id}/email/verification", post(resend_verification))
}

fn with_etag(status: StatusCode, view: MoverView) -> Response {
    let etag = HeaderValue::from_str(&format!("\"{}\"", view.version)).expect("a number is a header value");
    let mut response = (status, Json(view)).into_response();
    response.headers_mut().insert(header::ETAG, etag);
    response
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
    let Outcome { mover, version, .. } = s.service.create(id, &who.user_id(), input, now, &who.origin()).await?;
    Ok(with_etag(StatusCode::CREATED, mover.view(version, false)))
}

async fn read(State(s): State<AppState>, who: Authenticated, Path(id): Path<String>) -> Result<Response, ApiError> {
    let Versioned { value, version } = s.service.get(&id).await?;
    Ok(with_etag(StatusCode::OK, visible(&who, &value, version)?))
}

/// `GET /movers`'s query.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    /// At most this many movers (default 20).
    limit: Option<u32>,
    /// Where the previous page ended (its `next_cursor`).
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

/// The body of `POST /movers/{id}/email/verify`.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CodeBody {
    /// The code mailed to the mover's email.
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
