//! Least privilege, checked against template.yaml:
//! - no IAM statement of a function names a wildcard resource (`*` anywhere in it),
//!   but for two that cannot be named otherwise: `lambda:InvokeFunction` on the
//!   versions of one function of the stack (`${Fn.Arn}:*`, what a pre-traffic hook
//!   tries), and CodeDeploy's lifecycle calls on the stack's own deployment groups
//!   (their application's name is generated: `deploymentgroup:${AWS::StackName}-*/*`);
//! - `ses:SendEmail` carries a condition on `ses:FromAddress`;
//! - a queue policy lets a service send only under a condition (its source topic);
//! - every topic that feeds a queue denies `sns:Subscribe` to any endpoint but the
//!   stack's own subscribed queues.
use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, bail};
use serde_yaml::Value;

use crate::template::resources;

/// A statement's values as a list (a scalar or a sequence).
fn list(value: &Value) -> Vec<&Value> {
    match value {
        Value::Sequence(items) => items.iter().collect(),
        Value::Null => vec![],
        other => vec![other],
    }
}

/// The text of a resource as written: a string, `Fn::Sub`'s string, or a
/// reference (`Ref`/`Fn::GetAtt`, exact by construction).
fn resource_text(resource: &Value) -> String {
    match resource {
        Value::String(s) => s.clone(),
        other => match &other["Fn::Sub"] {
            Value::String(s) => s.clone(),
            Value::Sequence(parts) => parts.first().and_then(Value::as_str).unwrap_or_default().to_owned(),
            _ => String::new(),
        },
    }
}

fn actions(statement: &Value) -> Vec<String> {
    list(&statement["Action"]).into_iter().filter_map(Value::as_str).map(str::to_owned).collect()
}

/// Whether a wildcard in `text` is one of the two scoped ones the rules allow.
fn scoped_wildcard(actions: &[String], text: &str) -> bool {
    let versions_of_one_function = text
        .strip_prefix("${")
        .and_then(|t| t.strip_suffix(".Arn}:*"))
        .is_some_and(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()));
    let own_deployment_groups = text.starts_with(
        "arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:deploymentgroup:${AWS::StackName}-",
    ) && !text.contains("*/*/");
    let lifecycle = ["codedeploy:GetDeployment", "codedeploy:PutLifecycleEventHookExecutionStatus"];
    (versions_of_one_function && actions == ["lambda:InvokeFunction"])
        || (own_deployment_groups && !actions.is_empty() && actions.iter().all(|a| lifecycle.contains(&a.as_str())))
}

/// Every broken rule of the function policies, as sentences.
fn function_problems(template: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, resource) in resources(template) {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        for policy in list(&resource["Properties"]["Policies"]) {
            for statement in list(&policy["Statement"]) {
                let actions = actions(statement);
                for target in list(&statement["Resource"]) {
                    let text = resource_text(target);
                    if text.contains('*') && !scoped_wildcard(&actions, &text) {
                        problems.push(format!("{id}: {actions:?} on a wildcard resource `{text}`"));
                    }
                }
                let sends_email = actions.iter().any(|a| a.starts_with("ses:Send"));
                if sends_email && statement["Condition"]["StringEquals"]["ses:FromAddress"].is_null() {
                    problems.push(format!("{id}: {actions:?} without a `ses:FromAddress` condition"));
                }
            }
        }
    }
    problems
}

/// The logical id a `Ref` or `Fn::GetAtt` names.
fn target(value: &Value) -> Option<&str> {
    value["Ref"].as_str().or_else(|| value["Fn::GetAtt"][0].as_str())
}

/// Every broken rule of the queue and topic policies, as sentences.
fn resource_policy_problems(template: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    // Which queues subscribe to which topic.
    let mut subscribers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, resource) in resources(template) {
        let p = &resource["Properties"];
        if resource["Type"] == "AWS::SNS::Subscription"
            && p["Protocol"] == "sqs"
            && let (Some(topic), Some(queue)) = (target(&p["TopicArn"]), target(&p["Endpoint"]))
        {
            subscribers.entry(topic.to_owned()).or_default().insert(queue.to_owned());
        }
    }
    let mut guarded: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, resource) in resources(template) {
        let document = &resource["Properties"]["PolicyDocument"];
        match resource["Type"].as_str() {
            Some("AWS::SQS::QueuePolicy") => {
                for statement in list(&document["Statement"]) {
                    let to_a_service = !statement["Principal"]["Service"].is_null();
                    if statement["Effect"] == "Allow" && to_a_service && statement["Condition"].is_null() {
                        problems.push(format!("{id}: a service may send without a condition on its source"));
                    }
                }
            }
            Some("AWS::SNS::TopicPolicy") => {
                let topics: Vec<_> = list(&resource["Properties"]["Topics"]).into_iter().filter_map(target).collect();
                for statement in list(&document["Statement"]) {
                    let denies_subscribe = statement["Effect"] == "Deny"
                        && statement["Principal"] == "*"
                        && actions(statement).iter().any(|a| a == "sns:Subscribe");
                    if !denies_subscribe {
                        continue;
                    }
                    let allowed: BTreeSet<String> = list(&statement["Condition"]["StringNotEquals"]["sns:Endpoint"])
                        .into_iter()
                        .filter_map(target)
                        .map(str::to_owned)
                        .collect();
                    for topic in &topics {
                        guarded.entry((*topic).to_owned()).or_default().extend(allowed.iter().cloned());
                    }
                }
            }
            _ => {}
        }
    }
    for (topic, queues) in &subscribers {
        match guarded.get(topic) {
            None => problems.push(format!(
                "topic {topic}: no topic policy denies `sns:Subscribe` to endpoints other than the stack's queues"
            )),
            Some(allowed) => {
                for queue in queues.difference(allowed) {
                    problems.push(format!("topic {topic}: its queue {queue} is not among the allowed endpoints"));
                }
            }
        }
    }
    problems
}

/// Fails with every broken rule of `template`.
pub fn check(template: &Value) -> Result<()> {
    let mut problems = function_problems(template);
    problems.extend(resource_policy_problems(template));
    if !problems.is_empty() {
        bail!("least privilege: {} problem(s):\n  {}", problems.len(), problems.join("\n  "));
    }
    println!("policies: no wildcard resources; email, queues and topics under their conditions");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(template: &Value) -> Vec<String> {
        let mut all = function_problems(template);
        all.extend(resource_policy_problems(template));
        all
    }

    #[test]
    fn the_real_template_keeps_least_privilege() {
        let template = crate::template::template().unwrap();
        assert_eq!(problems(&template), Vec::<String>::new());
    }

    #[test]
    fn wildcards_a_missing_condition_and_an_open_topic_are_found() {
        let mut template = crate::template::template().unwrap();
        let notifications = &mut template["Resources"]["NotificationsWorker"]["Properties"]["Policies"];
        let statement = notifications
            .as_sequence_mut()
            .unwrap()
            .iter_mut()
            .flat_map(|p| p["Statement"].as_sequence_mut().into_iter().flatten())
            .find(|s| s["Action"] == "ses:SendEmail")
            .unwrap();
        statement["Resource"] = Value::String("arn:aws:ses:us-east-1:123456789012:identity/*".into());
        statement.as_mapping_mut().unwrap().remove("Condition");
        let auth = &mut template["Resources"]["AuthGateway"]["Properties"]["Policies"][1]["Statement"][1];
        auth["Resource"] = serde_yaml::from_str("{\"Fn::Sub\": \"arn:aws:secretsmanager:r:a:secret:keys-*\"}").unwrap();
        let queue_policy = &mut template["Resources"]["MoversQueuePolicy"]["Properties"]["PolicyDocument"];
        queue_policy["Statement"][0].as_mapping_mut().unwrap().remove("Condition");
        template["Resources"].as_mapping_mut().unwrap().remove("BusTopicPolicy");

        let found = problems(&template).join("\n");
        assert!(found.contains("NotificationsWorker: [\"ses:SendEmail\"] on a wildcard resource"), "{found}");
        assert!(found.contains("without a `ses:FromAddress` condition"), "{found}");
        assert!(found.contains("AuthGateway: [\"secretsmanager:GetSecretValue\"] on a wildcard"), "{found}");
        assert!(found.contains("MoversQueuePolicy: a service may send without a condition"), "{found}");
        assert!(found.contains("topic EventsTopic: no topic policy") && found.contains("topic TasksTopic"), "{found}");
    }

    #[test]
    fn only_the_two_scoped_wildcards_pass() {
        let invoke = ["lambda:InvokeFunction".to_owned()];
        assert!(scoped_wildcard(&invoke, "${AddressingWorker.Arn}:*"));
        assert!(!scoped_wildcard(&invoke, "arn:aws:lambda:us-east-1:1:function:*"));
        assert!(!scoped_wildcard(&invoke, "${AddressingWorker.Arn}*"));
        assert!(!scoped_wildcard(&["lambda:*".to_owned()], "${AddressingWorker.Arn}:*"));
        let lifecycle = ["codedeploy:PutLifecycleEventHookExecutionStatus".to_owned()];
        let own =
            "arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:deploymentgroup:${AWS::StackName}-*/*";
        assert!(scoped_wildcard(&lifecycle, own));
        assert!(!scoped_wildcard(&["codedeploy:CreateDeployment".to_owned()], own));
        assert!(!scoped_wildcard(&lifecycle, "arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:*"));
    }

    #[test]
    fn a_queue_missing_from_the_topic_policy_is_found() {
        let mut template = crate::template::template().unwrap();
        let endpoints = &mut template["Resources"]["BusTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"][1]["Condition"]
            ["StringNotEquals"]["sns:Endpoint"];
        endpoints.as_sequence_mut().unwrap().retain(|e| e["Fn::GetAtt"][0] != "MoversQueue");
        let found = problems(&template).join("\n");
        assert!(found.contains("its queue MoversQueue is not among the allowed endpoints"), "{found}");
    }
}
