//! A booking: the request that starts the saga, the record the steps keep
//! current, and what each caller may see of it.
use platform_messages::dates::CalendarDate;
use platform_messages::ids::{BookingId, MoverId, UserId};
use platform_messages::validate::{self, Invalid};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// The saga runs its forward steps.
    Pending,
    /// Waiting for the customer to confirm or cancel.
    AwaitingConfirmation,
    /// Done: crew reserved, addresses verified, deposit charged, confirmed.
    Booked,
    /// Ended by a business error; every completed step was compensated.
    Cancelled,
    /// A compensation kept failing: needs an operator.
    CompensationFailed,
}

impl BookingStatus {
    /// The status as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Pending => "pending",
            BookingStatus::AwaitingConfirmation => "awaiting_confirmation",
            BookingStatus::Booked => "booked",
            BookingStatus::Cancelled => "cancelled",
            BookingStatus::CompensationFailed => "compensation_failed",
        }
    }
}

/// The deposit to charge, as the service priced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deposit {
    /// Amount in cents, from [`crate::pricing`].
    pub amount_cents: u64,
    /// The payment provider's card token (`tok_visa`, ...).
    pub card_token: String,
}

/// The deposit as a client sends it: the card, and optionally the amount it was
/// quoted (which must then equal the service's price).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DepositRequest {
    /// The quoted amount in cents, if the client states it.
    #[serde(default)]
    pub amount_cents: Option<u64>,
    /// The payment provider's card token (`tok_visa`, ...).
    pub card_token: String,
}

/// The body of `POST /moves`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingRequest {
    /// The mover who moves.
    pub mover_id: MoverId,
    /// `YYYY-MM-DD`, today or later.
    pub move_date: CalendarDate,
    /// People in the crew (1 to 8).
    pub crew_size: u32,
    /// The deposit.
    pub deposit: DepositRequest,
}

/// Largest crew a booking may ask for.
pub const MAX_CREW_SIZE: u32 = 8;

/// Checks a quote's crew size.
pub fn check_crew_size(crew_size: u32) -> Result<(), Invalid> {
    if !(1..=MAX_CREW_SIZE).contains(&crew_size) {
        return Err(Invalid::field("crew_size", &format!("must be 1 to {MAX_CREW_SIZE}")));
    }
    Ok(())
}

impl BookingRequest {
    /// Checks every field, naming the first one at fault, and prices the deposit
    /// ([`crate::pricing`]): a stated `deposit.amount_cents` must equal that price.
    pub fn validate(&self, today: time::Date) -> Result<Deposit, Invalid> {
        if !self.mover_id.starts_with("mov_") || self.mover_id.len() > 64 {
            return Err(Invalid::field("mover_id", "must be a mover id (`mov_...`)"));
        }
        if self.move_date.0 < today {
            return Err(Invalid::field("move_date", "must not be in the past"));
        }
        let date = self.move_date.0;
        check_crew_size(self.crew_size)?;
        let price = crate::pricing::deposit_cents(date, self.crew_size, today);
        if let Some(stated) = self.deposit.amount_cents
            && stated != price
        {
            let problem = format!("must equal the quote, {price} cents (GET /moves/quote), or be left out");
            return Err(Invalid::field("deposit.amount_cents", &problem));
        }
        validate::text("deposit.card_token", &self.deposit.card_token, 128)?;
        Ok(Deposit { amount_cents: price, card_token: self.deposit.card_token.clone() })
    }

    /// A stable digest of the request, to tell a replay from a reused key.
    pub fn fingerprint(&self) -> String {
        format!(
            "{}|{}|{}|{:?}|{}",
            self.mover_id, self.move_date, self.crew_size, self.deposit.amount_cents, self.deposit.card_token
        )
    }
}

/// A step of the saga as a booking's log names it: the forward steps (both address
/// verifications are one step here) and the compensations.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum BookingStep {
    /// Crew reserved on the date.
    ReserveCrew,
    /// Both addresses verified.
    VerifyAddresses,
    /// Deposit charged.
    ChargeDeposit,
    /// The customer answered.
    AwaitConfirmation,
    /// Marked booked.
    ConfirmBooking,
    /// Compensation: deposit refunded.
    RefundDeposit,
    /// Compensation: crew released.
    ReleaseCrew,
}

impl BookingStep {
    /// The forward steps, in order.
    pub const FORWARD: [BookingStep; 5] = [
        BookingStep::ReserveCrew,
        BookingStep::VerifyAddresses,
        BookingStep::ChargeDeposit,
        BookingStep::AwaitConfirmation,
        BookingStep::ConfirmBooking,
    ];

    /// The name the log and the API write.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// How a step ended.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, strum::EnumIter, strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum StepStatus {
    /// It did its work.
    Done,
    /// It failed, and the saga compensated.
    Failed,
}

/// One step of the saga as the booking records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StepRecord {
    /// Which step.
    pub name: BookingStep,
    /// How it ended.
    pub status: StepStatus,
    /// When, RFC 3339.
    pub at: String,
}

/// The booking record, kept current by the saga's steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    /// `bkg_<32 hex>`, derived from the owner and the `Idempotency-Key`.
    pub booking_id: BookingId,
    /// The mover.
    pub mover_id: MoverId,
    /// The owner of the mover (and of the booking).
    pub owner_sub: UserId,
    /// Where news of the booking go.
    #[serde(default)]
    pub contact_email: Option<String>,
    /// Move date.
    pub move_date: CalendarDate,
    /// People in the crew.
    pub crew_size: u32,
    /// Deposit in cents.
    pub deposit_cents: u64,
    /// The request digest (see [`BookingRequest::fingerprint`]).
    pub request_fingerprint: String,
    /// Where it stands.
    pub status: BookingStatus,
    /// Steps and compensations run so far, in order, each once.
    pub steps: Vec<StepRecord>,
    /// The business error that cancelled it.
    pub error: Option<String>,
    /// Why it was cancelled.
    pub reason: Option<String>,
    /// The token of the waiting confirmation step, while awaiting confirmation.
    pub task_token: Option<String>,
    /// Set by RefundDeposit before it refunds: a charge that lands afterwards (a late
    /// or stale ChargeDeposit) sees it and refunds itself.
    #[serde(default)]
    pub deposit_voided: bool,
    /// When it was requested.
    pub created_at: String,
}

/// RFC 3339 now.
pub fn now() -> String {
    // Only a year past 9999 fails to format: a broken clock, loud rather than a blank time.
    OffsetDateTime::now_utc().format(&Rfc3339).expect("the current time formats as RFC 3339")
}

impl Booking {
    /// A new booking of `request` with its priced `deposit`, pending, for the mover's owner.
    pub fn pending(
        booking_id: BookingId,
        request: &BookingRequest,
        deposit: &Deposit,
        owner_sub: &UserId,
        contact_email: Option<&str>,
    ) -> Self {
        Self {
            booking_id,
            mover_id: request.mover_id.clone(),
            owner_sub: owner_sub.clone(),
            contact_email: contact_email.map(str::to_owned),
            move_date: request.move_date,
            crew_size: request.crew_size,
            deposit_cents: deposit.amount_cents,
            request_fingerprint: request.fingerprint(),
            status: BookingStatus::Pending,
            steps: vec![],
            error: None,
            reason: None,
            task_token: None,
            deposit_voided: false,
            created_at: now(),
        }
    }

    /// Records `name` with `status` unless the same step already recorded that
    /// status (a retried step changes nothing twice), so the log holds at most one
    /// record per step and status, however often steps are retried. Returns whether
    /// it changed.
    pub fn record_step(&mut self, name: BookingStep, status: StepStatus) -> bool {
        if self.steps.iter().any(|s| s.name == name && s.status == status) {
            return false;
        }
        self.steps.push(StepRecord { name, status, at: now() });
        true
    }

    /// Whether `step` is recorded done.
    pub fn done(&self, step: BookingStep) -> bool {
        self.steps.iter().any(|s| s.name == step && s.status == StepStatus::Done)
    }

    /// The public view; `redacted` leaves out the contact data.
    pub fn view(&self, redacted: bool) -> BookingView {
        BookingView {
            booking_id: self.booking_id.clone(),
            mover_id: self.mover_id.clone(),
            status: self.status,
            move_date: self.move_date,
            crew_size: self.crew_size,
            deposit_cents: self.deposit_cents,
            contact_email: if redacted { None } else { self.contact_email.clone() },
            steps: self.steps.clone(),
            error: self.error.clone(),
            reason: self.reason.clone(),
            created_at: self.created_at.clone(),
        }
    }
}

/// What `GET /moves/{id}` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BookingView {
    /// Booking id.
    pub booking_id: BookingId,
    /// The mover.
    pub mover_id: MoverId,
    /// Where it stands.
    pub status: BookingStatus,
    /// Move date.
    pub move_date: CalendarDate,
    /// People in the crew.
    pub crew_size: u32,
    /// Deposit in cents.
    pub deposit_cents: u64,
    /// Contact email (absent when redacted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    /// Steps and compensations run so far.
    pub steps: Vec<StepRecord>,
    /// The business error that cancelled it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why it was cancelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When it was requested.
    pub created_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> BookingRequest {
        BookingRequest {
            mover_id: "mov_1".into(),
            move_date: CalendarDate::parse("2026-12-07").unwrap(),
            crew_size: 3,
            deposit: DepositRequest { amount_cents: Some(12_000), card_token: "tok_visa".into() },
        }
    }

    #[test]
    fn requests_are_checked_field_by_field() {
        let today = time::macros::date!(2026 - 11 - 26);
        let priced = request().validate(today).unwrap();
        assert_eq!(priced, Deposit { amount_cents: 12_000, card_token: "tok_visa".into() }, "3 crew, a Monday");
        let unstated =
            BookingRequest { deposit: DepositRequest { amount_cents: None, ..request().deposit }, ..request() };
        assert_eq!(unstated.validate(today).unwrap(), priced, "the amount may be left out");
        type Change = fn(&mut BookingRequest);
        let cases: [(Change, &str); 7] = [
            (|r| r.mover_id = "usr_1".into(), "`mover_id`"),
            (|r| r.move_date = CalendarDate::parse("2026-11-01").unwrap(), "`move_date`"),
            (|r| r.crew_size = 0, "`crew_size`"),
            (|r| r.crew_size = 9, "`crew_size`"),
            (|r| r.deposit.amount_cents = Some(1), "`deposit.amount_cents`: must equal the quote, 12000 cents"),
            (|r| r.deposit.amount_cents = Some(12_001), "`deposit.amount_cents`"),
            (|r| r.deposit.card_token = " ".into(), "`deposit.card_token`"),
        ];
        for (change, field) in cases {
            let mut r = request();
            change(&mut r);
            let e = r.validate(today).unwrap_err();
            assert!(e.to_string().starts_with(field), "{field}: {e}");
        }
    }

    #[test]
    fn a_step_is_recorded_once_per_status() {
        let deposit = request().validate(time::macros::date!(2026 - 11 - 26)).unwrap();
        let mut b = Booking::pending("bkg_1".into(), &request(), &deposit, &"usr_1".into(), Some("a@b.co"));
        assert!(b.record_step(BookingStep::ReserveCrew, StepStatus::Done));
        assert!(!b.record_step(BookingStep::ReserveCrew, StepStatus::Done));
        assert!(b.record_step(BookingStep::ReleaseCrew, StepStatus::Done));
        assert_eq!(b.steps.len(), 2);
        assert_eq!(serde_json::to_value(&b.steps[1]).unwrap()["name"], "release_crew", "the wire name");
        assert_eq!(b.view(true).contact_email, None);
        for status in [BookingStatus::AwaitingConfirmation, BookingStatus::CompensationFailed] {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        assert_eq!(b.view(false).contact_email.as_deref(), Some("a@b.co"));
        use strum::IntoEnumIterator;
        for _retry in 0..3 {
            for step in BookingStep::iter() {
                for status in StepStatus::iter() {
                    b.record_step(step, status);
                }
            }
        }
        // The item cannot grow with retries: 7 steps × 2 statuses, whatever happens.
        assert_eq!(b.steps.len(), BookingStep::iter().count() * StepStatus::iter().count());
        assert_eq!(b.steps.len(), 14);
    }
}
