//! The application layer every entry point calls — REST, CQRS commands and the
//! worker — so that no rule is written twice. Each change is written together with
//! the messages announcing it (the outbox, one transaction), stamped by the change's
//! [`Origin`]: the caller at a gateway, or the message a worker handles.
use std::sync::Arc;

use platform::bus::{Origin, Outgoing};
use platform::store::{StoreError, Versioned};
use platform_messages::contracts::addressing::{AddressReceived, AddressSubmission, PostalAddress};
use platform_messages::contracts::movers::{
    EmailVerificationRequested, EmailVerificationRequestedData, EmailVerified, EmailVerifiedData, MoverCreated,
    MoverUpdated, MoverView,
};
use platform_messages::ids::UserId;
use platform_messages::validate;
use platform_messages::{Contract, MessageName};
use uuid::Uuid;

use crate::domain::{AddressKind, AddressResult, Mover, MoverInput, MoverPatch};
use crate::error::MoverError;
use crate::store::{Cursor, MoverStore, Page};
use crate::verification::Refusal;

/// A message an operation calls for.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// `mover.created`.
    Created(MoverView),
    /// `mover.updated`.
    Updated(MoverView),
    /// `email_verification.requested`: a code for the mover's email.
    VerificationRequested(EmailVerificationRequestedData),
    /// `email.verified`.
    EmailVerified(EmailVerifiedData),
    /// `address.received`, with the id the mover awaits an answer to.
    AddressReceived {
        /// The message id.
        id: Uuid,
        /// Its data.
        data: AddressSubmission,
    },
}

impl Effect {
    /// The message name.
    pub fn name(&self) -> MessageName {
        match self {
            Effect::Created(_) => MoverCreated::NAME,
            Effect::Updated(_) => MoverUpdated::NAME,
            Effect::VerificationRequested(_) => EmailVerificationRequested::NAME,
            Effect::EmailVerified(_) => EmailVerified::NAME,
            Effect::AddressReceived { .. } => AddressReceived::NAME,
        }
    }
}

/// A mover at its new version and the messages written with the change (none when
/// the operation found its change already made).
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The mover.
    pub mover: Mover,
    /// Its version.
    pub version: u64,
    /// What the change announced.
    pub effects: Vec<Effect>,
}

/// The messages of `effects`, stamped by `origin`.
fn announce(origin: &Origin, effects: &[Effect]) -> Result<Vec<Outgoing>, MoverError> {
    effects
        .iter()
        .enumerate()
        .map(|(index, effect)| match effect {
            Effect::Created(view) => origin.message::<MoverCreated>(index, view),
            Effect::Updated(view) => origin.message::<MoverUpdated>(index, view),
            Effect::VerificationRequested(data) => origin.message::<EmailVerificationRequested>(index, data),
            Effect::EmailVerified(data) => origin.message::<EmailVerified>(index, data),
            Effect::AddressReceived { id, data } => origin.message_with_id::<AddressReceived>(*id, data),
        })
        .collect::<Result<_, _>>()
        .map_err(MoverError::from)
}

/// The id of a new mover: derived from the caller and their `Idempotency-Key`, so a
/// retried request names the same mover, or a fresh one without a key.
pub fn new_mover_id(owner_sub: &str, idempotency_key: Option<&str>) -> Result<String, MoverError> {
    let Some(key) = idempotency_key else { return Ok(format!("mov_{}", Uuid::new_v4().simple())) };
    validate::token("Idempotency-Key", key, validate::MAX_IDEMPOTENCY_KEY_CHARS)?;
    let name = format!("movers/{owner_sub}/{key}");
    Ok(format!("mov_{}", Uuid::new_v5(&Uuid::NAMESPACE_OID, name.as_bytes()).simple()))
}

/// The id of the `address.received` sent when `version` of a mover is written: the
/// same on a retry, different for every new submission.
pub fn submission_id(mover_id: &str, version: u64, kind: AddressKind) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, kind.reference(&format!("{mover_id}@{version}")).as_bytes())
}

/// The answer to a code that was not accepted.
fn refused_code(refusal: &Refusal, mover: &Mover) -> MoverError {
    match refusal {
        Refusal::Wrong(left) => {
            MoverError::invalid("code", &format!("is not the code sent to the email ({left} tries left)"))
        }
        Refusal::Void => MoverError::Conflict("too many wrong codes: request a new one".into()),
        Refusal::Expired => MoverError::Conflict("the code expired: request a new one".into()),
        Refusal::NothingPending if mover.email_verified => MoverError::Conflict("the email is proven already".into()),
        Refusal::NothingPending => MoverError::Conflict("no code was requested: request one".into()),
    }
}

fn epoch_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Checks a caller may change a mover (called with the current record).
pub type Guard<'a> = &'a (dyn Fn(&Mover) -> Result<(), MoverError> + Send + Sync);

/// The movers service.
#[derive(Clone)]
pub struct MoversService {
    store: Arc<dyn MoverStore>,
}

impl MoversService {
    /// The service over `store`.
    pub fn new(store: Arc<dyn MoverStore>) -> Self {
        Self { store }
    }

    fn submit_all(mover: &mut Mover, version: u64, addresses: Vec<(AddressKind, PostalAddress)>) -> Vec<Effect> {
        addresses
            .into_iter()
            .map(|(kind, address)| {
                let id = submission_id(&mover.id, version, kind);
                mover.submit(kind, address.clone(), id.to_string());
                Effect::AddressReceived {
                    id,
                    data: AddressSubmission { reference: kind.reference(&mover.id), address },
                }
            })
            .collect()
    }

    /// A new code for the mover's email, and the message that mails it.
    fn verification(mover: &mut Mover, now: i64) -> Effect {
        let (code, expires_at) = mover.request_verification(now);
        let expires_at = time::OffsetDateTime::from_unix_timestamp(expires_at)
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_else(|| expires_at.to_string());
        Effect::VerificationRequested(EmailVerificationRequestedData {
            mover_id: mover.id.clone(),
            email: mover.email.clone(),
            code,
            expires_at,
        })
    }

    /// Creates a mover owned by `owner_sub` with id `id`, announced by `origin`.
    /// Creating an id that exists from the same request (same owner and fields: a
    /// retried request or task) returns the mover as it is now and announces nothing
    /// again; another request under that id is a 409.
    pub async fn create(
        &self,
        id: String,
        owner_sub: &UserId,
        input: MoverInput,
        now: i64,
        origin: &Origin,
    ) -> Result<Outcome, MoverError> {
        let checked = input.validate()?;
        let mut mover = Mover::new(id, owner_sub, &input, checked, now);
        let addresses: Vec<_> = [(AddressKind::From, input.from_address), (AddressKind::To, input.to_address)]
            .into_iter()
            .filter_map(|(kind, a)| a.map(|a| (kind, a)))
            .collect();
        let verification = Self::verification(&mut mover, now);
        let mut effects = Self::submit_all(&mut mover, 1, addresses);
        effects.insert(0, Effect::Created(mover.view(1, false)));
        effects.push(verification);
        match self.store.insert(&mover, &announce(origin, &effects)?).await {
            Ok(_) => Ok(Outcome { mover, version: 1, effects }),
            Err(StoreError::Conflict(_)) => {
                let existing = self.get(&mover.id).await?;
                let same = existing.value.owner_sub == mover.owner_sub
                    && existing.value.request_fingerprint == mover.request_fingerprint;
                if !same {
                    return Err(MoverError::Conflict(format!(
                        "mover {} was created by another request (an Idempotency-Key is for one request)",
                        mover.id
                    )));
                }
                Ok(Outcome { mover: existing.value, version: existing.version, effects: vec![] })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A mover, or 404.
    pub async fn get(&self, id: &str) -> Result<Versioned<Mover>, MoverError> {
        self.store.get(id).await.map_err(MoverError::from)?.ok_or_else(|| MoverError::NotFound(id.to_owned()))
    }

    /// A client's cursor, accepted only when it names a mover this listing could
    /// have shown (one of `owner`'s, when the listing is theirs): a tampered cursor
    /// is a 400, and never a way to another owner's movers.
    async fn cursor(&self, text: &str, owner: Option<&str>) -> Result<Cursor, MoverError> {
        let refused = || MoverError::invalid("cursor", "is not a cursor this API gave you");
        validate::token("cursor", text, validate::MAX_CURSOR_CHARS)?;
        let cursor = Cursor::decode(text).ok_or_else(refused)?;
        let mover = self.store.get(cursor.mover_id()).await.map_err(MoverError::from)?.ok_or_else(refused)?;
        if !cursor.names(&mover.value) || owner.is_some_and(|o| o != mover.value.owner_sub) {
            return Err(refused());
        }
        Ok(cursor)
    }

    /// A page of movers, newest first; `owner` limits it to one user's.
    pub async fn list(&self, limit: u32, cursor: Option<&str>, owner: Option<&str>) -> Result<Page, MoverError> {
        if !(1..=100).contains(&limit) {
            return Err(MoverError::invalid("limit", "must be between 1 and 100"));
        }
        let after = match cursor {
            Some(c) => Some(self.cursor(c, owner).await?),
            None => None,
        };
        self.store.list(limit, after, owner).await.map_err(MoverError::from)
    }

    /// Applies a patch to a mover at `expected` version (409 when it moved on).
    pub async fn update(
        &self,
        id: &str,
        expected: Option<u64>,
        patch: MoverPatch,
        guard: Guard<'_>,
        origin: &Origin,
    ) -> Result<Outcome, MoverError> {
        let checked = patch.validate()?;
        let current = self.get(id).await?;
        guard(&current.value)?;
        if let Some(expected) = expected
            && expected != current.version
        {
            return Err(MoverError::Conflict(format!("mover {id} is at version {}, not {expected}", current.version)));
        }
        let mut mover = current.value;
        let previous_email = mover.email.clone();
        mover.patch_fields(&patch, checked);
        let version = current.version + 1;
        let verification = (mover.email != previous_email).then(|| Self::verification(&mut mover, epoch_now()));
        let addresses: Vec<_> = [(AddressKind::From, patch.from_address), (AddressKind::To, patch.to_address)]
            .into_iter()
            .filter_map(|(kind, a)| a.map(|a| (kind, a)))
            .collect();
        let submissions = Self::submit_all(&mut mover, version, addresses);
        let mut effects = vec![Effect::Updated(mover.view(version, false))];
        effects.extend(submissions);
        effects.extend(verification);
        let messages = announce(origin, &effects)?;
        let version = self.store.replace(&mover, current.version, &messages).await.map_err(MoverError::from)?;
        Ok(Outcome { mover, version, effects })
    }

    /// Confirms the code mailed to mover `id`'s email: proven, it may be mailed
    /// (`email.verified` and `mover.updated` announce it). A wrong code is a 400
    /// that counts an attempt; an expired or void one, or none, a 409.
    pub async fn confirm_email(
        &self,
        id: &str,
        code: &str,
        guard: Guard<'_>,
        origin: &Origin,
    ) -> Result<Outcome, MoverError> {
        validate::token("code", code.trim(), 16)?;
        // An address answered meanwhile makes the write stale: judge the code again
        // on the record as it is now.
        for _ in 0..5 {
            let current = self.get(id).await?;
            guard(&current.value)?;
            let mut mover = current.value;
            let judged = mover.confirm_email(code, epoch_now());
            let effects = match &judged {
                Ok(()) => vec![
                    Effect::Updated(mover.view(current.version + 1, false)),
                    Effect::EmailVerified(EmailVerifiedData {
                        mover_id: mover.id.clone(),
                        email: mover.email.clone(),
                        name: mover.name.clone(),
                    }),
                ],
                // A wrong code is written down (the attempt counts), announcing nothing.
                Err(Refusal::Wrong(_) | Refusal::Void) => vec![],
                Err(refusal) => return Err(refused_code(refusal, &mover)),
            };
            match self.store.replace(&mover, current.version, &announce(origin, &effects)?).await {
                Ok(version) => {
                    return match judged {
                        Ok(()) => Ok(Outcome { mover, version, effects }),
                        Err(refusal) => Err(refused_code(&refusal, &mover)),
                    };
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(MoverError::Conflict(format!("mover {id} kept changing; try again")))
    }

    /// Mails a new code to mover `id`'s unproven email (the earlier one stops working).
    pub async fn resend_verification(
        &self,
        id: &str,
        guard: Guard<'_>,
        origin: &Origin,
    ) -> Result<Outcome, MoverError> {
        for _ in 0..5 {
            let current = self.get(id).await?;
            guard(&current.value)?;
            let mut mover = current.value;
            if mover.email_verified {
                return Err(MoverError::Conflict("the email is proven already".into()));
            }
            let verification = Self::verification(&mut mover, epoch_now());
            let effects = vec![Effect::Updated(mover.view(current.version + 1, false)), verification];
            match self.store.replace(&mover, current.version, &announce(origin, &effects)?).await {
                Ok(version) => return Ok(Outcome { mover, version, effects }),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(MoverError::Conflict(format!("mover {id} kept changing; try again")))
    }

    /// Applies the addressing service's answer to `reference` (`<mover_id>:from|to`)
    /// if it answers the latest submission, announced by `origin`; `None` for a
    /// stale or foreign answer, or one applied before.
    pub async fn apply_answer(
        &self,
        reference: &str,
        answering: &str,
        result: AddressResult,
        origin: &Origin,
    ) -> Result<Option<Outcome>, MoverError> {
        let Some((id, kind)) = AddressKind::parse_reference(reference) else { return Ok(None) };
        for _ in 0..5 {
            let Some(current) = self.store.get(&id).await.map_err(MoverError::from)? else { return Ok(None) };
            let mut mover = current.value;
            if !mover.apply(kind, answering, result.clone()) {
                return Ok(None);
            }
            let effects = vec![Effect::Updated(mover.view(current.version + 1, false))];
            match self.store.replace(&mover, current.version, &announce(origin, &effects)?).await {
                Ok(version) => return Ok(Some(Outcome { mover, version, effects })),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(MoverError::Conflict(format!("mover {id} kept changing; the answer will be retried")))
    }
}
