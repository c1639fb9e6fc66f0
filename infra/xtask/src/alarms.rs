//! The alarms of template.yaml, generated from its resources so that none can be
//! forgotten: every DLQ alarms on a visible message, every service queue on the age
//! of its oldest message, every function on errors and throttles, every state
//! machine on failed, timed-out and aborted executions, all to the `AlarmTopic`.
//! `cargo xtask alarms` rewrites the marked block of template.yaml; `check` and
//! `test` fail when the block is stale (a resource added without running it).
use anyhow::Result;
use serde_yaml::Value;

use crate::template::resources;
use crate::template_blocks::Block;

/// The alarms block of template.yaml.
pub const BLOCK: Block = Block { name: "alarms", what: "alarms", render };

/// One alarm: what it watches and how.
struct Alarm {
    logical_id: String,
    description: String,
    namespace: &'static str,
    metric: &'static str,
    dimension: (&'static str, String),
    statistic: &'static str,
    threshold: String,
}

fn queue_name(id: &str) -> String {
    format!("Fn::GetAtt: [{id}, QueueName]")
}

fn reference(id: &str) -> String {
    format!("Ref: {id}")
}

/// The alarms every resource of `template` calls for, in the template's order.
fn alarms(template: &Value) -> Vec<Alarm> {
    let mut out = Vec::new();
    for (id, resource) in resources(template) {
        match resource["Type"].as_str().unwrap_or_default() {
            "AWS::SQS::Queue" if id.ends_with("Dlq") => out.push(Alarm {
                logical_id: format!("{id}MessagesAlarm"),
                description: format!("Messages are waiting in {id}; inspect and redrive them (cargo xtask dlq)."),
                namespace: "AWS/SQS",
                metric: "ApproximateNumberOfMessagesVisible",
                dimension: ("QueueName", queue_name(&id)),
                statistic: "Maximum",
                threshold: "0".into(),
            }),
            "AWS::SQS::Queue" => out.push(Alarm {
                logical_id: format!("{id}AgeAlarm"),
                description: format!("The oldest message in {id} waits longer than QueueAgeAlarmSeconds."),
                namespace: "AWS/SQS",
                metric: "ApproximateAgeOfOldestMessage",
                dimension: ("QueueName", queue_name(&id)),
                statistic: "Maximum",
                threshold: "Ref: QueueAgeAlarmSeconds".into(),
            }),
            "AWS::Serverless::Function" => {
                for (metric, what) in [("Errors", "fails"), ("Throttles", "is throttled")] {
                    out.push(Alarm {
                        logical_id: format!("{id}{metric}Alarm"),
                        description: format!("{id} {what}."),
                        namespace: "AWS/Lambda",
                        metric,
                        dimension: ("FunctionName", reference(&id)),
                        statistic: "Sum",
                        threshold: "0".into(),
                    });
                }
            }
            "AWS::Serverless::StateMachine" => {
                for (metric, what) in [
                    ("ExecutionsFailed", "failed"),
                    ("ExecutionsTimedOut", "timed out"),
                    ("ExecutionsAborted", "were aborted"),
                ] {
                    out.push(Alarm {
                        logical_id: format!("{id}{metric}Alarm"),
                        description: format!("Executions of {id} {what}."),
                        namespace: "AWS/States",
                        metric,
                        dimension: ("StateMachineArn", reference(&id)),
                        statistic: "Sum",
                        threshold: "0".into(),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// The generated block's text.
fn render(template: &Value) -> Result<String> {
    let mut block = String::new();
    for a in alarms(template) {
        let (dimension, value) = &a.dimension;
        let threshold_line = if a.threshold.starts_with("Ref:") {
            format!("      Threshold:\n        {}\n", a.threshold)
        } else {
            format!("      Threshold: {}\n", a.threshold)
        };
        block.push_str(&format!(
            "  {id}:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n      AlarmDescription: \"{desc}\"\n      \
             Namespace: {ns}\n      MetricName: {metric}\n      Dimensions:\n        - Name: {dimension}\n          \
             Value:\n            {value}\n      Statistic: {stat}\n      Period: 60\n      EvaluationPeriods: 1\n\
             {threshold_line}      ComparisonOperator: GreaterThanThreshold\n      TreatMissingData: notBreaching\n      \
             AlarmActions:\n        - Ref: AlarmTopic\n\n",
            id = a.logical_id,
            desc = a.description,
            ns = a.namespace,
            metric = a.metric,
            stat = a.statistic,
        ));
    }
    Ok(block)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> Value {
        crate::template::template().unwrap()
    }

    #[test]
    fn every_queue_dlq_function_and_state_machine_of_the_template_alarms_to_the_alarm_topic() {
        let template = template();
        let resources = resources(&template);
        let alarmed = |id: &str, suffix: &str| {
            let alarm = &template["Resources"][format!("{id}{suffix}").as_str()];
            assert_eq!(alarm["Type"], "AWS::CloudWatch::Alarm", "{id} has no {suffix}");
            assert_eq!(alarm["Properties"]["AlarmActions"][0]["Ref"], "AlarmTopic", "{id}{suffix}");
        };
        let mut seen = 0;
        for (id, resource) in &resources {
            match resource["Type"].as_str().unwrap_or_default() {
                "AWS::SQS::Queue" if id.ends_with("Dlq") => alarmed(id, "MessagesAlarm"),
                "AWS::SQS::Queue" => alarmed(id, "AgeAlarm"),
                "AWS::Serverless::Function" => {
                    alarmed(id, "ErrorsAlarm");
                    alarmed(id, "ThrottlesAlarm");
                }
                "AWS::Serverless::StateMachine" => {
                    for metric in ["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"] {
                        alarmed(id, &format!("{metric}Alarm"));
                    }
                }
                _ => continue,
            }
            seen += 1;
        }
        assert!(seen >= 17, "the template's queues, functions and state machines: {seen}");
        for (id, resource) in &resources {
            if resource["Type"] == "AWS::CloudWatch::Alarm" {
                assert_eq!(resource["Properties"]["AlarmActions"][0]["Ref"], "AlarmTopic", "{id} alarms nobody");
            }
        }
    }

    #[test]
    fn a_new_queue_makes_the_block_stale() {
        let mut template = template();
        let text = std::fs::read_to_string(crate::paths::root().join("template.yaml")).unwrap();
        assert_eq!(BLOCK.replace(&text, &render(&template).unwrap()).unwrap(), text, "run `cargo xtask alarms`");
        template["Resources"]["ExtraQueue"] = serde_yaml::from_str("Type: AWS::SQS::Queue").unwrap();
        let block = render(&template).unwrap();
        assert!(block.contains("ExtraQueueAgeAlarm:"), "{block}");
        assert_ne!(BLOCK.replace(&text, &block).unwrap(), text);
    }
}
