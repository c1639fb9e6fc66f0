//! A saga step whose Lambda environment fails instead of answering: its init cut
//! short (in a chaos run, a passing fault made the steps function's schema check give
//! up, and the saga compensated around a good booking). The saga must try the step
//! again, not cancel. Provoked for real: the steps function's `live` alias is moved
//! to a version whose init refuses to start, a booking is made, and once its
//! execution has seen the step fail, the alias goes back; the booking must then book.
//! Its own test binary, so that no other saga test runs while the alias is moved.
use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_lambda::types::Environment;
use aws_sdk_sfn::types::HistoryEventType;
use reqwest::{Method, StatusCode};
use stack_tests::moves::*;
use stack_tests::{Api, stack};

const ALIAS: &str = "live";
const SETTLE: Duration = Duration::from_secs(60);

/// The environment `function`'s `serving` version runs with.
async fn environment_of(lambda: &aws_sdk_lambda::Client, function: &str, serving: &str) -> HashMap<String, String> {
    let config = lambda.get_function_configuration().function_name(function).qualifier(serving).send().await.unwrap();
    config.environment().and_then(|e| e.variables().cloned()).unwrap_or_default()
}

async fn set_latest_environment(lambda: &aws_sdk_lambda::Client, function: &str, variables: HashMap<String, String>) {
    let environment = Environment::builder().set_variables(Some(variables)).build();
    lambda.update_function_configuration().function_name(function).environment(environment).send().await.unwrap();
}

/// A version of `function` whose init fails: its environment with an unparsable
/// fault plan (init refuses it and exits), published. Its version number.
async fn version_that_cannot_start(
    lambda: &aws_sdk_lambda::Client,
    function: &str,
    mut environment: HashMap<String, String>,
) -> String {
    environment.insert(platform::faults::FAULTS_ENV.to_owned(), "not-a-plan".to_owned());
    set_latest_environment(lambda, function, environment).await;
    let published = lambda.publish_version().function_name(function).send().await.unwrap();
    published.version().unwrap().to_owned()
}

async fn point_alias(lambda: &aws_sdk_lambda::Client, function: &str, version: &str) {
    lambda.update_alias().function_name(function).name(ALIAS).function_version(version).send().await.unwrap();
}

/// The errors the booking's execution has seen its Lambda steps fail with so far.
async fn step_failures(stack: &platform_testkit::Stack, booking_id: &str) -> Vec<String> {
    let machine = stack.output("BookMoveStateMachineArn").unwrap();
    let arn = format!("{}:{booking_id}", machine.replace(":stateMachine:", ":execution:"));
    let Ok(history) = stack.sfn().get_execution_history().execution_arn(&arn).max_results(1000).send().await else {
        return vec![];
    };
    history
        .events()
        .iter()
        .filter_map(|e| match e.r#type() {
            HistoryEventType::LambdaFunctionFailed => {
                e.lambda_function_failed_event_details()?.error().map(str::to_owned)
            }
            HistoryEventType::TaskFailed => e.task_failed_event_details()?.error().map(str::to_owned),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_step_whose_init_fails_is_tried_again_and_the_booking_still_books() {
    let stack = stack().await;
    let lambda = aws_sdk_lambda::Client::new(&stack.aws);
    let function = stack.output("MovesStepsName").unwrap().to_owned();
    let alias = lambda.get_alias().function_name(&function).name(ALIAS).send().await.unwrap();
    let serving = alias.function_version().unwrap().to_owned();
    let environment = environment_of(&lambda, &function, &serving).await;
    let broken = version_that_cannot_start(&lambda, &function, environment.clone()).await;
    point_alias(&lambda, &function, &broken).await;

    // The alias and `$LATEST` go back however the booking ends, pass or fail.
    let booked = tokio::spawn(book_through_a_failing_step(serving.clone()));
    let outcome = booked.await;
    point_alias(&lambda, &function, &serving).await;
    set_latest_environment(&lambda, &function, environment).await;
    match outcome {
        Ok(failures) => eprintln!("the step failed with {failures:?}, was tried again, and the move booked"),
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// Books a move while the steps' alias serves a version that cannot start; once the
/// execution has seen the step fail, points the alias back at `serving`. The errors
/// the step failed with.
async fn book_through_a_failing_step(serving: String) -> Vec<String> {
    let stack = stack().await;
    let lambda = aws_sdk_lambda::Client::new(&stack.aws);
    let function = stack.output("MovesStepsName").unwrap();
    let api = Api::new(&stack);
    let token = api.fresh_user("Restarted").await;
    let mover = create_mover(&api, &token, false).await;
    let date = unique_date();
    let key = uuid::Uuid::new_v4().to_string();
    let (status, body) = book(&api, &token, &key, &request(&mover, &date, 1, "tok_visa")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = body["booking_id"].as_str().unwrap().to_owned();

    let deadline = Instant::now() + SETTLE;
    let failures = loop {
        let failures = step_failures(&stack, &id).await;
        if !failures.is_empty() {
            break failures;
        }
        assert!(Instant::now() < deadline, "the step never failed: is the broken version serving?");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    point_alias(&lambda, function, &serving).await;
    // A failed environment, as Lambda (or the emulator) names it, not a step's answer.
    let environment = ["Lambda.Unknown", "Runtime.ExitError", "Runtime.Unknown"];
    assert!(failures.iter().all(|e| environment.contains(&e.as_str())), "the step failed otherwise: {failures:?}");

    let waiting = wait_status(&api, &token, &id, &["awaiting_confirmation", "cancelled"], SETTLE).await;
    assert_eq!(waiting["status"], "awaiting_confirmation", "compensated around a step that failed to start: {waiting}");
    let (status, _, body) = api.send(Method::POST, &format!("/moves/{id}/confirm"), &token, None, &[]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let booked = wait_status(&api, &token, &id, &["booked", "cancelled"], SETTLE).await;
    assert_eq!(booked["status"], "booked", "{booked}");
    let (status, states) = execution_ended(&stack, &id, Duration::from_secs(10)).await;
    assert_eq!(status, "SUCCEEDED");
    assert_eq!(
        states,
        ["ReserveCrew", "VerifyAddresses", "ChargeDeposit", "AwaitConfirmation", "ConfirmBooking", "Booked"],
        "no compensation entered"
    );
    assert_eq!(charge_status(&stack, &id).await.as_deref(), Some("captured"));
    failures
}
