//! The deployed pre-traffic hook, invoked as an operator would (the emulator has no
//! CodeDeploy to invoke it): a worker version answers the canary record, a gateway
//! a request, the relay an empty stream batch, the saga's steps the probe and the
//! canary its round of every service; a version that cannot answer, or a function
//! the hook does not know, fails with the reason (in AWS: the deployment rolls back).
use aws_sdk_lambda::primitives::Blob;
use serde_json::{Value, json};
use stack_tests::stack;

/// Invokes the stack's hook to probe `function` at `version`; its verdict.
async fn probe(stack: &platform_testkit::Stack, function: &str, version: &str) -> Value {
    let lambda = aws_sdk_lambda::Client::new(&stack.aws);
    let payload = serde_json::to_vec(&json!({"function": function, "version": version})).unwrap();
    let out = lambda
        .invoke()
        .function_name(stack.output("PreTrafficHookName").unwrap())
        .payload(Blob::new(payload))
        .send()
        .await
        .unwrap();
    assert_eq!(out.function_error(), None, "the hook itself failed: {:?}", out.payload());
    serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap()
}

#[tokio::test]
async fn every_kind_of_function_passes_and_a_missing_version_or_a_stranger_fails_with_the_reason() {
    let stack = stack().await;
    for output in ["AddressingWorkerName", "MoversGatewayName", "MoversOutboxRelayName", "MovesStepsName", "CanaryName"]
    {
        let function = stack.output(output).unwrap();
        let verdict = probe(&stack, function, "live").await;
        assert_eq!(verdict["passed"], true, "{output}: {verdict}");
    }

    let worker = stack.output("AddressingWorkerName").unwrap();
    let verdict = probe(&stack, worker, "999").await;
    assert_eq!(verdict["passed"], false, "a version that does not exist: {verdict}");
    assert!(verdict["reason"].as_str().unwrap().contains("999"), "{verdict}");
    let verdict = probe(&stack, "some-other-function", "live").await;
    assert_eq!(verdict["passed"], false, "{verdict}");
    assert!(verdict["reason"].as_str().unwrap().contains("not a function of this stack's hook"), "{verdict}");
}
