//! The routes under `/moves`: book a move (starts the saga), read a booking,
//! confirm or cancel it (resumes the waiting saga), and the crew capacity of a date.
use platform_messages::ids::BookingId;
use std::sync::Arc;

use axum::extract::{FromRef, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use platform::saga::{CallbackError, TaskCallbacks};
use platform_gateway::{ApiError, Authenticated, JsonBody, required_idempotency_key, validate};
use platform_identity::Verifier;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::booking::{Booking, BookingRequest, BookingStatus};
use crate::booking_store::{BookingStore, Created, MAX_OPEN_BOOKINGS};
use crate::capacity::CrewCapacity;
use crate::error::MovesError;
use crate::mover_directory::MoverDirectory;
use crate::permissions::{MovePermission::*, PERMISSIONS};
use crate::saga::{SagaBooking, SagaInput, SagaStarter};
use crate::saga_error::SagaError;

/// What the routes share.
#[derive(Clone)]
pub struct AppState {
    /// Verifies callers.
    pub verifier: Arc<Verifier>,
    /// Bookings.
    pub bookings: BookingStore,
    /// Crew capacity per date.
    pub capacity: CrewCapacity,
    /// The movers projection.
    pub movers: MoverDirectory,
    /// Starts sagas.
    pub saga: SagaStarter,
    /// Resumes waiting sagas.
    pub callbacks: Arc<dyn TaskCallbacks>,
}

impl FromRef<AppState> for Arc<Verifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

/// The moves router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/moves", post(book))
        .route("/moves/quote", get(quote))
        .route("/moves/capacity/{date}", get(read_capacity).put(set_capacity))
        .route("/moves/{id}", get(read))
        .route("/moves/{id}/confirm", post(confirm))
        .route("/moves/{id}/cancel", post(cancel))
        .with_state(state)
}

/// The booking id of `key` sent by `sub`: the same key always names the same booking.
pub fn booking_id(sub: &str, key: &str) -> BookingId {
    let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, format!("updater:moves:{sub}\n{key}").as_bytes());
    BookingId::from(format!("bkg_{}", id.simple()))
}

/// The answer to `POST /moves`: the booking, accepted; the saga runs on.
#[derive(Serialize, JsonSchema)]
pub(crate) struct Accepted {
    /// The booking (`GET /moves/{id}` reads it; `Location` names it).
    booking_id: BookingId,
    /// Where it stands now.
    status: BookingStatus,
}

/// The answer to a confirm or cancel: the saga has the customer's answer.
#[derive(Serialize, JsonSchema)]
pub(crate) struct Resumed {
    /// The booking.
    booking_id: String,
    /// Still `awaiting_confirmation` until the saga moves on.
    status: BookingStatus,
    /// `confirm` or `cancel`.
    requested: &'static str,
}

/// A date's crew capacity.
#[derive(Serialize, JsonSchema)]
pub(crate) struct CapacityView {
    /// `YYYY-MM-DD`.
    date: String,
    /// Crew members available that day.
    crew_capacity: u32,
    /// Crew members reserved by bookings.
    reserved: u32,
}

/// The deposit `POST /moves` will charge.
#[derive(Serialize, JsonSchema)]
pub(crate) struct Quote {
    /// In cents.
    deposit_cents: u64,
    /// ISO 4217.
    currency: &'static str,
}

fn accepted(booking: &Booking) -> Response {
    let body = Accepted { booking_id: booking.booking_id.clone(), status: booking.status };
    let mut response = (StatusCode::ACCEPTED, Json(body)).into_response();
    if let Ok(location) = format!("/moves/{}", booking.booking_id).parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

async fn book(
    State(s): State<AppState>,
    who: Authenticated,
    headers: HeaderMap,
    JsonBody(request): JsonBody<BookingRequest>,
) -> Result<Response, ApiError> {
    PERMISSIONS.require(&who.caller, ManageOwn)?;
    let key = required_idempotency_key(&headers, "booking attempt")?;
    let deposit = request.validate(time::OffsetDateTime::now_utc().date())?;
    let mover = s.movers.get(&request.mover_id).await.map_err(MovesError::from)?.ok_or_else(|| {
        ApiError::not_found(format!(
            "mover `{}` is not known to the moves service (a new mover is known within seconds)",
            request.mover_id
        ))
    })?;
    if mover.owner_sub != who.caller.sub && !PERMISSIONS.allows(&who.caller.roles, ManageAll) {
        return Err(ApiError::forbidden("you may only book moves for your own movers"));
    }
    // News of the booking go only to an email its owner proved.
    let contact = mover.email.as_deref().filter(|_| mover.email_verified);
    let booking = Booking::pending(booking_id(&who.caller.sub, key), &request, &deposit, &mover.owner_sub, contact);
    // A replay of a booking answers it; a new one waits until its owner holds fewer
    // than MAX_OPEN_BOOKINGS open ones.
    let replayed = s.bookings.get(&booking.booking_id).await.map_err(MovesError::from)?;
    if replayed.is_none()
        && s.bookings.open_of(&booking.owner_sub).await.map_err(MovesError::from)? >= MAX_OPEN_BOOKINGS
    {
        return Err(ApiError::conflict(format!(
            "{MAX_OPEN_BOOKINGS} bookings are already open for this mover's owner; confirm or cancel one first"
        )));
    }
    let booking = match s.bookings.create(&booking).await.map_err(MovesError::from)? {
        Created::New(b) => b,
        Created::Existing(b) if b.request_fingerprint == booking.request_fingerprint => b,
        Created::Existing(_) => {
            return Err(ApiError::conflict(format!(
                "the Idempotency-Key `{key}` was already used for a different booking request"
            )));
        }
    };
    // Started by name: a replayed request (or a retry after a failed start) never runs a second saga.
    let input = SagaInput {
        booking: SagaBooking {
            booking_id: booking.booking_id.clone(),
            mover_id: booking.mover_id.clone(),
            owner_sub: booking.owner_sub.clone(),
            move_date: booking.move_date,
            crew_size: booking.crew_size,
            deposit,
            traceparent: None,
        }
        .in_trace(who.origin().trace()),
    };
    let started = s.saga.start(&input).await?;
    tracing::info!(booking_id = %booking.booking_id, started, "booking accepted");
    Ok(accepted(&booking))
}

/// `GET /moves/quote`'s query.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuoteQuery {
    /// `YYYY-MM-DD`, today or later.
    move_date: String,
    /// People in the crew (1 to 8).
    crew_size: u32,
}

/// `GET /moves/quote?move_date=&crew_size=`: the deposit `POST /moves` will charge.
async fn quote(
    who: Authenticated,
    query: Result<Query<QuoteQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    PERMISSIONS.require(&who.caller, ManageOwn)?;
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let today = time::OffsetDateTime::now_utc().date();
    let date = validate::future_date("move_date", &q.move_date, today)?;
    crate::booking::check_crew_size(q.crew_size)?;
    let cents = crate::pricing::deposit_cents(date, q.crew_size, today);
    Ok(Json(Quote { deposit_cents: cents, currency: crate::pricing::CURRENCY }).into_response())
}

/// The booking as `who` may see it; 404 for a booking they may not see at all.
fn visible(who: &Authenticated, booking: &Booking) -> Result<Response, ApiError> {
    let roles = &who.caller.roles;
    let view = if PERMISSIONS.allows(roles, ReadAll)
        || PERMISSIONS.allows(roles, ManageAll)
        || (PERMISSIONS.allows(roles, ManageOwn) && booking.owner_sub == who.caller.sub)
    {
        booking.view(false)
    } else if PERMISSIONS.allows(roles, ReadRedacted) {
        booking.view(true)
    } else {
        return Err(not_found(&booking.booking_id));
    };
    Ok(Json(view).into_response())
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("booking `{id}` not found"))
}

async fn load(s: &AppState, id: &str) -> Result<Booking, ApiError> {
    s.bookings.get(id).await.map_err(MovesError::from)?.ok_or_else(|| not_found(id))
}

async fn read(State(s): State<AppState>, who: Authenticated, Path(id): Path<String>) -> Result<Response, ApiError> {
    visible(&who, &load(&s, &id).await?)
}

/// The waiting saga's token, if `who` may resume this booking and it is waiting.
async fn waiting_token(s: &AppState, who: &Authenticated, id: &str) -> Result<String, ApiError> {
    let booking = load(s, id).await?;
    let roles = &who.caller.roles;
    let owner = PERMISSIONS.allows(roles, ManageOwn) && booking.owner_sub == who.caller.sub;
    if !owner && !PERMISSIONS.allows(roles, ManageAll) {
        return Err(not_found(id));
    }
    match (booking.status, booking.task_token) {
        (BookingStatus::AwaitingConfirmation, Some(token)) => Ok(token),
        (status, _) => {
            Err(ApiError::conflict(format!("booking `{id}` is {}, not awaiting confirmation", status.as_str())))
        }
    }
}

/// 202 once the saga has the customer's answer (`requested`); it moves on by itself.
fn resumed(id: &str, requested: &'static str, result: Result<(), CallbackError>) -> Result<Response, ApiError> {
    match result {
        Ok(()) => {
            let body = Resumed { booking_id: id.to_owned(), status: BookingStatus::AwaitingConfirmation, requested };
            Ok((StatusCode::ACCEPTED, Json(body)).into_response())
        }
        Err(CallbackError::Gone(_)) => {
            Err(ApiError::conflict(format!("booking `{id}` is no longer awaiting confirmation")))
        }
        Err(e) => Err(ApiError::internal(e)),
    }
}

async fn confirm(State(s): State<AppState>, who: Authenticated, Path(id): Path<String>) -> Result<Response, ApiError> {
    let token = waiting_token(&s, &who, &id).await?;
    let output = json!({"confirmed_by": who.caller.sub});
    resumed(&id, "confirm", s.callbacks.succeed(&token, &output).await)
}

async fn cancel(State(s): State<AppState>, who: Authenticated, Path(id): Path<String>) -> Result<Response, ApiError> {
    let token = waiting_token(&s, &who, &id).await?;
    let cause = format!("cancelled by {}", who.caller.sub);
    resumed(&id, "cancel", s.callbacks.fail(&token, SagaError::ConfirmationCancelled.name(), &cause).await)
}

/// The body of `PUT /moves/capacity/{date}`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CapacityInput {
    /// Crew members available that day (at most 10000).
    crew_capacity: u32,
}

fn capacity_view(s: &AppState, date: &str, c: &crate::capacity::DateCapacity) -> Response {
    Json(CapacityView { date: date.to_owned(), crew_capacity: s.capacity.effective(c), reserved: c.reserved() })
        .into_response()
}

async fn read_capacity(
    State(s): State<AppState>,
    who: Authenticated,
    Path(date): Path<String>,
) -> Result<Response, ApiError> {
    PERMISSIONS.require(&who.caller, SetCapacity)?;
    validate::future_date("date", &date, time::Date::MIN)?;
    let c = s.capacity.get(&date).await.map_err(MovesError::from)?;
    Ok(capacity_view(&s, &date, &c))
}

async fn set_capacity(
    State(s): State<AppState>,
    who: Authenticated,
    Path(date): Path<String>,
    JsonBody(input): JsonBody<CapacityInput>,
) -> Result<Response, ApiError> {
    PERMISSIONS.require(&who.caller, SetCapacity)?;
    validate::future_date("date", &date, time::OffsetDateTime::now_utc().date())?;
    if input.crew_capacity > 10_000 {
        return Err(ApiError::invalid_field("crew_capacity", "must be at most 10000"));
    }
    let c = s.capacity.set(&date, input.crew_capacity).await.map_err(MovesError::from)?;
    Ok(capacity_view(&s, &date, &c))
}
