//! The journal of notifications, one item per event id: written `sending` before
//! the email goes out and `sent` (with SES's message id) after, so a redelivered
//! event finds its email already sent and sends nothing.
use platform::store::{Key, StoreError, Table};
use serde::{Deserialize, Serialize};

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// The event that caused it.
    pub event_id: String,
    /// The event's name.
    pub event_name: String,
    /// Who it went to.
    pub recipient: String,
    /// Its subject.
    pub subject: String,
    /// Where the email stands.
    pub status: NotificationStatus,
    /// SES's message id, once sent.
    pub message_id: Option<String>,
}

/// What the journal says about an event before sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// First time: send it.
    Send,
    /// Sent before: do nothing.
    AlreadySent,
    /// An earlier attempt stopped between journaling and confirming the send: it
    /// may have gone out; sending again is the lesser harm (at least once).
    Resend,
}

/// Where a journaled email stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationStatus {
    /// Being sent: journaled before the send, which may or may not have happened.
    Sending,
    /// SES accepted it.
    Sent,
}

/// The notifications journal.
#[derive(Clone, Debug)]
pub struct Journal {
    table: Table,
}

fn key(event_id: &str) -> Key {
    Key::new(format!("NOTIFICATION#{event_id}"), "EMAIL")
}

impl Journal {
    /// The journal in `table`.
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    /// Journals `notification` as `sending`, unless its event is journaled already.
    pub async fn begin(&self, notification: &Notification) -> Result<Begin, StoreError> {
        match self.table.insert(&key(&notification.event_id), notification).await {
            Ok(_) => Ok(Begin::Send),
            Err(StoreError::Conflict(_)) => match self.get(&notification.event_id).await? {
                Some(n) if n.status == NotificationStatus::Sent => Ok(Begin::AlreadySent),
                _ => Ok(Begin::Resend),
            },
            Err(e) => Err(e),
        }
    }

    /// Journals `notification`'s email as sent with SES's `message_id`: one write of
    /// the whole item (no read first), idempotent, so that it can be tried again and
    /// again in the moments between SES taking the email and the invocation's end.
    pub async fn sent(&self, notification: &Notification, message_id: &str) -> Result<(), StoreError> {
        let sent = Notification {
            status: NotificationStatus::Sent,
            message_id: Some(message_id.to_owned()),
            ..notification.clone()
        };
        self.table.put(&key(&notification.event_id), &sent).await
    }

    /// The notification of an event.
    pub async fn get(&self, event_id: &str) -> Result<Option<Notification>, StoreError> {
        Ok(self.table.get::<Notification>(&key(event_id)).await?.map(|v| v.value))
    }
}
