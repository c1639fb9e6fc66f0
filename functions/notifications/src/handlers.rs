//! The worker's routes: each event becomes one email (rendered from its template)
//! to the person it concerns, journaled by the event's id. An address gets its
//! verification code first; anything else only once its owner proved it.
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use platform_consumer::{Accepts, Consumer, ConsumerParts, Emit, HandlerResult};
use platform_messages::Envelope;
use platform_messages::contracts::movers::{
    EmailVerificationRequested, EmailVerificationRequestedData, EmailVerified, EmailVerifiedData,
};
use platform_messages::contracts::moves::{MoveBooked, MoveBookedData, MoveCancelled, MoveCancelledData};

use crate::catalog::SERVICE;
use crate::error::NotificationError;
use crate::journal::{Begin, Journal, Notification, NotificationStatus};
use crate::mailer::Mailer;
use crate::templates::{self, dollars, render};

/// The invocation time an email needs before it is started: the SES call (at least
/// two seconds of it, so a slow emulator or a throttled SES is rarely cut, which
/// would leave the email's fate unknown) and the journal's update.
const SEND_MARGIN: Duration = Duration::from_millis(3_500);
/// The time kept for journaling an email as sent: a slow SES call is cut when only
/// this is left, so it never eats the time of the journal's update.
const JOURNAL_RESERVE: Duration = Duration::from_millis(1_500);
/// The time under which the journal's update is not tried again.
const JOURNAL_FLOOR: Duration = Duration::from_millis(250);

/// What the handlers work with.
#[derive(Clone)]
pub struct Notifier {
    /// The journal.
    pub journal: Journal,
    /// The mail port.
    pub mailer: Arc<dyn Mailer>,
}

impl Notifier {
    /// Renders `template` for `to` and sends it once per `envelope` id.
    async fn notify<D>(
        &self,
        envelope: &Envelope<D>,
        to: &str,
        template: &str,
        values: BTreeMap<&str, String>,
    ) -> Result<(), NotificationError> {
        let email = render(template, &values)?;
        let event_id = envelope.id.to_string();
        let notification = Notification {
            event_id: event_id.clone(),
            event_name: envelope.name.to_string(),
            recipient: to.to_owned(),
            subject: email.subject.clone(),
            status: NotificationStatus::Sending,
            message_id: None,
        };
        // An email cannot be taken back: start it only with the time to journal it as
        // sent, so a timeout never leaves an email out that the journal does not know of.
        if !platform::deadline::has(SEND_MARGIN) {
            return Err(NotificationError::OutOfTime("too little time left to send and journal the email"));
        }
        match self.journal.begin(&notification).await? {
            Begin::AlreadySent => {
                tracing::info!(event_id, "email sent before; not sending again");
                return Ok(());
            }
            Begin::Resend => tracing::warn!(event_id, "an earlier attempt may have sent this email; sending again"),
            Begin::Send => {}
        }
        let message_id = self.send(&event_id, to, &email).await?;
        self.journal_sent(&notification, &message_id).await?;
        tracing::info!(event_id, message_id, subject = %email.subject, "email sent");
        Ok(())
    }

    /// Sends `email`, one SES attempt at a time, each started only with
    /// [`SEND_MARGIN`] left (the journal's write may itself have been slow: what is
    /// left is what counts) and cut when only [`JOURNAL_RESERVE`] is. An answer that
    /// the email was not taken is tried again at once; an attempt whose outcome is
    /// unknown is not: the journal holds `sending`, and the next delivery sends again.
    async fn send(&self, event_id: &str, to: &str, email: &templates::Email) -> Result<String, NotificationError> {
        let mut pause = Duration::from_millis(50);
        loop {
            if !platform::deadline::has(SEND_MARGIN) {
                return Err(NotificationError::OutOfTime("too little time left after journaling to send the email"));
            }
            match platform::deadline::leaving(JOURNAL_RESERVE, self.mailer.send(to, email)).await {
                None => return Err(NotificationError::OutOfTime("SES did not answer in the time left")),
                Some(Err(NotificationError::MailNotTaken(reason))) if platform::deadline::has(SEND_MARGIN + pause) => {
                    tracing::warn!(event_id, reason, "SES did not take the email; sending again");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(800));
                }
                Some(sent) => return sent,
            }
        }
    }

    /// Journals an email as sent, trying again while the invocation has time: an
    /// email out but not journaled would go out again on the next delivery. Each try
    /// is cut before the invocation's end, so a slow one never takes the process down
    /// with the journal unwritten and no word of it in the log.
    async fn journal_sent(&self, notification: &Notification, message_id: &str) -> Result<(), NotificationError> {
        let event_id = notification.event_id.as_str();
        let mut pause = Duration::from_millis(50);
        loop {
            let error =
                match platform::deadline::leaving(JOURNAL_FLOOR / 2, self.journal.sent(notification, message_id)).await
                {
                    Some(Ok(())) => return Ok(()),
                    Some(Err(e)) => e.to_string(),
                    None => "the journal did not answer in the time left".to_owned(),
                };
            if platform::deadline::has(JOURNAL_FLOOR + pause) && pause < Duration::from_secs(2) {
                tracing::warn!(event_id, error = %error, "journaling a sent email failed; trying again");
                tokio::time::sleep(pause).await;
                pause *= 2;
            } else {
                tracing::error!(event_id, message_id, error = %error, "an email went out that the journal could not record");
                return Err(NotificationError::OutOfTime("the journal could not record an email that went out"));
            }
        }
    }

    /// The code to an address not proven yet: fixed text and the code only.
    async fn verification_requested(self, m: Envelope<EmailVerificationRequestedData>) -> HandlerResult {
        let values = BTreeMap::from([("code", m.data.code.clone()), ("expires_at", m.data.expires_at.clone())]);
        self.notify(&m, &m.data.email, templates::EMAIL_VERIFICATION, values).await?;
        Ok(Emit::none())
    }

    /// The welcome, once the address is proven.
    async fn email_verified(self, m: Envelope<EmailVerifiedData>) -> HandlerResult {
        let values = BTreeMap::from([("name", m.data.name.clone()), ("mover_id", m.data.mover_id.to_string())]);
        self.notify(&m, &m.data.email, templates::EMAIL_VERIFIED, values).await?;
        Ok(Emit::none())
    }

    async fn move_booked(self, m: Envelope<MoveBookedData>) -> HandlerResult {
        let d = &m.data;
        let Some(to) = d.contact_email.clone() else { return Ok(unproven(&d.booking_id)) };
        let values = BTreeMap::from([
            ("move_date", d.move_date.to_string()),
            ("crew_size", d.crew_size.to_string()),
            ("deposit", dollars(d.deposit_cents)),
            ("booking_id", d.booking_id.to_string()),
        ]);
        self.notify(&m, &to, templates::MOVE_BOOKED, values).await?;
        Ok(Emit::none())
    }

    async fn move_cancelled(self, m: Envelope<MoveCancelledData>) -> HandlerResult {
        let d = &m.data;
        let Some(to) = d.contact_email.clone() else { return Ok(unproven(&d.booking_id)) };
        let values = BTreeMap::from([
            ("move_date", d.move_date.to_string()),
            ("booking_id", d.booking_id.to_string()),
            ("reason", d.reason.trim_end_matches('.').to_owned()),
        ]);
        self.notify(&m, &to, templates::MOVE_CANCELLED, values).await?;
        Ok(Emit::none())
    }
}

/// Nothing to send: the booking's mover has no proven email.
fn unproven(booking_id: &str) -> Emit {
    tracing::info!(booking_id, "no proven email for this booking: nothing to send");
    Emit::none()
}

/// The notifications consumer.
pub fn consumer(notifier: Notifier, parts: ConsumerParts) -> Consumer {
    Consumer::from_parts(SERVICE, parts)
        .with_state(notifier)
        .on::<EmailVerificationRequested, _, _>(Accepts::SystemWork, |n, m, _| n.verification_requested(m))
        .on::<EmailVerified, _, _>(Accepts::SystemWork, |n, m, _| n.email_verified(m))
        .on::<MoveBooked, _, _>(Accepts::SystemWork, |n, m, _| n.move_booked(m))
        .on::<MoveCancelled, _, _>(Accepts::SystemWork, |n, m, _| n.move_cancelled(m))
        .build()
}
