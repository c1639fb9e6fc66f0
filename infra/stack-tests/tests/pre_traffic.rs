//! The deployed pre-traffic hooks, invoked as an operator would (the emulator has
//! no CodeDeploy to invoke them): a worker version answers the canary record, a
//! gateway version answers a request, and a version that cannot answer, or one of
//! the wrong kind, fails the probe with the reason (in AWS: the deployment rolls back).
use aws_sdk_lambda::primitives::Blob;
use serde_json::{Value, json};
use stack_tests::stack;

/// Invokes the hook `hook_output` names to probe `function` at `version`; its verdict.
async fn probe(stack: &platform_testkit::Stack, hook_output: &str, function: &str, version: &str) -> Value {
    let lambda = aws_sdk_lambda::Client::new(&stack.aws);
    let payload = serde_json::to_vec(&json!({"function": function, "version": version})).unwrap();
    let out = lambda
        .invoke()
        .function_name(stack.output(hook_output).unwrap())
        .payload(Blob::new(payload))
        .send()
        .await
        .unwrap();
    assert_eq!(out.function_error(), None, "the hook itself failed: {:?}", out.payload());
    serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap()
}

#[tokio::test]
async fn a_worker_and_a_gateway_version_pass_and_a_broken_or_wrong_one_fails_with_the_reason() {
    let stack = stack().await;
    let worker = stack.output("AddressingWorkerName").unwrap().to_owned();
    let gateway = stack.output("MoversGatewayName").unwrap().to_owned();

    let verdict = probe(&stack, "WorkerPreTrafficHookName", &worker, "live").await;
    assert_eq!(verdict["passed"], true, "{verdict}");
    let verdict = probe(&stack, "GatewayPreTrafficHookName", &gateway, "live").await;
    assert_eq!(verdict["passed"], true, "{verdict}");

    let verdict = probe(&stack, "WorkerPreTrafficHookName", &worker, "999").await;
    assert_eq!(verdict["passed"], false, "a version that does not exist: {verdict}");
    assert!(verdict["reason"].as_str().unwrap().contains("999"), "{verdict}");
    let verdict = probe(&stack, "WorkerPreTrafficHookName", &gateway, "live").await;
    assert_eq!(verdict["passed"], false, "a gateway is no worker: {verdict}");
    let verdict = probe(&stack, "GatewayPreTrafficHookName", &worker, "live").await;
    assert_eq!(verdict["passed"], false, "a worker is no gateway: {verdict}");
}
