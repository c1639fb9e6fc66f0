//! The port that sends an email, and its Amazon SES (v2) adapter.
use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use crate::error::NotificationError;
use crate::templates::Email;

/// Sends emails.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends `email` to `to`; returns the provider's message id.
    async fn send(&self, to: &str, email: &Email) -> Result<String, NotificationError>;
}

/// Amazon SES v2 `SendEmail`, from a verified sender identity.
#[derive(Clone, Debug)]
pub struct SesMailer {
    client: Client,
    sender: String,
}

impl SesMailer {
    /// Sends from `sender` through `client`.
    pub fn new(client: Client, sender: impl Into<String>) -> Self {
        Self { client, sender: sender.into() }
    }
}

fn content(text: &str) -> Result<Content, NotificationError> {
    Content::builder().data(text).charset("UTF-8").build().map_err(|e| NotificationError::Mail(e.to_string()))
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, to: &str, email: &Email) -> Result<String, NotificationError> {
        let message = Message::builder()
            .subject(content(&email.subject)?)
            .body(Body::builder().text(content(&email.body)?).build())
            .build();
        let out = self
            .client
            .send_email()
            .from_email_address(&self.sender)
            .destination(Destination::builder().to_addresses(to).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(|e| NotificationError::Mail(format!("{}", aws_sdk_sesv2::error::DisplayErrorContext(e))))?;
        Ok(out.message_id().unwrap_or_default().to_owned())
    }
}

/// Records what would be sent (for tests of the handlers), answering with
/// message ids `recorded-<n>`. Tests only: the `testing` feature.
#[cfg(any(test, feature = "testing"))]
#[derive(Debug, Default)]
pub struct RecordingMailer {
    sent: std::sync::Mutex<Vec<(String, Email)>>,
}

#[cfg(any(test, feature = "testing"))]
impl RecordingMailer {
    /// `(to, email)` of every send so far.
    pub fn sent(&self) -> Vec<(String, Email)> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

#[cfg(any(test, feature = "testing"))]
#[async_trait]
impl Mailer for RecordingMailer {
    async fn send(&self, to: &str, email: &Email) -> Result<String, NotificationError> {
        let mut sent = self.sent.lock().map_err(|_| NotificationError::Mail("recording lock poisoned".into()))?;
        sent.push((to.to_owned(), email.clone()));
        Ok(format!("recorded-{}", sent.len()))
    }
}
