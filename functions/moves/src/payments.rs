//! The payment-provider port, and the sandbox provider shipped with the platform.
//! The sandbox behaves like a real provider's test mode: card token `tok_visa`
//! succeeds, `tok_decline` declines, `tok_timeout` captures the charge but times out
//! before answering (the ambiguous case a refund must cover), `tok_refund_fails`
//! succeeds but refuses refunds. Every charge is idempotent by booking id.
use std::time::Duration;

use async_trait::async_trait;
use platform::store::{Key, StoreError, Table};
use serde::{Deserialize, Serialize};

use crate::booking::now;
use crate::error::MovesError;

/// Where a charge stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeStatus {
    /// Taken from the card.
    Captured,
    /// Given back.
    Refunded,
}

impl ChargeStatus {
    /// The name the ledger writes.
    pub fn as_str(self) -> &'static str {
        match self {
            ChargeStatus::Captured => "captured",
            ChargeStatus::Refunded => "refunded",
        }
    }
}

/// A captured charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    /// The provider's id.
    pub charge_id: String,
    /// Amount in cents.
    pub amount_cents: u64,
    /// Where the charge stands.
    pub status: ChargeStatus,
    /// The card token charged.
    pub card_token: String,
    /// When captured.
    pub charged_at: String,
    /// When refunded.
    #[serde(default)]
    pub refunded_at: Option<String>,
}

/// What a refund did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refund {
    /// The charge was refunded now.
    Refunded,
    /// It had been refunded before.
    AlreadyRefunded,
    /// There was no charge for the booking.
    NothingCharged,
}

/// A payment provider; `idempotency_key` is the booking id.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// Charges `amount_cents` to `card_token`, once per key.
    async fn charge(&self, idempotency_key: &str, amount_cents: u64, card_token: &str) -> Result<Charge, MovesError>;
    /// Refunds the key's charge, if any, once.
    async fn refund(&self, idempotency_key: &str) -> Result<Refund, MovesError>;
}

/// The sandbox provider: its ledger lives in the moves table (`PAYMENT#<key>`).
#[derive(Clone, Debug)]
pub struct SandboxPayments {
    table: Table,
    timeout: Duration,
}

fn key(idempotency_key: &str) -> Key {
    Key::new(format!("PAYMENT#{idempotency_key}"), "CHARGE")
}

fn unavailable(e: StoreError) -> MovesError {
    MovesError::PaymentUnavailable(platform::error_chain::text(&e))
}

impl SandboxPayments {
    /// The sandbox over `table`; `tok_timeout` answers after `timeout`.
    pub fn new(table: Table, timeout: Duration) -> Self {
        Self { table, timeout }
    }

    /// The sandbox ledger's record of a key (what a provider's dashboard shows).
    pub async fn charge_of(&self, idempotency_key: &str) -> Result<Option<Charge>, StoreError> {
        Ok(self.table.get::<Charge>(&key(idempotency_key)).await?.map(|v| v.value))
    }

    async fn capture(&self, idempotency_key: &str, amount_cents: u64, card_token: &str) -> Result<Charge, MovesError> {
        let charge = Charge {
            charge_id: format!(
                "ch_{}",
                uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, idempotency_key.as_bytes()).simple()
            ),
            amount_cents,
            status: ChargeStatus::Captured,
            card_token: card_token.to_owned(),
            charged_at: now(),
            refunded_at: None,
        };
        match self.table.insert(&key(idempotency_key), &charge).await {
            Ok(_) => Ok(charge),
            Err(StoreError::Conflict(_)) => {
                let existing = self.charge_of(idempotency_key).await.map_err(unavailable)?;
                match existing {
                    Some(c) if c.amount_cents == amount_cents && c.card_token == card_token => Ok(c),
                    Some(_) => Err(MovesError::PaymentDeclined(format!(
                        "idempotency key `{idempotency_key}` was used for a different charge"
                    ))),
                    None => Err(MovesError::PaymentUnavailable("the charge vanished".into())),
                }
            }
            Err(e) => Err(unavailable(e)),
        }
    }
}

#[async_trait]
impl PaymentProvider for SandboxPayments {
    async fn charge(&self, idempotency_key: &str, amount_cents: u64, card_token: &str) -> Result<Charge, MovesError> {
        match card_token {
            "tok_visa" | "tok_refund_fails" => self.capture(idempotency_key, amount_cents, card_token).await,
            "tok_decline" => Err(MovesError::PaymentDeclined("your card was declined (test card tok_decline)".into())),
            "tok_timeout" => {
                self.capture(idempotency_key, amount_cents, card_token).await?;
                tokio::time::sleep(self.timeout).await;
                Err(MovesError::PaymentTimeout(self.timeout))
            }
            other => Err(MovesError::PaymentDeclined(format!("unknown test card token `{other}`"))),
        }
    }

    async fn refund(&self, idempotency_key: &str) -> Result<Refund, MovesError> {
        let mut outcome = Refund::NothingCharged;
        let mut refused = false;
        self.table
            .modify::<Charge, _>(&key(idempotency_key), |c| {
                if c.card_token == "tok_refund_fails" {
                    refused = true;
                    return false;
                }
                if c.status == ChargeStatus::Refunded {
                    outcome = Refund::AlreadyRefunded;
                    return false;
                }
                c.status = ChargeStatus::Refunded;
                c.refunded_at = Some(now());
                outcome = Refund::Refunded;
                true
            })
            .await
            .map_err(unavailable)?;
        if refused {
            return Err(MovesError::PaymentUnavailable("refunds fail for test card tok_refund_fails".into()));
        }
        // Untouched when there is no charge: `NothingCharged`.
        Ok(outcome)
    }
}
