//! The port that sends an email, and its Amazon SES (v2) adapter.
//!
//! SES has no idempotency key: an email whose call was cut may have gone out. So the
//! adapter makes one attempt per call (no SDK retries, whose backoff could push a
//! real attempt past the invocation's deadline) and tells an answer that proves the
//! email was not taken (a throttle, a server error: [`NotificationError::MailNotTaken`],
//! safe to send again at once) from an outcome it cannot know (a timeout, a broken
//! connection: [`NotificationError::Mail`]), which the handler leaves to the journal.
use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::config::http::HttpResponse;
use aws_sdk_sesv2::config::retry::RetryConfig;
use aws_sdk_sesv2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use crate::error::NotificationError;
use crate::templates::Email;

/// Sends emails.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends `email` to `to` in one attempt; returns the provider's message id.
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
            .customize()
            .config_override(aws_sdk_sesv2::config::Builder::default().retry_config(RetryConfig::disabled()))
            .send()
            .await
            .map_err(classify)?;
        Ok(out.message_id().unwrap_or_default().to_owned())
    }
}

/// An SES failure as the handler must treat it: answered "not taken" (throttled,
/// or a server error: no message id, the email was not accepted) or an outcome
/// unknown (no answer: it may have gone out).
fn classify(error: SdkError<SendEmailError, HttpResponse>) -> NotificationError {
    let not_taken = match &error {
        SdkError::ServiceError(context) => {
            let status = context.raw().status().as_u16();
            let throttled =
                matches!(context.err().code(), Some("Throttling" | "ThrottlingException" | "TooManyRequestsException"));
            throttled || status == 429 || status >= 500
        }
        _ => false,
    };
    let text = format!("{}", DisplayErrorContext(error));
    if not_taken { NotificationError::MailNotTaken(text) } else { NotificationError::Mail(text) }
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// An SES endpoint on 127.0.0.1 that gives every request `answer` (or closes the
    /// connection without a word when it is `None`), and counts the requests.
    async fn endpoint(answer: Option<&'static str>) -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = requests.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut buffer = vec![0u8; 64 * 1024];
                let _ = stream.read(&mut buffer).await;
                counted.fetch_add(1, Ordering::SeqCst);
                if let Some(answer) = answer {
                    let _ = stream.write_all(answer.as_bytes()).await;
                }
            }
        });
        (url, requests)
    }

    fn mailer(url: &str) -> SesMailer {
        let config = aws_sdk_sesv2::Config::builder()
            .behavior_version_latest()
            .region(aws_sdk_sesv2::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sesv2::config::Credentials::for_tests())
            .endpoint_url(url)
            .build();
        SesMailer::new(Client::from_conf(config), "no-reply@updater.test")
    }

    fn email() -> Email {
        Email { subject: "Hello".into(), body: "Text".into() }
    }

    fn answer(status: &str, body: &'static str) -> &'static str {
        let text = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        Box::leak(text.into_boxed_str())
    }

    #[tokio::test]
    async fn a_throttle_is_answered_not_taken_after_one_attempt() {
        let throttled = answer("429 Too Many Requests", r#"{"message":"slow down"}"#);
        let (url, requests) = endpoint(Some(throttled)).await;
        let error = mailer(&url).send("a@example.com", &email()).await.unwrap_err();
        assert!(matches!(error, NotificationError::MailNotTaken(_)), "{error:?}");
        assert_eq!(requests.load(Ordering::SeqCst), 1, "one attempt: the handler decides what comes next");
    }

    #[tokio::test]
    async fn a_server_error_is_answered_not_taken() {
        let failing = answer("500 Internal Server Error", r#"{"message":"internal"}"#);
        let (url, _) = endpoint(Some(failing)).await;
        let error = mailer(&url).send("a@example.com", &email()).await.unwrap_err();
        assert!(matches!(error, NotificationError::MailNotTaken(_)), "{error:?}");
    }

    #[tokio::test]
    async fn a_rejection_is_a_failure_not_to_try_again_at_once() {
        let rejected = answer("400 Bad Request", r#"{"message":"Email address is not verified."}"#);
        let (url, _) = endpoint(Some(rejected)).await;
        let error = mailer(&url).send("a@example.com", &email()).await.unwrap_err();
        assert!(matches!(&error, NotificationError::Mail(text) if text.contains("not verified")), "{error:?}");
    }

    #[tokio::test]
    async fn a_connection_closed_without_an_answer_leaves_the_outcome_unknown() {
        let (url, requests) = endpoint(None).await;
        let error = mailer(&url).send("a@example.com", &email()).await.unwrap_err();
        assert!(matches!(error, NotificationError::Mail(_)), "the email may be out: {error:?}");
        assert_eq!(requests.load(Ordering::SeqCst), 1, "never sent twice in one call");
    }

    #[tokio::test]
    async fn an_accepted_email_gives_its_message_id() {
        let accepted = answer("200 OK", r#"{"MessageId":"ses-1"}"#);
        let (url, _) = endpoint(Some(accepted)).await;
        assert_eq!(mailer(&url).send("a@example.com", &email()).await.unwrap(), "ses-1");
    }
}
