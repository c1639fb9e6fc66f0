//! The Step Functions semantics the booking saga's waits rely on, proven on the
//! emulator the tests run (with the project's corrections, `emulator_patches`):
//! every branch of a `Parallel` and every retried attempt of a
//! `.waitForTaskToken` Task is asked with a token of its own, and the token of an
//! attempt that timed out is gone (answering it is refused, not delivered).
//! Without that, two address verifications of one booking can share a token and
//! one of them is never answered: the booking is compensated although nothing failed.
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use stack_tests::stack;

/// Executions started together, so their branches race as a busy saga's do.
const EXECUTIONS: usize = 8;
const BRANCHES: [&str; 2] = ["from", "to"];

/// A Parallel of two waits that ask through a queue; each wait times out once
/// (nobody answers the first ask) and is retried once.
fn definition(queue_url: &str) -> String {
    let branch = |name: &str| {
        json!({
            "StartAt": "Ask",
            "States": {"Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": queue_url,
                    "MessageBody": {
                        "branch": name,
                        "execution.$": "$$.Execution.Name",
                        "attempt.$": "$$.State.RetryCount",
                        "token.$": "$$.Task.Token"
                    }
                },
                "TimeoutSeconds": 3,
                "Retry": [{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                "End": true
            }}
        })
    };
    json!({
        "StartAt": "Verify",
        "States": {"Verify": {"Type": "Parallel", "Branches": BRANCHES.map(branch), "End": true}}
    })
    .to_string()
}

/// One ask as it arrived: (execution, branch, attempt) → token.
type Asks = BTreeMap<(String, String, u64), String>;

async fn receive_asks(sqs: &aws_sdk_sqs::Client, queue_url: &str, asks: &mut Asks, wanted: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while asks.len() < wanted {
        assert!(Instant::now() < deadline, "only {} of {wanted} asks arrived: {asks:#?}", asks.len());
        let received = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        for message in received.messages() {
            let body: Value = serde_json::from_str(message.body().unwrap()).unwrap();
            let key = (
                body["execution"].as_str().unwrap().to_owned(),
                body["branch"].as_str().unwrap().to_owned(),
                body["attempt"].as_u64().unwrap(),
            );
            let token = body["token"].as_str().unwrap().to_owned();
            assert!(asks.insert(key.clone(), token).is_none(), "asked twice for {key:?}");
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle(message.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn every_branch_and_every_attempt_waits_on_a_token_of_its_own() {
    let stack = stack().await;
    let (sqs, sfn) = (stack.sqs(), stack.sfn());
    let run = uuid::Uuid::new_v4().simple().to_string();
    let queue_url = sqs
        .create_queue()
        .queue_name(format!("task-tokens-{run}"))
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned();
    let machine = sfn
        .create_state_machine()
        .name(format!("task-tokens-{run}"))
        .role_arn("arn:aws:iam::000000000000:role/task-tokens-test")
        .definition(definition(&queue_url))
        .send()
        .await
        .unwrap()
        .state_machine_arn()
        .to_owned();
    let starts =
        (0..EXECUTIONS).map(|i| sfn.start_execution().state_machine_arn(&machine).name(format!("e{i}")).send());
    let executions: Vec<String> =
        futures::future::try_join_all(starts).await.unwrap().iter().map(|s| s.execution_arn().to_owned()).collect();

    // The first asks go unanswered, so every wait times out and asks again.
    let mut asks = Asks::new();
    receive_asks(&sqs, &queue_url, &mut asks, EXECUTIONS * BRANCHES.len() * 2).await;
    let distinct: BTreeSet<&String> = asks.values().collect();
    assert_eq!(distinct.len(), asks.len(), "asks that share a token: {asks:#?}");

    for ((execution, branch, attempt), token) in &asks {
        let answer =
            sfn.send_task_success().task_token(token).output(json!({"branch": branch}).to_string()).send().await;
        if *attempt == 0 {
            assert!(answer.is_err(), "{execution}/{branch}: the timed-out attempt's token was still accepted");
        } else if let Err(e) = answer {
            panic!("{execution}/{branch}: the retry's token was refused: {e:?}");
        }
    }
    for execution in &executions {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let described = sfn.describe_execution().execution_arn(execution).send().await.unwrap();
            let status = described.status().as_str().to_owned();
            if status != "RUNNING" {
                let output: Value = serde_json::from_str(described.output().unwrap_or("null")).unwrap();
                assert_eq!((status.as_str(), output), ("SUCCEEDED", json!([{"branch": "from"}, {"branch": "to"}])));
                break;
            }
            assert!(Instant::now() < deadline, "{execution} still running");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    sfn.delete_state_machine().state_machine_arn(&machine).send().await.unwrap();
    sqs.delete_queue().queue_url(&queue_url).send().await.unwrap();
}
