//! Proof that a mover's email reaches its owner: a six-digit one-time code, mailed
//! (by the notifications service, with fixed text only) to the address and confirmed
//! through the API. Only its digest is stored; it expires, and a few wrong guesses
//! void it. Until it is confirmed nothing else is mailed to the address.
use serde::{Deserialize, Serialize};
use sha2::Digest;
use uuid::Uuid;

/// How long a code works.
pub const CODE_TTL_SECONDS: i64 = 24 * 3600;
/// Wrong codes before a code is void (a new one must be requested).
pub const MAX_ATTEMPTS: u32 = 5;

/// A code awaiting confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingVerification {
    /// SHA-256 of the mover id and the code.
    pub code_hash: String,
    /// When it stops working, seconds since the epoch.
    pub expires_at: i64,
    /// Wrong codes tried so far.
    pub attempts: u32,
}

/// Why a code was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The email is proven already, or no code was requested.
    NothingPending,
    /// The code's time ran out.
    Expired,
    /// Too many wrong codes: this one is void.
    Void,
    /// Not the code; this many tries are left.
    Wrong(u32),
}

fn digest(mover_id: &str, code: &str) -> String {
    hex::encode(sha2::Sha256::digest(format!("{mover_id}\n{code}").as_bytes()))
}

/// A fresh code for `mover_id` and what to store of it, at `now`.
pub fn issue(mover_id: &str, now: i64) -> (String, PendingVerification) {
    let code = format!("{:06}", Uuid::new_v4().as_u128() % 1_000_000);
    let pending =
        PendingVerification { code_hash: digest(mover_id, &code), expires_at: now + CODE_TTL_SECONDS, attempts: 0 };
    (code, pending)
}

impl PendingVerification {
    /// Judges `code` at `now`; a wrong one counts an attempt.
    pub fn check(&mut self, mover_id: &str, code: &str, now: i64) -> Result<(), Refusal> {
        if self.attempts >= MAX_ATTEMPTS {
            return Err(Refusal::Void);
        }
        if now >= self.expires_at {
            return Err(Refusal::Expired);
        }
        let given = digest(mover_id, code.trim());
        // Compared as digests: equal length, and the stored one reveals nothing.
        if given.as_bytes().iter().zip(self.code_hash.as_bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0 {
            return Ok(());
        }
        self.attempts += 1;
        Err(if self.attempts >= MAX_ATTEMPTS { Refusal::Void } else { Refusal::Wrong(MAX_ATTEMPTS - self.attempts) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_works_once_in_time_and_wrong_guesses_void_it() {
        let (code, mut pending) = issue("mov_1", 1_000);
        assert_eq!(code.len(), 6);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
        assert!(!pending.code_hash.contains(&code), "only the digest is kept");
        assert_eq!(pending.clone().check("mov_2", &code, 1_001), Err(Refusal::Wrong(4)), "bound to its mover");
        assert_eq!(pending.clone().check("mov_1", &code, 1_000 + CODE_TTL_SECONDS), Err(Refusal::Expired));
        assert_eq!(pending.clone().check("mov_1", &format!(" {code} "), 1_001), Ok(()));
        let wrong = if code == "000000" { "000001" } else { "000000" };
        for left in (1..MAX_ATTEMPTS).rev() {
            assert_eq!(pending.check("mov_1", wrong, 1_001), Err(Refusal::Wrong(left)));
        }
        assert_eq!(pending.check("mov_1", wrong, 1_001), Err(Refusal::Void));
        assert_eq!(pending.check("mov_1", &code, 1_001), Err(Refusal::Void), "void even for the right code");
    }
}
