//! The deployed dashboard: its body is JSON with every reference resolved, and it
//! shows every service's records, queue and DLQ, the functions, the API and the saga
//! by the names they have in this stack.
use serde_json::Value;
use stack_tests::stack;

const SERVICES: [&str; 4] = ["Addressing", "Movers", "Moves", "Notifications"];

/// Every `[namespace, metric, dimension, value, ...]` line of the dashboard's widgets.
fn metric_lines(body: &Value) -> Vec<Vec<String>> {
    let widgets = body["widgets"].as_array().expect("widgets");
    widgets
        .iter()
        .flat_map(|w| w["properties"]["metrics"].as_array().cloned().unwrap_or_default())
        .map(|line| line.as_array().unwrap().iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .collect()
}

fn shows(lines: &[Vec<String>], namespace: &str, metric: &str, dimension: &str, value: &str) -> bool {
    lines.iter().any(|l| l.len() >= 4 && l[0] == namespace && l[1] == metric && l[2] == dimension && l[3] == value)
}

#[tokio::test]
async fn the_dashboard_shows_every_service_function_api_and_saga_by_its_deployed_name() {
    let stack = stack().await;
    let name = stack.output("DashboardName").unwrap();
    let cloudwatch = aws_sdk_cloudwatch::Client::new(&stack.aws);
    let dashboard = cloudwatch.get_dashboard().dashboard_name(name).send().await.unwrap();
    let text = dashboard.dashboard_body().expect("a body");
    assert!(!text.contains("${"), "an unresolved reference: {text}");
    let body: Value = serde_json::from_str(text).expect("the body is JSON");
    let lines = metric_lines(&body);

    let queue_name = |output: String| stack.output(&output).unwrap().rsplit('/').next().unwrap().to_owned();
    for service in SERVICES {
        let queue = queue_name(format!("{service}QueueUrl"));
        let dlq = queue_name(format!("{service}DlqUrl"));
        assert!(shows(&lines, "AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", &queue), "{service} queue");
        assert!(shows(&lines, "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", &dlq), "{service} DLQ");
        let dimension = service.to_lowercase();
        assert!(shows(&lines, "Updater/Platform", "RecordsFailed", "service", &dimension), "{service} records");
    }
    let worker = stack.output("AddressingWorkerName").unwrap();
    assert!(shows(&lines, "AWS/Lambda", "Duration", "FunctionName", worker), "the addressing worker's duration");
    assert!(shows(&lines, "AWS/Lambda", "Throttles", "FunctionName", worker), "the addressing worker's throttles");
    let saga = stack.output("BookMoveStateMachineArn").unwrap();
    assert!(shows(&lines, "AWS/States", "ExecutionsFailed", "StateMachineArn", saga), "the saga's executions");
    assert!(lines.iter().any(|l| l[0] == "AWS/ApiGateway" && l[1] == "5XXError"), "the API's 5xx");
}
