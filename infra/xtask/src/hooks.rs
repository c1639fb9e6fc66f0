//! The pre-traffic hook of template.yaml, generated from its functions so that
//! none is left untried: `PreTrafficHook` (named `CodeDeployHook_<stack>`, the only
//! names CodeDeploy's role may invoke) knows each function by name and kind in
//! `PROBE_KINDS` and may invoke the versions of those functions only. A function's
//! kind follows from what triggers it: an SQS event (worker), API events (gateway),
//! a DynamoDB stream (outbox relay), a schedule (the canary), nothing (a saga step).
//! `cargo xtask wiring` rewrites the block; `check` and `test` fail when it is stale.
use anyhow::Result;
use serde_yaml::Value;

use crate::template::resources;
use crate::template_blocks::Block;

/// The hook block of template.yaml.
pub const BLOCK: Block = Block { name: "hooks", what: "pre-traffic probes", render };

/// The hook's logical id.
pub const HOOK: &str = "PreTrafficHook";

/// How a function is tried before traffic (the hook's `probe::Kind`).
pub fn probe_kind(function: &Value) -> &'static str {
    let events: Vec<&str> = function["Properties"]["Events"]
        .as_mapping()
        .map(|m| m.values().filter_map(|e| e["Type"].as_str()).collect())
        .unwrap_or_default();
    if events.contains(&"SQS") {
        "worker"
    } else if events.contains(&"Api") {
        "gateway"
    } else if events.contains(&"DynamoDB") {
        "relay"
    } else if events.contains(&"Schedule") {
        "canary"
    } else {
        "step"
    }
}

/// The functions the hook tries, in the template's order, with their kinds.
fn tried(template: &Value) -> Vec<(String, &'static str)> {
    resources(template)
        .into_iter()
        .filter(|(id, r)| r["Type"] == "AWS::Serverless::Function" && id != HOOK)
        .map(|(id, r)| (id, probe_kind(r)))
        .collect()
}

fn render(template: &Value) -> Result<String> {
    let functions = tried(template);
    let kinds: Vec<String> = functions.iter().map(|(id, kind)| format!("${{{id}}}={kind}")).collect();
    let invokes: String =
        functions.iter().map(|(id, _)| format!("                - Fn::Sub: \"${{{id}.Arn}}:*\"\n")).collect();
    Ok(format!(
        "  {HOOK}:\n    Type: AWS::Serverless::Function\n    Metadata:\n      BuildMethod: rust-cargolambda\n      \
         BuildProperties:\n        Binary: pre-traffic-hook\n    Properties:\n      FunctionName:\n        \
         Fn::Sub: CodeDeployHook_${{AWS::StackName}}\n      Description: Tries each function's new version before \
         CodeDeploy moves traffic to it\n      CodeUri: shared/deploy-hook\n      Timeout: 120\n      Environment:\n        \
         Variables:\n          PROBE_KINDS:\n            Fn::Sub: \"{kinds}\"\n      Policies:\n        - Statement:\n            \
         - Effect: Allow\n              Action: lambda:InvokeFunction\n              Resource:\n{invokes}            \
         - Effect: Allow\n              Action:\n                - codedeploy:GetDeployment\n                \
         - codedeploy:PutLifecycleEventHookExecutionStatus\n              Resource:\n                \
         Fn::Sub: arn:${{AWS::Partition}}:codedeploy:${{AWS::Region}}:${{AWS::AccountId}}:deploymentgroup:${{AWS::StackName}}-*/*\n\n",
        kinds = kinds.join(",")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_is_tried_as_what_triggers_it() {
        let template = crate::template::template().unwrap();
        let tried = tried(&template);
        let kind_of = |id: &str| tried.iter().find(|(f, _)| f == id).map(|(_, k)| *k);
        assert_eq!(kind_of("AddressingWorker"), Some("worker"));
        assert_eq!(kind_of("MoversGateway"), Some("gateway"));
        assert_eq!(kind_of("MoversOutboxRelay"), Some("relay"));
        assert_eq!(kind_of("MovesSteps"), Some("step"));
        assert_eq!(kind_of("Canary"), Some("canary"));
        assert_eq!(kind_of(HOOK), None, "the hook does not try itself");
        let block = render(&template).unwrap();
        for (id, kind) in &tried {
            assert!(block.contains(&format!("${{{id}}}={kind}")), "{id} is not in PROBE_KINDS");
            assert!(block.contains(&format!("\"${{{id}.Arn}}:*\"")), "the hook may not invoke {id}");
        }
    }
}
