//! The mover and its rules: who owns it, its move date, and its two addresses,
//! each `pending` until the addressing service answers. An answer counts only if it
//! answers the latest submission of that address (older answers are stale).
use platform_messages::contracts::addressing::{NormalizedAddress, PostalAddress};
use platform_messages::contracts::movers::{AddressState, AddressStatus, MoverView};
use platform_messages::dates::CalendarDate;
use platform_messages::ids::{AddressId, MoverId, UserId};
use platform_messages::validate;
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::error::MoverError;
use crate::verification::{self, PendingVerification, Refusal};

/// Which of a mover's addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AddressKind {
    /// The home moved from.
    From,
    /// The home moved to.
    To,
}

impl AddressKind {
    fn as_str(self) -> &'static str {
        match self {
            AddressKind::From => "from",
            AddressKind::To => "to",
        }
    }

    /// The `ref` sent to the addressing service: `<mover_id>:from|to`.
    pub fn reference(self, mover_id: &str) -> String {
        format!("{mover_id}:{}", self.as_str())
    }

    /// Splits a `ref` of that form.
    pub fn parse_reference(reference: &str) -> Option<(String, AddressKind)> {
        let (id, kind) = reference.rsplit_once(':')?;
        let kind = match kind {
            "from" => AddressKind::From,
            "to" => AddressKind::To,
            _ => return None,
        };
        id.starts_with("mov_").then(|| (id.to_owned(), kind))
    }
}

/// One address of a mover and the id of the `address.received` message that submitted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressSlot {
    /// Where it stands.
    pub state: AddressState,
    /// The message whose answer is awaited.
    pub submission_id: String,
}

/// The addressing service's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressResult {
    /// Valid, with its id and normalized form.
    Reconciled {
        /// The address id.
        address_id: AddressId,
        /// The normalized address.
        normalized: NormalizedAddress,
    },
    /// Cannot be valid.
    Rejected {
        /// Why.
        reasons: Vec<String>,
    },
}

/// A stored mover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mover {
    /// `mov_<uuid>`.
    pub id: MoverId,
    /// The owning user's `sub`.
    pub owner_sub: UserId,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Whether the email's owner confirmed the code sent to it.
    #[serde(default)]
    pub email_verified: bool,
    /// The code awaiting confirmation, if any.
    #[serde(default)]
    pub verification: Option<PendingVerification>,
    /// Phone.
    pub phone: Option<String>,
    /// Move date.
    pub move_date: Option<CalendarDate>,
    /// The address moved from.
    pub from_address: Option<AddressSlot>,
    /// The address moved to.
    pub to_address: Option<AddressSlot>,
    /// Created, seconds since the epoch.
    pub created_at: i64,
    /// The digest of the request that created it (see [`MoverInput::fingerprint`]):
    /// a retried creation is told from another request under the same id.
    #[serde(default)]
    pub request_fingerprint: Option<String>,
}

/// The fields a caller gives for a new mover.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MoverInput {
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Move date, `YYYY-MM-DD`.
    #[serde(default)]
    pub move_date: Option<String>,
    /// The address moved from.
    #[serde(default)]
    pub from_address: Option<PostalAddress>,
    /// The address moved to.
    #[serde(default)]
    pub to_address: Option<PostalAddress>,
}

/// The fields a caller may change (absent: unchanged).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MoverPatch {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Move date.
    #[serde(default)]
    pub move_date: Option<String>,
    /// A new address moved from (submitted for reconciliation).
    #[serde(default)]
    pub from_address: Option<PostalAddress>,
    /// A new address moved to.
    #[serde(default)]
    pub to_address: Option<PostalAddress>,
}

/// Today, for date checks.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

fn check_phone(phone: &str) -> Result<(), MoverError> {
    if phone.chars().count() > validate::MAX_PHONE_CHARS {
        let limit = format!("must be at most {} characters", validate::MAX_PHONE_CHARS);
        return Err(MoverError::invalid("phone", &limit));
    }
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !allowed || !(7..=15).contains(&digits) {
        return Err(MoverError::invalid("phone", "must be a phone number of 7 to 15 digits"));
    }
    Ok(())
}

/// What checking a request proved, in the types the record keeps: only
/// [`MoverInput::validate`] and [`MoverPatch::validate`] make one, so a mover is
/// built or patched from checked fields only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validated {
    move_date: Option<CalendarDate>,
}

/// Checks the fields given (absent ones are not checked), naming the first wrong one.
fn check_fields(
    name: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
    move_date: Option<&str>,
    addresses: [Option<&PostalAddress>; 2],
) -> Result<Validated, MoverError> {
    if let Some(name) = name {
        validate::text("name", name, validate::MAX_NAME_CHARS)?;
    }
    if let Some(email) = email {
        validate::email("email", email)?;
    }
    if let Some(phone) = phone {
        check_phone(phone)?;
    }
    let move_date = match move_date {
        Some(date) => Some(CalendarDate(validate::future_date("move_date", date, today())?)),
        None => None,
    };
    for (field, address) in ["from_address", "to_address"].into_iter().zip(addresses) {
        if let Some(address) = address {
            validate::postal_address(field, address)?;
        }
    }
    Ok(Validated { move_date })
}

impl MoverInput {
    /// Checks every field, naming the first that is wrong.
    pub fn validate(&self) -> Result<Validated, MoverError> {
        check_fields(
            Some(&self.name),
            Some(&self.email),
            self.phone.as_deref(),
            self.move_date.as_deref(),
            [self.from_address.as_ref(), self.to_address.as_ref()],
        )
    }

    /// A digest of the request: the same fields give the same digest.
    pub fn fingerprint(&self) -> String {
        let canonical = serde_json::json!([
            self.name.trim(),
            self.email.trim(),
            self.phone,
            self.move_date,
            self.from_address,
            self.to_address
        ]);
        hex::encode(sha2::Sha256::digest(canonical.to_string().as_bytes()))
    }
}

impl MoverPatch {
    /// Checks the fields present; an empty patch is refused.
    pub fn validate(&self) -> Result<Validated, MoverError> {
        if *self == MoverPatch::default() {
            return Err(MoverError::NothingToChange("the patch changes nothing".into()));
        }
        check_fields(
            self.name.as_deref(),
            self.email.as_deref(),
            self.phone.as_deref(),
            self.move_date.as_deref(),
            [self.from_address.as_ref(), self.to_address.as_ref()],
        )
    }
}

impl Mover {
    /// A new mover from checked input (addresses are submitted separately).
    pub fn new(id: String, owner_sub: &UserId, input: &MoverInput, checked: Validated, now: i64) -> Self {
        Self {
            id: MoverId::from(id),
            owner_sub: owner_sub.clone(),
            name: input.name.trim().to_owned(),
            email: input.email.trim().to_owned(),
            email_verified: false,
            verification: None,
            phone: input.phone.clone(),
            move_date: checked.move_date,
            from_address: None,
            to_address: None,
            created_at: now,
            request_fingerprint: Some(input.fingerprint()),
        }
    }

    fn slot(&mut self, kind: AddressKind) -> &mut Option<AddressSlot> {
        match kind {
            AddressKind::From => &mut self.from_address,
            AddressKind::To => &mut self.to_address,
        }
    }

    /// Submits an address: it becomes `pending`, awaiting the answer to `submission_id`.
    pub fn submit(&mut self, kind: AddressKind, address: PostalAddress, submission_id: String) {
        let state = AddressState {
            status: AddressStatus::Pending,
            submitted: address,
            address_id: None,
            normalized: None,
            reasons: None,
        };
        *self.slot(kind) = Some(AddressSlot { state, submission_id });
    }

    /// Applies the answer to `submission_id`; `false` (nothing changed) when the
    /// address was replaced since, or already answered.
    pub fn apply(&mut self, kind: AddressKind, submission_id: &str, result: AddressResult) -> bool {
        let Some(slot) = self.slot(kind) else { return false };
        if slot.submission_id != submission_id || slot.state.status != AddressStatus::Pending {
            return false;
        }
        match result {
            AddressResult::Reconciled { address_id, normalized } => {
                slot.state.status = AddressStatus::Reconciled;
                slot.state.address_id = Some(address_id);
                slot.state.normalized = Some(normalized);
            }
            AddressResult::Rejected { reasons } => {
                slot.state.status = AddressStatus::Rejected;
                slot.state.reasons = Some(reasons);
            }
        }
        true
    }

    /// A new code for the current email, at `now`: the email is unproven until it
    /// is confirmed. Returns the code (to mail) and when it expires.
    pub fn request_verification(&mut self, now: i64) -> (String, i64) {
        let (code, pending) = verification::issue(&self.id, now);
        let expires_at = pending.expires_at;
        self.email_verified = false;
        self.verification = Some(pending);
        (code, expires_at)
    }

    /// Confirms `code` at `now`: the email is proven. A wrong code counts an
    /// attempt on the record (which must then be written).
    pub fn confirm_email(&mut self, code: &str, now: i64) -> Result<(), Refusal> {
        let Some(pending) = self.verification.as_mut().filter(|_| !self.email_verified) else {
            return Err(Refusal::NothingPending);
        };
        pending.check(&self.id, code, now)?;
        self.email_verified = true;
        self.verification = None;
        Ok(())
    }

    /// Applies the scalar fields of a checked patch; a new email is unproven.
    pub fn patch_fields(&mut self, patch: &MoverPatch, checked: Validated) {
        if let Some(name) = &patch.name {
            self.name = name.trim().to_owned();
        }
        if let Some(email) = &patch.email {
            let email = email.trim().to_owned();
            if email != self.email {
                self.email = email;
                self.email_verified = false;
                self.verification = None;
            }
        }
        if let Some(phone) = &patch.phone {
            self.phone = Some(phone.clone());
        }
        if let Some(date) = checked.move_date {
            self.move_date = Some(date);
        }
    }

    /// The published view at `version`; `redact` hides email and phone.
    pub fn view(&self, version: u64, redact: bool) -> MoverView {
        MoverView {
            id: self.id.clone(),
            version,
            owner_sub: self.owner_sub.clone(),
            name: self.name.clone(),
            email: (!redact).then(|| self.email.clone()),
            email_verified: self.email_verified,
            phone: if redact { None } else { self.phone.clone() },
            move_date: self.move_date,
            from_address: self.from_address.as_ref().map(|s| s.state.clone()),
            to_address: self.to_address.as_ref().map(|s| s.state.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mover() -> Mover {
        let input = MoverInput {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            phone: None,
            move_date: None,
            from_address: None,
            to_address: None,
        };
        let checked = input.validate().expect("a valid mover");
        Mover::new("mov_1".into(), &"usr_1".into(), &input, checked, 0)
    }

    fn normalized() -> NormalizedAddress {
        NormalizedAddress {
            street: "1 MAIN ST".into(),
            unit: None,
            city: "X".into(),
            state: "IL".into(),
            zip: "62701".into(),
        }
    }

    #[test]
    fn an_answer_to_a_replaced_address_is_stale() {
        let mut m = mover();
        m.submit(AddressKind::From, PostalAddress::default(), "sub-1".into());
        m.submit(AddressKind::From, PostalAddress::default(), "sub-2".into());
        let stale = AddressResult::Reconciled { address_id: "adr_old".into(), normalized: normalized() };
        assert!(!m.apply(AddressKind::From, "sub-1", stale));
        assert_eq!(m.from_address.as_ref().unwrap().state.status, AddressStatus::Pending);
        let fresh = AddressResult::Rejected { reasons: vec!["unknown state".into()] };
        assert!(m.apply(AddressKind::From, "sub-2", fresh));
        assert_eq!(m.from_address.as_ref().unwrap().state.status, AddressStatus::Rejected);
        let again = AddressResult::Reconciled { address_id: "adr".into(), normalized: normalized() };
        assert!(!m.apply(AddressKind::From, "sub-2", again), "answered already");
        assert!(!m.apply(AddressKind::To, "sub-2", AddressResult::Rejected { reasons: vec![] }), "no such address");
    }

    #[test]
    fn references_round_trip() {
        assert_eq!(AddressKind::From.reference("mov_9"), "mov_9:from");
        assert_eq!(AddressKind::parse_reference("mov_9:to"), Some(("mov_9".into(), AddressKind::To)));
        assert_eq!(AddressKind::parse_reference("other:to"), None);
        assert_eq!(AddressKind::parse_reference("mov_9:side"), None);
    }

    #[test]
    fn redaction_hides_contact_data_only() {
        let mut m = mover();
        m.phone = Some("+1 555 0100".into());
        let v = m.view(3, true);
        assert_eq!((v.email, v.phone, v.version, v.name.as_str()), (None, None, 3, "Ada"));
        assert_eq!(m.view(3, false).email.as_deref(), Some("ada@example.com"));
    }

    #[test]
    fn inputs_are_checked_field_by_field() {
        let good = MoverInput {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            phone: Some("+1 (555) 010-0100".into()),
            move_date: Some("2999-01-01".into()),
            from_address: None,
            to_address: None,
        };
        assert!(good.validate().is_ok());
        let cases = [
            (MoverInput { name: " ".into(), ..good.clone() }, "`name`"),
            (MoverInput { email: "nope".into(), ..good.clone() }, "`email`"),
            (MoverInput { phone: Some("call me".into()), ..good.clone() }, "`phone`"),
            (
                MoverInput { move_date: Some("2020-01-01".into()), ..good.clone() },
                "`move_date`: must not be in the past",
            ),
            (MoverInput { move_date: Some("2999-13-01".into()), ..good.clone() }, "`move_date`"),
        ];
        for (input, fragment) in cases {
            let e = input.validate().unwrap_err();
            assert!(e.to_string().starts_with(fragment), "{e}");
        }
        assert!(MoverPatch::default().validate().is_err());
    }
}
