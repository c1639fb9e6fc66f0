//! The notifications service on the local stack: events become emails through
//! SES, one per event even when the bus delivers an event twice, journaled in the
//! service's table (which holds even when the idempotency ledger forgot the event).
//! A code goes to an address not proven yet; anything else only to a proven one.
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::SqsMessage;
use aws_sdk_dynamodb::types::AttributeValue;
use notifications::handlers::{Notifier, consumer};
use notifications::journal::{Journal, NotificationStatus};
use notifications::mailer::RecordingMailer;
use platform::bus::Outgoing;
use platform::bus::RecordingPublisher;
use platform::store::Table;
use platform_consumer::{ConsumerParts, RecordOutcome};
use platform_messages::contracts::movers::{
    EmailVerificationRequested, EmailVerificationRequestedData, EmailVerified, EmailVerifiedData,
};
use platform_messages::contracts::moves::{MoveBooked, MoveBookedData};
use platform_messages::dates::CalendarDate;
use platform_testkit::create_table;
use stack_tests::function_logs::wait_logged;
use stack_tests::moves::{emails_to, wait_email};
use stack_tests::{send, stack};

#[tokio::test]
async fn an_event_delivered_twice_sends_one_email_and_journals_it() {
    let stack = stack().await;
    let to = format!("twice-{}@example.com", uuid::Uuid::new_v4().simple());
    let data = MoveBookedData {
        booking_id: format!("bkg_{}", uuid::Uuid::new_v4().simple()).into(),
        mover_id: "mov_1".into(),
        owner_sub: "usr_1".into(),
        contact_email: Some(to.clone()),
        move_date: CalendarDate::parse("2031-05-02").unwrap(),
        crew_size: 4,
        deposit_cents: 12_345,
    };
    let message = Outgoing::new::<MoveBooked>(&data).unwrap();
    send(&stack, message.clone()).await.unwrap();
    send(&stack, message.clone()).await.unwrap();

    let emails = wait_email(&stack, &to, "is booked").await;
    // The worker says when it acknowledged the second copy; only then is "one email" a
    // proof. A copy that arrived while the first was being handled is refused as in
    // flight and comes back after the queue's visibility timeout (30 s locally), then
    // waits for the queue's poller: on a busy machine that took more than 75 s.
    let id = message.envelope.id.to_string();
    let needles = ["duplicate delivery acknowledged", id.as_str()];
    wait_logged(&stack, "NotificationsWorker", &needles, Duration::from_secs(150)).await.unwrap();
    let emails_later = emails_to(&stack, &to).await;
    assert_eq!(emails_later.len(), 1, "one email for one event: {emails_later:?}");
    assert_eq!(emails[0].0, "Your move on 2031-05-02 is booked");
    assert!(emails[0].1.contains("a crew of 4") && emails[0].1.contains("$123.45"), "{emails:?}");

    let item = stack
        .dynamodb()
        .get_item()
        .table_name(stack.output("NotificationsTableName").unwrap())
        .key("pk", AttributeValue::S(format!("NOTIFICATION#{}", message.envelope.id)))
        .key("sk", AttributeValue::S("EMAIL".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .expect("the notification is journaled");
    assert_eq!(item["status"].as_s().unwrap(), "sent");
    assert_eq!(item["recipient"].as_s().unwrap(), &to);
    assert!(!item["message_id"].as_s().unwrap().is_empty());
}

#[tokio::test]
async fn a_code_goes_to_an_unproven_address_the_welcome_to_a_proven_one_and_a_booking_without_one_mails_nothing() {
    let stack = stack().await;
    let to = format!("welcome-{}@example.com", uuid::Uuid::new_v4().simple());
    let request = EmailVerificationRequestedData {
        mover_id: "mov_1".into(),
        email: to.clone(),
        code: "482913".into(),
        expires_at: "2031-05-02T10:00:00Z".into(),
    };
    send(&stack, Outgoing::new::<EmailVerificationRequested>(&request).unwrap()).await.unwrap();
    let emails = wait_email(&stack, &to, "verification code").await;
    assert_eq!(emails[0].0, "Your Updater verification code");
    assert!(emails[0].1.contains("482913"), "{emails:?}");

    let verified = EmailVerifiedData { mover_id: "mov_1".into(), email: to.clone(), name: "Grace".into() };
    send(&stack, Outgoing::new::<EmailVerified>(&verified).unwrap()).await.unwrap();
    let emails = wait_email(&stack, &to, "Welcome to Updater").await;
    let welcome = emails.iter().find(|(subject, _)| subject == "Welcome to Updater").unwrap();
    assert!(welcome.1.contains("Hello Grace") && welcome.1.contains("mov_1"), "{emails:?}");

    // A booking whose mover has no proven email is handled, and nothing is journaled or sent.
    let mut data = booked_data("bkg_unproven", "");
    data.contact_email = None;
    let silent = Outgoing::new::<MoveBooked>(&data).unwrap();
    send(&stack, silent.clone()).await.unwrap();
    let silent_id = silent.envelope.id.to_string();
    let item = |pk: String, sk: &'static str| {
        let stack = &stack;
        async move {
            stack
                .dynamodb()
                .get_item()
                .table_name(stack.output("NotificationsTableName").unwrap())
                .key("pk", AttributeValue::S(pk))
                .key("sk", AttributeValue::S(sk.into()))
                .consistent_read(true)
                .send()
                .await
                .unwrap()
                .item
        }
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let claim = item(format!("idempotency#{silent_id}"), "idempotency").await;
        if claim.as_ref().and_then(|c| c.get("status")).and_then(|s| s.as_s().ok()).map(String::as_str)
            == Some("completed")
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the booking without an email was never handled: {claim:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(item(format!("NOTIFICATION#{silent_id}"), "EMAIL").await, None, "nothing journaled, nothing sent");
}

/// A notifications consumer over `journal` and a recording mailer, with a ledger of its own.
fn recording_worker(journal: &Journal, mailer: &Arc<RecordingMailer>) -> platform_consumer::Consumer {
    let notifier = Notifier { journal: journal.clone(), mailer: mailer.clone() };
    consumer(
        notifier,
        ConsumerParts::in_memory(
            Arc::new(RecordingPublisher::default()),
            platform_identity::TestIssuer::new().verifier(),
        ),
    )
}

/// The data of a `move.booked` for `email`.
fn booked_data(booking_id: &str, email: &str) -> MoveBookedData {
    MoveBookedData {
        booking_id: booking_id.into(),
        mover_id: "mov_1".into(),
        owner_sub: "usr_1".into(),
        contact_email: Some(email.into()),
        move_date: CalendarDate::parse("2031-05-02").unwrap(),
        crew_size: 2,
        deposit_cents: 100,
    }
}

/// A `move.booked` for `email` and the SQS record that carries it.
fn booked(booking_id: &str, email: &str) -> (Outgoing, SqsMessage) {
    let data = booked_data(booking_id, email);
    let message = Outgoing::new::<MoveBooked>(&data).unwrap();
    let mut record = SqsMessage::default();
    record.message_id = Some(format!("sqs-{booking_id}"));
    record.body = Some(message.envelope.to_json().unwrap());
    (message, record)
}

#[tokio::test]
async fn the_journal_holds_even_when_the_idempotency_ledger_forgot_the_event() {
    let stack = stack().await;
    let journal = Journal::new(Table::new(stack.dynamodb(), create_table(&stack, false).await.unwrap()));
    let mailer = Arc::new(RecordingMailer::default());
    // Two consumers with their own (empty) ledgers: as if the ledger entry had expired.
    let (message, record) = booked("bkg_journal", "journal@example.com");
    assert_eq!(recording_worker(&journal, &mailer).handle_record(&record).await, RecordOutcome::Handled);
    assert_eq!(recording_worker(&journal, &mailer).handle_record(&record).await, RecordOutcome::Handled);
    let sent = mailer.sent();
    assert_eq!(sent.len(), 1, "one email: {sent:?}");
    assert_eq!(sent[0].0, "journal@example.com");
    let journaled = journal.get(&message.envelope.id.to_string()).await.unwrap().unwrap();
    assert_eq!((journaled.status, journaled.message_id.as_deref()), (NotificationStatus::Sent, Some("recorded-1")));
}

#[tokio::test]
async fn an_email_is_not_started_without_the_time_to_journal_it() {
    let stack = stack().await;
    let journal = Journal::new(Table::new(stack.dynamodb(), create_table(&stack, false).await.unwrap()));
    let mailer = Arc::new(RecordingMailer::default());
    let worker = recording_worker(&journal, &mailer);
    let (_, record) = booked("bkg_deadline", "deadline@example.com");

    let soon = std::time::SystemTime::now() + Duration::from_millis(1_500);
    let outcome = platform::deadline::until(soon, worker.handle_record(&record)).await;
    assert!(matches!(&outcome, RecordOutcome::Failed(r) if r.contains("too little time")), "{outcome:?}");
    assert!(mailer.sent().is_empty(), "nothing sent that could not be journaled");
    assert_eq!(worker.handle_record(&record).await, RecordOutcome::Handled);
    assert_eq!(mailer.sent().len(), 1, "sent once there is time");
}

/// A mailer whose provider waits `delay` before taking the email, as a slow or
/// throttled SES would.
struct SlowMailer {
    delay: Duration,
    inner: Arc<RecordingMailer>,
}

#[async_trait::async_trait]
impl notifications::mailer::Mailer for SlowMailer {
    async fn send(
        &self,
        to: &str,
        email: &notifications::templates::Email,
    ) -> Result<String, notifications::error::NotificationError> {
        tokio::time::sleep(self.delay).await;
        self.inner.send(to, email).await
    }
}

#[tokio::test]
async fn a_slow_send_is_cut_before_it_eats_the_time_to_journal_it() {
    let stack = stack().await;
    let journal = Journal::new(Table::new(stack.dynamodb(), create_table(&stack, false).await.unwrap()));
    let recorded = Arc::new(RecordingMailer::default());
    let slow = Notifier {
        journal: journal.clone(),
        mailer: Arc::new(SlowMailer { delay: Duration::from_millis(3_500), inner: recorded.clone() }),
    };
    let worker = consumer(
        slow,
        ConsumerParts::in_memory(
            Arc::new(RecordingPublisher::default()),
            platform_identity::TestIssuer::new().verifier(),
        ),
    );
    let (message, record) = booked("bkg_slow_send", "slow@example.com");

    let soon = std::time::SystemTime::now() + Duration::from_millis(4_200);
    let outcome = platform::deadline::until(soon, worker.handle_record(&record)).await;
    assert!(matches!(&outcome, RecordOutcome::Failed(r) if r.contains("SES did not answer")), "{outcome:?}");
    assert!(recorded.sent().is_empty(), "the send was cut before the provider took it");
    let journaled = journal.get(&message.envelope.id.to_string()).await.unwrap().unwrap();
    assert_eq!(journaled.status, NotificationStatus::Sending, "the journal knows an attempt began");

    assert_eq!(recording_worker(&journal, &recorded).handle_record(&record).await, RecordOutcome::Handled);
    assert_eq!(recorded.sent().len(), 1, "sent once there is time");
    let journaled = journal.get(&message.envelope.id.to_string()).await.unwrap().unwrap();
    assert_eq!(journaled.status, NotificationStatus::Sent);
}

/// A mailer whose email goes out while the journal's table is taken away: nothing
/// can record that it was sent.
struct JournalLosingMailer {
    journal_table: Table,
    inner: Arc<RecordingMailer>,
}

#[async_trait::async_trait]
impl notifications::mailer::Mailer for JournalLosingMailer {
    async fn send(
        &self,
        to: &str,
        email: &notifications::templates::Email,
    ) -> Result<String, notifications::error::NotificationError> {
        let sent = self.inner.send(to, email).await;
        self.journal_table.client().delete_table().table_name(self.journal_table.name()).send().await.unwrap();
        sent
    }
}

#[tokio::test]
async fn a_sent_email_the_journal_cannot_record_fails_in_time_and_says_so() {
    let stack = stack().await;
    let table = Table::new(stack.dynamodb(), create_table(&stack, false).await.unwrap());
    let recorded = Arc::new(RecordingMailer::default());
    let notifier = Notifier {
        journal: Journal::new(table.clone()),
        mailer: Arc::new(JournalLosingMailer { journal_table: table, inner: recorded.clone() }),
    };
    let worker = consumer(
        notifier,
        ConsumerParts::in_memory(
            Arc::new(RecordingPublisher::default()),
            platform_identity::TestIssuer::new().verifier(),
        ),
    );
    let (_, record) = booked("bkg_lost_journal", "lost-journal@example.com");

    let budget = Duration::from_millis(4_500);
    let started = std::time::Instant::now();
    let outcome = platform::deadline::until(std::time::SystemTime::now() + budget, worker.handle_record(&record)).await;
    assert!(started.elapsed() < budget, "the journaling outlasted the invocation: {:?}", started.elapsed());
    assert_eq!(recorded.sent().len(), 1, "the email went out");
    assert!(
        matches!(&outcome, RecordOutcome::Failed(r) if r.contains("could not record an email that went out")),
        "{outcome:?}"
    );
}

/// A mailer whose provider refuses the first `refusals` emails (throttled), then takes them.
struct ThrottlingMailer {
    refusals: std::sync::atomic::AtomicUsize,
    calls: std::sync::atomic::AtomicUsize,
    inner: Arc<RecordingMailer>,
}

#[async_trait::async_trait]
impl notifications::mailer::Mailer for ThrottlingMailer {
    async fn send(
        &self,
        to: &str,
        email: &notifications::templates::Email,
    ) -> Result<String, notifications::error::NotificationError> {
        use std::sync::atomic::Ordering;
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.refusals.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
            return Err(notifications::error::NotificationError::MailNotTaken("429 TooManyRequestsException".into()));
        }
        self.inner.send(to, email).await
    }
}

#[tokio::test]
async fn an_email_ses_did_not_take_is_sent_again_within_the_delivery_while_time_allows() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let stack = stack().await;
    let journal = Journal::new(Table::new(stack.dynamodb(), create_table(&stack, false).await.unwrap()));
    let recorded = Arc::new(RecordingMailer::default());
    let throttling = Arc::new(ThrottlingMailer {
        refusals: AtomicUsize::new(2),
        calls: AtomicUsize::new(0),
        inner: recorded.clone(),
    });
    let notifier = Notifier { journal: journal.clone(), mailer: throttling.clone() };
    let parts = || {
        ConsumerParts::in_memory(
            Arc::new(RecordingPublisher::default()),
            platform_identity::TestIssuer::new().verifier(),
        )
    };
    let worker = consumer(notifier.clone(), parts());
    let (message, record) = booked("bkg_throttled", "throttled@example.com");

    let invocation = std::time::SystemTime::now() + Duration::from_secs(5);
    let outcome = platform::deadline::until(invocation, worker.handle_record(&record)).await;
    assert_eq!(outcome, RecordOutcome::Handled);
    assert_eq!(throttling.calls.load(Ordering::SeqCst), 3, "two refusals, then taken");
    assert_eq!(recorded.sent().len(), 1, "one email");
    let journaled = journal.get(&message.envelope.id.to_string()).await.unwrap().unwrap();
    assert_eq!((journaled.status, journaled.message_id.as_deref()), (NotificationStatus::Sent, Some("recorded-1")));

    // Refused for as long as the invocation lasts: the delivery fails with the refusal,
    // having started no attempt without the time to journal it.
    throttling.refusals.store(usize::MAX, Ordering::SeqCst);
    throttling.calls.store(0, Ordering::SeqCst);
    let (_, record) = booked("bkg_throttled_long", "throttled-long@example.com");
    let started = std::time::Instant::now();
    let invocation = std::time::SystemTime::now() + Duration::from_secs(5);
    let refused = consumer(notifier, parts());
    let outcome = platform::deadline::until(invocation, refused.handle_record(&record)).await;
    assert!(matches!(&outcome, RecordOutcome::Failed(r) if r.contains("did not take")), "{outcome:?}");
    assert!(started.elapsed() < Duration::from_millis(3_500), "gave up with the journal's time left");
    assert!(throttling.calls.load(Ordering::SeqCst) >= 2, "tried again while there was time");
    assert_eq!(recorded.sent().len(), 1, "nothing more went out");
}
