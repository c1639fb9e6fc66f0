//! Active tracing, checked against template.yaml: every function traced by X-Ray
//! (`Tracing: Active`, in Globals or its own), the API's stage traced
//! (`TracingEnabled`), every state machine traced (`Tracing.Enabled`), so that one
//! request's segments join across API Gateway, the queues (`AWSTraceHeader`), the
//! functions and the saga, beside the W3C `traceparent` the messages carry.
use anyhow::Result;
use serde_yaml::Value;

use crate::template::resources;

fn problems(template: &Value) -> Vec<String> {
    let global = template["Globals"]["Function"]["Tracing"].as_str();
    let mut found = Vec::new();
    for (id, resource) in resources(template) {
        let properties = &resource["Properties"];
        match resource["Type"].as_str().unwrap_or_default() {
            "AWS::Serverless::Function" if properties["Tracing"].as_str().or(global) != Some("Active") => {
                found.push(format!("{id}: not `Tracing: Active` (in Globals or its own)"));
            }
            "AWS::Serverless::Api" if properties["TracingEnabled"].as_bool() != Some(true) => {
                found.push(format!("{id}: not `TracingEnabled: true`"));
            }
            "AWS::Serverless::StateMachine" if properties["Tracing"]["Enabled"].as_bool() != Some(true) => {
                found.push(format!("{id}: not `Tracing: {{Enabled: true}}`"));
            }
            _ => {}
        }
    }
    found
}

/// Fails naming each resource that is not traced.
pub fn check(template: &Value) -> Result<()> {
    crate::check_verdict::verdict(
        "tracing",
        &problems(template),
        "tracing: every function, the API and the saga traced by X-Ray",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(text: &str) -> Value {
        serde_yaml::from_str(text).unwrap()
    }

    #[test]
    fn the_repository_template_is_traced_throughout() {
        assert_eq!(problems(&crate::template::template().unwrap()), Vec::<String>::new());
    }

    #[test]
    fn an_untraced_function_api_or_state_machine_is_named() {
        let t = template(
            r#"
Globals: {Function: {Tracing: Active}}
Resources:
  Traced: {Type: "AWS::Serverless::Function", Properties: {}}
  OptedOut: {Type: "AWS::Serverless::Function", Properties: {Tracing: PassThrough}}
  Api: {Type: "AWS::Serverless::Api", Properties: {}}
  Saga: {Type: "AWS::Serverless::StateMachine", Properties: {Tracing: {Enabled: false}}}
"#,
        );
        let found = problems(&t);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found.iter().any(|f| f.starts_with("OptedOut")), "{found:?}");
        assert!(found.iter().any(|f| f.starts_with("Api")) && found.iter().any(|f| f.starts_with("Saga")));
        assert!(!found.iter().any(|f| f.starts_with("Traced")));
    }
}
