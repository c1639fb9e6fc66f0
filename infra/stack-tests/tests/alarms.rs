//! The deployed alarms: every service's DLQ and queue is watched, and an alarm that
//! goes off reaches the stack's alarm topic (where operators subscribe).
use std::time::{Duration, Instant};

use aws_sdk_cloudwatch::types::{MetricAlarm, StateValue};
use aws_sdk_sqs::types::QueueAttributeName;
use platform_testkit::Stack;
use stack_tests::stack;

const SERVICES: [&str; 4] = ["Addressing", "Movers", "Moves", "Notifications"];

async fn all_alarms(stack: &Stack) -> Vec<MetricAlarm> {
    let cloudwatch = aws_sdk_cloudwatch::Client::new(&stack.aws);
    let mut alarms = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = cloudwatch.describe_alarms().set_next_token(next.take()).send().await.unwrap();
        alarms.extend(page.metric_alarms().iter().cloned());
        match page.next_token() {
            Some(token) if !token.is_empty() => next = Some(token.to_owned()),
            _ => return alarms,
        }
    }
}

fn queue_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

/// The alarm on `metric` of the queue at `url`, notifying `topic`.
fn alarm_on<'a>(alarms: &'a [MetricAlarm], metric: &str, url: &str, topic: &str) -> Option<&'a MetricAlarm> {
    alarms.iter().find(|a| {
        a.metric_name() == Some(metric)
            && a.dimensions().iter().any(|d| d.name() == Some("QueueName") && d.value() == Some(queue_name(url)))
            && a.alarm_actions().iter().any(|action| action == topic)
    })
}

#[tokio::test]
async fn every_dlq_and_queue_alarms_to_the_alarm_topic_and_an_alarm_reaches_it() {
    let stack = stack().await;
    let topic = stack.output("AlarmTopicArn").unwrap().to_owned();
    let alarms = all_alarms(&stack).await;
    for service in SERVICES {
        let dlq = stack.output(&format!("{service}DlqUrl")).unwrap();
        let queue = stack.output(&format!("{service}QueueUrl")).unwrap();
        assert!(
            alarm_on(&alarms, "ApproximateNumberOfMessagesVisible", dlq, &topic).is_some(),
            "{service}'s DLQ alarms nobody"
        );
        assert!(
            alarm_on(&alarms, "ApproximateAgeOfOldestMessage", queue, &topic).is_some(),
            "{service}'s queue age alarms nobody"
        );
    }
    let for_lambda = alarms.iter().filter(|a| a.namespace() == Some("AWS/Lambda")).count();
    let for_sagas = alarms.iter().filter(|a| a.namespace() == Some("AWS/States")).count();
    assert!(for_lambda >= 16 && for_sagas >= 3, "function and saga alarms: {for_lambda}, {for_sagas}");

    // An operator's subscription (a queue here, an email in AWS) hears a DLQ alarm go off.
    let sqs = stack.sqs();
    let name = format!("alarm-listener-{}", uuid::Uuid::new_v4().simple());
    let url = sqs.create_queue().queue_name(&name).send().await.unwrap().queue_url.unwrap();
    let attributes =
        sqs.get_queue_attributes().queue_url(&url).attribute_names(QueueAttributeName::QueueArn).send().await.unwrap();
    let arn = attributes.attributes().unwrap()[&QueueAttributeName::QueueArn].clone();
    stack.sns().subscribe().topic_arn(&topic).protocol("sqs").endpoint(arn).send().await.unwrap();
    let dlq_alarm =
        alarm_on(&alarms, "ApproximateNumberOfMessagesVisible", stack.output("MoversDlqUrl").unwrap(), &topic)
            .and_then(|a| a.alarm_name())
            .unwrap()
            .to_owned();
    // From OK to ALARM, so that the test is a state change on a stack it ran on before.
    let cloudwatch = aws_sdk_cloudwatch::Client::new(&stack.aws);
    for (state, reason) in [(StateValue::Ok, "reset, as a test"), (StateValue::Alarm, "a dead letter, as a test")] {
        cloudwatch
            .set_alarm_state()
            .alarm_name(&dlq_alarm)
            .state_value(state)
            .state_reason(reason)
            .send()
            .await
            .unwrap();
    }

    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = sqs.receive_message().queue_url(&url).wait_time_seconds(1).send().await.unwrap();
        let alarmed = |body: &str| body.contains(&dlq_alarm) && body.contains("a dead letter, as a test");
        if out.messages().iter().any(|m| alarmed(m.body().unwrap_or_default())) {
            break;
        }
        assert!(Instant::now() < deadline, "the alarm {dlq_alarm} never reached the alarm topic");
    }
    sqs.delete_queue().queue_url(&url).send().await.unwrap();
}
