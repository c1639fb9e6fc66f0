//! Each service's place on the bus, generated from its catalog so that it is
//! stated once: a service that consumes messages gets a queue (with its DLQ and
//! redrive), a policy that lets the topics it hears send to it, and one
//! subscription per topic whose filter delivers exactly the names it consumes (its
//! events by `name`, its tasks by `service`). `cargo xtask wiring` writes the block
//! (then the alarms, which follow the resources).
use anyhow::Result;
use platform_messages::Catalog;
use serde_yaml::Value;

use crate::catalog_check::catalogs;
use crate::template_blocks::Block;

/// The wiring block of template.yaml.
pub const BLOCK: Block = Block { name: "wiring", what: "queues and subscriptions", render };

/// `addressing` → `Addressing`, the prefix of the service's logical ids.
pub fn prefix(service: &str) -> String {
    let mut chars = service.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn queue(p: &str, sources: &[&str]) -> String {
    let sources: String = sources.iter().map(|t| format!("                  - Ref: {t}\n")).collect();
    format!(
        "  {p}Dlq:\n    Type: AWS::SQS::Queue\n    Properties:\n      MessageRetentionPeriod: 1209600\n\n\
         \x20 {p}Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout:\n        \
         Ref: QueueVisibilityTimeout\n      MessageRetentionPeriod: 345600\n      RedrivePolicy:\n        \
         deadLetterTargetArn:\n          Fn::GetAtt: [{p}Dlq, Arn]\n        maxReceiveCount:\n          \
         Ref: MaxReceiveCount\n\n\
         \x20 {p}QueuePolicy:\n    Type: AWS::SQS::QueuePolicy\n    Properties:\n      Queues:\n        \
         - Ref: {p}Queue\n      PolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n          \
         - Effect: Allow\n            Principal:\n              Service: sns.amazonaws.com\n            \
         Action: sqs:SendMessage\n            Resource:\n              Fn::GetAtt: [{p}Queue, Arn]\n            \
         Condition:\n              ArnEquals:\n                aws:SourceArn:\n{sources}\n"
    )
}

fn subscription(p: &str, topic: &str, key: &str, values: &[&str]) -> String {
    let values: String = values.iter().map(|v| format!("          - {v}\n")).collect();
    format!(
        "  {p}{topic}Subscription:\n    Type: AWS::SNS::Subscription\n    Properties:\n      TopicArn:\n        \
         Ref: {topic}Topic\n      Protocol: sqs\n      Endpoint:\n        Fn::GetAtt: [{p}Queue, Arn]\n      \
         RawMessageDelivery: true\n      FilterPolicyScope: MessageAttributes\n      FilterPolicy:\n        \
         {key}:\n{values}\n"
    )
}

/// The resources of one service's catalog (none for a service that consumes nothing).
pub fn service_block(catalog: &Catalog) -> String {
    let (events, tasks) = (catalog.consumed_events(), catalog.consumed_tasks());
    if events.is_empty() && tasks.is_empty() {
        return String::new();
    }
    let p = prefix(catalog.service);
    let sources: Vec<&str> =
        [(!events.is_empty()).then_some("EventsTopic"), (!tasks.is_empty()).then_some("TasksTopic")]
            .into_iter()
            .flatten()
            .collect();
    let mut block = queue(&p, &sources);
    if !events.is_empty() {
        block.push_str(&subscription(&p, "Events", "name", &events));
    }
    if !tasks.is_empty() {
        block.push_str(&subscription(&p, "Tasks", "service", &[catalog.service]));
    }
    block
}

fn render(_template: &Value) -> Result<String> {
    Ok(catalogs().iter().map(service_block).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_holds_the_wiring_the_catalogs_call_for() {
        BLOCK.check().unwrap();
    }

    #[test]
    fn a_consumed_name_reaches_the_filter_and_a_task_the_tasks_subscription() {
        let mut catalog = movers::catalog::catalog();
        let block = service_block(&catalog);
        assert!(block.contains("  MoversTasksSubscription:") && block.contains("          - movers\n"), "{block}");
        catalog.consumes.push(platform_messages::CatalogEntry::of::<platform_messages::contracts::moves::MoveBooked>());
        let wider = service_block(&catalog);
        assert!(wider.contains("          - move.booked\n"), "{wider}");
        let quiet = Catalog { service: "quiet", consumes: vec![], publishes: movers::catalog::catalog().publishes };
        assert!(service_block(&quiet).is_empty(), "a service that consumes nothing gets no queue");
    }
}
