//! The stack's CloudWatch dashboard, generated from template.yaml's resources so
//! that a new service appears on it without a hand edit: a row per service (the
//! records its workers handled, failed and took as duplicates, from the platform's
//! EMF metrics; its queue's depth and oldest message, its DLQ; its functions'
//! duration p50/p99, errors and throttles), then the API's requests, 4xx, 5xx and
//! latency, the sagas' executions, and the canary. A service is a table or a queue
//! named `<Service>Table` / `<Service>Queue`; a function belongs to the service
//! whose name begins its logical id (the others share a `Platform` row). `cargo xtask dashboard` rewrites the marked
//! block; `check` and `test` fail when it is stale.
use anyhow::{Context, Result};
use serde_json::{Value as Json, json};
use serde_yaml::Value;

use crate::template::resources;
use crate::template_blocks::Block;

/// The dashboard block of template.yaml.
pub const BLOCK: Block = Block { name: "dashboard", what: "dashboard widgets", render };

/// The platform's EMF namespace (`platform::metrics::NAMESPACE`).
const PLATFORM_NAMESPACE: &str = "Updater/Platform";
/// Widgets per row, each a quarter of the dashboard's 24 columns.
const WIDGET_WIDTH: u32 = 6;
const WIDGET_HEIGHT: u32 = 6;

/// One service's resources, by logical id.
#[derive(Debug, Default, PartialEq)]
struct Service {
    name: String,
    queue: Option<String>,
    dlq: Option<String>,
    functions: Vec<String>,
}

/// The services of `template`, in the template's order, with their resources.
fn services(template: &Value) -> Vec<Service> {
    let resources = resources(template);
    let mut out: Vec<Service> = Vec::new();
    for (id, resource) in &resources {
        let name = match resource["Type"].as_str().unwrap_or_default() {
            "AWS::DynamoDB::Table" => id.strip_suffix("Table"),
            "AWS::SQS::Queue" => id.strip_suffix("Queue"),
            _ => None,
        };
        if let Some(name) = name.filter(|n| !n.is_empty() && !out.iter().any(|s| s.name == *n)) {
            out.push(Service { name: name.to_owned(), ..Service::default() });
        }
    }
    // Functions of no service (the deploy hooks) get a row of their own.
    let mut unowned = Service { name: "Platform".into(), ..Service::default() };
    for (id, resource) in &resources {
        let owner = out.iter_mut().filter(|s| id.starts_with(&s.name)).max_by_key(|s| s.name.len());
        let service = owner.unwrap_or(&mut unowned);
        match resource["Type"].as_str().unwrap_or_default() {
            "AWS::SQS::Queue" if *id == format!("{}Dlq", service.name) => service.dlq = Some(id.clone()),
            "AWS::SQS::Queue" if *id == format!("{}Queue", service.name) => service.queue = Some(id.clone()),
            "AWS::Serverless::Function" => service.functions.push(id.clone()),
            _ => {}
        }
    }
    if !unowned.functions.is_empty() {
        out.push(unowned);
    }
    out
}

fn of_type(template: &Value, kind: &str) -> Vec<String> {
    resources(template).into_iter().filter(|(_, r)| r["Type"] == kind).map(|(id, _)| id).collect()
}

/// The `ApiName` dimension of `api`'s metrics: its `Name`, a string or a `Fn::Sub` of one.
fn api_name(template: &Value, api: &str) -> Result<String> {
    let name = &template["Resources"][api]["Properties"]["Name"];
    name.as_str()
        .or_else(|| name["Fn::Sub"].as_str())
        .map(str::to_owned)
        .with_context(|| format!("give {api} a `Name` (a string or a Fn::Sub): its metrics are found by it"))
}

/// A metric line of a widget: namespace, metric, dimension, value, options.
fn metric(namespace: &str, name: &str, dimension: Option<(&str, String)>, options: Json) -> Json {
    let mut line = vec![json!(namespace), json!(name)];
    if let Some((key, value)) = dimension {
        line.extend([json!(key), json!(value)]);
    }
    line.push(options);
    Json::Array(line)
}

fn widget(title: String, stat: &str, metrics: Vec<Json>) -> Json {
    json!({
        "type": "metric",
        "width": WIDGET_WIDTH,
        "height": WIDGET_HEIGHT,
        "properties": {
            "title": title,
            "region": "${AWS::Region}",
            "view": "timeSeries",
            "stat": stat,
            "period": 60,
            "metrics": metrics,
        }
    })
}

fn label(text: impl Into<String>) -> Json {
    json!({ "label": text.into() })
}

fn labelled_stat(text: impl Into<String>, stat: &str) -> Json {
    json!({ "label": text.into(), "stat": stat })
}

/// The widgets of one service's row (those it has resources for).
fn service_widgets(service: &Service) -> Vec<Json> {
    let dimension = || Some(("service", service.name.to_lowercase()));
    let mut row = Vec::new();
    if service.queue.is_some() {
        row.push(widget(
            format!("{}: records", service.name),
            "Sum",
            ["RecordsHandled", "RecordsFailed", "RecordsDuplicated"]
                .into_iter()
                .map(|m| metric(PLATFORM_NAMESPACE, m, dimension(), label(m)))
                .chain(["p50", "p99"].map(|p| {
                    let mut options = labelled_stat(format!("handler {p} (ms)"), p);
                    options["yAxis"] = json!("right");
                    metric(PLATFORM_NAMESPACE, "HandlerLatency", dimension(), options)
                }))
                .collect(),
        ));
    }
    let queues = [(&service.queue, "queue"), (&service.dlq, "DLQ")];
    let mut queue_metrics = Vec::new();
    for (queue, what) in queues {
        let Some(id) = queue else { continue };
        let name = format!("${{{id}.QueueName}}");
        queue_metrics.push(metric(
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            Some(("QueueName", name.clone())),
            labelled_stat(format!("{what} depth"), "Maximum"),
        ));
        if what == "queue" {
            let mut options = labelled_stat("oldest message (s)", "Maximum");
            options["yAxis"] = json!("right");
            queue_metrics.push(metric("AWS/SQS", "ApproximateAgeOfOldestMessage", Some(("QueueName", name)), options));
        }
    }
    if !queue_metrics.is_empty() {
        row.push(widget(format!("{}: queue and DLQ", service.name), "Maximum", queue_metrics));
    }
    if !service.functions.is_empty() {
        let function = |id: &String| Some(("FunctionName", format!("${{{id}}}")));
        row.push(widget(
            format!("{}: duration (ms)", service.name),
            "p99",
            service
                .functions
                .iter()
                .flat_map(|id| {
                    ["p50", "p99"]
                        .map(|p| metric("AWS/Lambda", "Duration", function(id), labelled_stat(format!("{id} {p}"), p)))
                })
                .collect(),
        ));
        row.push(widget(
            format!("{}: errors and throttles", service.name),
            "Sum",
            service
                .functions
                .iter()
                .flat_map(|id| {
                    ["Errors", "Throttles"]
                        .map(|m| metric("AWS/Lambda", m, function(id), label(format!("{id} {}", m.to_lowercase()))))
                })
                .collect(),
        ));
    }
    row
}

/// The API's and the sagas' widgets, and the canary's.
fn platform_widgets(template: &Value) -> Result<Vec<Json>> {
    let mut row = Vec::new();
    for api in of_type(template, "AWS::Serverless::Api") {
        let name = api_name(template, &api)?;
        let dimension = || Some(("ApiName", name.clone()));
        row.push(widget(
            format!("{api}: requests and errors"),
            "Sum",
            ["Count", "4XXError", "5XXError"].map(|m| metric("AWS/ApiGateway", m, dimension(), label(m))).to_vec(),
        ));
        row.push(widget(
            format!("{api}: latency (ms)"),
            "p99",
            ["p50", "p99"]
                .map(|p| metric("AWS/ApiGateway", "Latency", dimension(), labelled_stat(format!("latency {p}"), p)))
                .to_vec(),
        ));
    }
    for machine in of_type(template, "AWS::Serverless::StateMachine") {
        row.push(widget(
            format!("{machine}: executions"),
            "Sum",
            ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"]
                .map(|m| metric("AWS/States", m, Some(("StateMachineArn", format!("${{{machine}}}"))), label(m)))
                .to_vec(),
        ));
    }
    row.push(widget(
        "Canary: services answered, missing".into(),
        "Maximum",
        vec![
            metric(PLATFORM_NAMESPACE, "CanaryServicesAnswered", None, label("answered")),
            metric(PLATFORM_NAMESPACE, "CanaryServicesMissing", None, label("missing")),
            metric(PLATFORM_NAMESPACE, "CanaryLatency", None, {
                let mut options = labelled_stat("round trip (ms)", "Maximum");
                options["yAxis"] = json!("right");
                options
            }),
        ],
    ));
    Ok(row)
}

/// The dashboard's body: its widgets laid out in rows of four.
fn body(template: &Value) -> Result<Json> {
    let mut rows: Vec<Vec<Json>> = services(template).iter().map(service_widgets).filter(|r| !r.is_empty()).collect();
    rows.extend(platform_widgets(template)?.chunks(4).map(<[Json]>::to_vec));
    let mut widgets = Vec::new();
    for (y, row) in rows.into_iter().enumerate() {
        for (x, mut widget) in row.into_iter().enumerate() {
            widget["x"] = json!(x as u32 * WIDGET_WIDTH);
            widget["y"] = json!(y as u32 * WIDGET_HEIGHT);
            widgets.push(widget);
        }
    }
    Ok(json!({ "widgets": widgets }))
}

/// The block: the dashboard resource, its body's widgets one per line.
fn render(template: &Value) -> Result<String> {
    let body = body(template)?;
    let widgets = body["widgets"].as_array().map(Vec::as_slice).unwrap_or_default();
    let lines: Vec<String> = widgets.iter().map(serde_json::to_string).collect::<Result<_, _>>()?;
    let mut block = String::from(
        "  Dashboard:\n    Type: AWS::CloudWatch::Dashboard\n    Properties:\n      DashboardName:\n        \
         Fn::Sub: ${AWS::StackName}\n      DashboardBody:\n        Fn::Sub: |\n          {\"widgets\": [\n",
    );
    block.push_str(&lines.iter().map(|l| format!("            {l}")).collect::<Vec<_>>().join(",\n"));
    block.push_str("\n          ]}\n\n");
    Ok(block)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> Value {
        crate::template::template().unwrap()
    }

    /// The generated body, its `${...}` references and its text with each replaced.
    fn references(body: &str) -> (Vec<String>, String) {
        let mut found = Vec::new();
        let mut text = String::new();
        let mut rest = body;
        while let Some(start) = rest.find("${") {
            let end = start + rest[start..].find('}').unwrap();
            found.push(rest[start + 2..end].to_owned());
            text.push_str(&rest[..start]);
            text.push_str("resolved");
            rest = &rest[end + 1..];
        }
        text.push_str(rest);
        (found, text)
    }

    #[test]
    fn every_service_queue_dlq_function_api_and_saga_is_on_the_dashboard() {
        let template = template();
        let body = serde_json::to_string(&body(&template).unwrap()).unwrap();
        let (referenced, resolved) = references(&body);
        let parsed: Json = serde_json::from_str(&resolved).expect("the body is JSON once substituted");
        for reference in &referenced {
            let id = reference.split('.').next().unwrap();
            assert!(
                id.starts_with("AWS::") || !template["Resources"][id].is_null(),
                "`${{{reference}}}` names no resource of the template"
            );
        }
        for (id, resource) in resources(&template) {
            let shown = match resource["Type"].as_str().unwrap_or_default() {
                "AWS::SQS::Queue" => format!("{id}.QueueName"),
                "AWS::Serverless::Function" | "AWS::Serverless::StateMachine" => id.clone(),
                "AWS::Serverless::Api" => {
                    let name = api_name(&template, &id).unwrap();
                    assert!(
                        body.contains(&format!(r#""ApiName","{name}""#)),
                        "{id}'s metrics are not on the dashboard"
                    );
                    continue;
                }
                _ => continue,
            };
            assert!(referenced.contains(&shown), "{id} is not on the dashboard");
        }
        let widgets = parsed["widgets"].as_array().unwrap();
        for service in ["addressing", "movers", "moves", "notifications", "auth"] {
            assert!(
                widgets.iter().any(|w| w["properties"]["metrics"][0][3] == service
                    && w["properties"]["metrics"][0][1] == "RecordsHandled"),
                "{service}'s EMF records are not on the dashboard"
            );
        }
        assert!(widgets.iter().all(|w| w["x"].as_u64().unwrap() + w["width"].as_u64().unwrap() <= 24));
    }

    #[test]
    fn a_function_belongs_to_the_service_whose_name_begins_it_and_the_longest_wins() {
        let template: Value = serde_yaml::from_str(
            "Resources:\n  MovesTable: {Type: AWS::DynamoDB::Table}\n  MoversTable: {Type: AWS::DynamoDB::Table}\n  \
             MoversQueue: {Type: AWS::SQS::Queue}\n  MoversDlq: {Type: AWS::SQS::Queue}\n  \
             MoversWorker: {Type: AWS::Serverless::Function}\n  MovesSteps: {Type: AWS::Serverless::Function}\n",
        )
        .unwrap();
        let services = services(&template);
        assert_eq!(services.len(), 2);
        assert_eq!(
            (services[0].name.as_str(), services[0].functions.as_slice()),
            ("Moves", ["MovesSteps".into()].as_slice())
        );
        let movers = &services[1];
        assert_eq!(movers.functions, ["MoversWorker"]);
        assert_eq!((movers.queue.as_deref(), movers.dlq.as_deref()), (Some("MoversQueue"), Some("MoversDlq")));
    }

    #[test]
    fn a_new_function_makes_the_block_stale() {
        let mut template = template();
        let text = std::fs::read_to_string(crate::paths::root().join("template.yaml")).unwrap();
        assert_eq!(BLOCK.replace(&text, &render(&template).unwrap()).unwrap(), text, "run `cargo xtask dashboard`");
        template["Resources"]["MoversExtra"] = serde_yaml::from_str("Type: AWS::Serverless::Function").unwrap();
        let block = render(&template).unwrap();
        assert!(block.contains("${MoversExtra}"), "{block}");
        assert_ne!(BLOCK.replace(&text, &block).unwrap(), text);
    }
}
