//! `auth.user.authorize` through the deployed stack, black-box: a task published to
//! the tasks topic with the wire format's attributes, its answer awaited on the
//! events topic. A system gets a user's token (verifiable with the public JWKS and
//! honoured by the API); a user, an unknown user and a replayed task do not get more.
use std::time::Duration;

use platform::bus::Outgoing;
use platform_identity::Role;
use platform_messages::contracts::auth::{AuthorizeUser, AuthorizeUserData};
use platform_testkit::{Probe, Received, Stack};
use reqwest::StatusCode;
use serde_json::Value;
use stack_tests::identity::jwks_verifier;
use stack_tests::{ANSWER_TIMEOUT, Api, PASSWORD, answers_to, send, stack};

/// The user id of a seeded local account.
async fn user_id(api: &Api, email: &str) -> (String, String) {
    let token = api.login(email, PASSWORD).await;
    let me: Value = api.get("/auth/me", Some(&token)).await.json().await.unwrap();
    (me["sub"].as_str().unwrap().to_owned(), token)
}

/// Publishes `auth.user.authorize` (with `token` when given) and waits for its answer.
async fn ask(stack: &Stack, probe: &mut Probe, reference: &str, user_id: &str, token: Option<&str>) -> Received {
    let data = AuthorizeUserData { reference: reference.into(), user_id: user_id.into() };
    let mut task = Outgoing::new::<AuthorizeUser>(&data).unwrap();
    task.token = token.map(str::to_owned);
    let id = task.envelope.id;
    send(stack, task).await.unwrap();
    probe.wait_for(ANSWER_TIMEOUT, answers_to(id)).await.unwrap()
}

#[tokio::test]
async fn a_system_gets_a_users_token_that_the_jwks_verifies_and_the_api_honours() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let (mover, _) = user_id(&api, "mover@updater.local").await;
    let (_, system) = user_id(&api, "system@updater.local").await;

    for (reference, token) in [("crm-no-token", None), ("crm-system-token", Some(system.as_str()))] {
        let answer = ask(&stack, &mut probe, reference, &mover, token).await;
        assert_eq!(answer.envelope.name.as_str(), "user.authed", "{reference}: {:?}", answer.envelope.data);
        let data = &answer.envelope.data;
        assert_eq!((data["ref"].as_str(), data["user_id"].as_str()), (Some(reference), Some(mover.as_str())));
        assert_eq!(data["roles"], serde_json::json!(["user-mover"]));
        let issued = data["token"].as_str().unwrap();
        let caller = jwks_verifier(&api).await.unwrap().verify(issued).await.unwrap();
        assert_eq!((caller.sub.as_str(), caller.roles.as_slice()), (mover.as_str(), &[Role::UserMover][..]));
        assert_eq!(api.get("/movers", Some(issued)).await.status(), StatusCode::OK, "the API honours it");
    }
    probe.close().await.unwrap();
}

#[tokio::test]
async fn a_user_and_an_unknown_user_are_refused_as_answers() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let (_, client_token) = user_id(&api, "client@updater.local").await;
    let (mover, _) = user_id(&api, "mover@updater.local").await;

    let cases = [
        ("by-a-user", mover.as_str(), Some(client_token.as_str()), "only a system may ask"),
        ("nobody", "usr_00000000000000000000000000000000", None, "unknown user"),
    ];
    for (reference, asked_for, token, reason) in cases {
        let answer = ask(&stack, &mut probe, reference, asked_for, token).await;
        assert_eq!(answer.envelope.name.as_str(), "user.refused", "{reference}");
        let data = &answer.envelope.data;
        assert_eq!((data["ref"].as_str(), data["user_id"].as_str()), (Some(reference), Some(asked_for)));
        assert!(data["reason"].as_str().unwrap().contains(reason), "{reference}: {data}");
        assert!(data.get("token").is_none(), "{data}");
    }
    probe.close().await.unwrap();
}

#[tokio::test]
async fn a_task_delivered_twice_is_answered_once() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let (mover, _) = user_id(&api, "mover@updater.local").await;
    let task =
        Outgoing::new::<AuthorizeUser>(&AuthorizeUserData { reference: "twice".into(), user_id: mover }).unwrap();
    let id = task.envelope.id;
    send(&stack, task.clone()).await.unwrap();
    send(&stack, task).await.unwrap();
    probe.wait_for(ANSWER_TIMEOUT, answers_to(id)).await.unwrap();
    let answers = probe.collect_for(Duration::from_secs(6), answers_to(id)).await.unwrap();
    let ids: std::collections::BTreeSet<_> = answers.iter().map(|a| a.envelope.id).collect();
    assert_eq!(ids.len(), 1, "one answer id for one task: {answers:?}");
    probe.close().await.unwrap();
}
