//! The rules of zero-downtime deploys, checked against template.yaml:
//! - every function publishes a version behind the `live` alias (`AutoPublishAlias`,
//!   in Globals or its own), so its callers (queues, streams, the API, the saga:
//!   see `saga_check`) call the alias, never `$LATEST`;
//! - every function has a `DeploymentPreference` switched by the `GradualDeploys`
//!   parameter, whose alarms include the function's own errors alarm and, for a
//!   worker of a queue, that queue's DLQ alarm: a version that fails or dead-letters
//!   is rolled back before it takes all the traffic;
//! - every function is tried before any traffic moves: its `PreTraffic` hook is the
//!   generated `PreTrafficHook` (see `hooks`), which is named `CodeDeployHook_*`
//!   (CodeDeploy's role may invoke only those) and is itself deployed at once.
use anyhow::Result;
use serde_yaml::Value;

use crate::hooks::HOOK;
use crate::template::resources;

/// The `Ref`s of a DeploymentPreference's alarms.
fn alarm_refs(preference: &Value) -> Vec<&str> {
    preference["Alarms"].as_sequence().into_iter().flatten().filter_map(|a| a["Ref"].as_str()).collect()
}

/// The DLQ alarm of the queue an SQS event of `function` reads, if it has one.
fn dlq_alarm_of(template: &Value, function: &Value) -> Option<String> {
    let events = function["Properties"]["Events"].as_mapping()?;
    let queue = events.values().find(|e| e["Type"] == "SQS")?["Properties"]["Queue"]["Fn::GetAtt"][0].as_str()?;
    let dlq =
        template["Resources"][queue]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0].as_str()?;
    resources(template).into_iter().find_map(|(id, r)| {
        let watched = r["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0].as_str();
        (r["Type"] == "AWS::CloudWatch::Alarm" && r["Properties"]["Namespace"] == "AWS/SQS" && watched == Some(dlq))
            .then_some(id)
    })
}

/// The rules of the pre-traffic hook function.
fn hook_problems(id: &str, function: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let name = &function["Properties"]["FunctionName"];
    let name = name.as_str().or_else(|| name["Fn::Sub"].as_str()).unwrap_or_default();
    if !name.starts_with("CodeDeployHook_") {
        found.push(format!("{id} is a pre-traffic hook: its FunctionName must start with `CodeDeployHook_`"));
    }
    if !function["Properties"]["DeploymentPreference"].is_null() {
        found.push(format!("{id} is a pre-traffic hook: it is deployed at once, without a DeploymentPreference"));
    }
    found
}

/// Every broken rule, as sentences.
fn problems(template: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let global_alias = template["Globals"]["Function"]["AutoPublishAlias"].as_str();
    for (id, function) in resources(template).into_iter().filter(|(_, r)| r["Type"] == "AWS::Serverless::Function") {
        let alias = function["Properties"]["AutoPublishAlias"].as_str().or(global_alias);
        if alias != Some("live") {
            found.push(format!("{id} does not publish versions behind the `live` alias (AutoPublishAlias)"));
        }
        if id == HOOK {
            found.extend(hook_problems(&id, function));
            continue;
        }
        let preference = &function["Properties"]["DeploymentPreference"];
        if preference["Enabled"]["Ref"] != "GradualDeploys" {
            found.push(format!("{id} has no DeploymentPreference enabled by the GradualDeploys parameter"));
            continue;
        }
        let alarms = alarm_refs(preference);
        let own = format!("{id}ErrorsAlarm");
        if !alarms.contains(&own.as_str()) {
            found.push(format!("{id}'s deployment is not rolled back by its own {own}"));
        }
        if let Some(dlq) = dlq_alarm_of(template, function)
            && !alarms.contains(&dlq.as_str())
        {
            found.push(format!("{id}'s deployment is not rolled back by its queue's {dlq}"));
        }
        if preference["Hooks"]["PreTraffic"]["Ref"] != HOOK {
            found.push(format!("{id}'s new version is not tried first: its PreTraffic hook must be {HOOK}"));
        }
    }
    found
}

/// Fails with every broken rule.
pub fn check(template: &Value) -> Result<()> {
    crate::check_verdict::verdict(
        "deploys",
        &problems(template),
        "deploys: every function behind its live alias, shifted gradually, rolled back by its alarms",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
Globals: {Function: {AutoPublishAlias: live}}
Resources:
  Queue: {Type: "AWS::SQS::Queue", Properties: {RedrivePolicy: {deadLetterTargetArn: {"Fn::GetAtt": [Dlq, Arn]}}}}
  Dlq: {Type: "AWS::SQS::Queue"}
  DlqAlarm:
    Type: "AWS::CloudWatch::Alarm"
    Properties: {Namespace: AWS/SQS, Dimensions: [{Name: QueueName, Value: {"Fn::GetAtt": [Dlq, QueueName]}}]}
  WorkerErrorsAlarm: {Type: "AWS::CloudWatch::Alarm", Properties: {Namespace: AWS/Lambda}}
  Worker:
    Type: "AWS::Serverless::Function"
    Properties:
      DeploymentPreference:
        Enabled: {Ref: GradualDeploys}
        Type: Linear10PercentEvery1Minute
        Alarms: [{Ref: WorkerErrorsAlarm}, {Ref: DlqAlarm}]
        Hooks: {PreTraffic: {Ref: PreTrafficHook}}
      Events: {Queue: {Type: SQS, Properties: {Queue: {"Fn::GetAtt": [Queue, Arn]}}}}
  PreTrafficHook:
    Type: "AWS::Serverless::Function"
    Properties:
      FunctionName: {"Fn::Sub": "CodeDeployHook_${AWS::StackName}"}
"#;

    fn template(text: &str) -> Value {
        serde_yaml::from_str(text).unwrap()
    }

    #[test]
    fn a_worker_rolled_back_by_its_errors_and_its_dlq_passes() {
        assert_eq!(problems(&template(TEMPLATE)), Vec::<String>::new());
    }

    #[test]
    fn a_missing_alias_preference_or_alarm_is_named() {
        let no_dlq = TEMPLATE.replace(", {Ref: DlqAlarm}", "");
        assert_eq!(problems(&template(&no_dlq)), ["Worker's deployment is not rolled back by its queue's DlqAlarm"]);
        let no_alias = TEMPLATE.replace("AutoPublishAlias: live", "MemorySize: 128");
        assert!(problems(&template(&no_alias))[0].contains("`live` alias"));
        let always = TEMPLATE.replace("Enabled: {Ref: GradualDeploys}", "Enabled: true");
        assert!(problems(&template(&always))[0].contains("GradualDeploys"));
    }

    #[test]
    fn a_function_not_tried_before_traffic_is_named() {
        let untried = TEMPLATE.replace("        Hooks: {PreTraffic: {Ref: PreTrafficHook}}\n", "");
        assert_eq!(
            problems(&template(&untried)),
            ["Worker's new version is not tried first: its PreTraffic hook must be PreTrafficHook"]
        );
    }

    #[test]
    fn a_hook_codedeploy_may_not_invoke_or_that_shifts_itself_is_named() {
        let misnamed = TEMPLATE.replace("CodeDeployHook_${AWS::StackName}", "${AWS::StackName}");
        assert!(problems(&template(&misnamed))[0].contains("must start with `CodeDeployHook_`"));
        let shifted = TEMPLATE.replace(
            "      FunctionName: {\"Fn::Sub\": \"CodeDeployHook_${AWS::StackName}\"}",
            "      FunctionName: {\"Fn::Sub\": \"CodeDeployHook_${AWS::StackName}\"}\n      DeploymentPreference: {Type: AllAtOnce}",
        );
        assert!(problems(&template(&shifted))[0].contains("without a DeploymentPreference"));
    }
}
