//! The pre-traffic hook Lambda (`PROBE_KINDS`: each function's name and kind, see
//! `probe::kinds`): wiring only. Invoked by CodeDeploy with `{DeploymentId,
//! LifecycleEventHookExecutionId}`, it probes the deployment's target version and
//! reports the verdict to CodeDeploy; invoked with `{"function", "version"}`, it
//! probes that and answers the verdict.
use std::collections::BTreeMap;

use aws_sdk_codedeploy::types::LifecycleEventStatus;
use deploy_hook::appspec;
use deploy_hook::probe::{self, Kind};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde::Deserialize;
use serde_json::{Value, json};

struct Hook {
    kinds: BTreeMap<String, Kind>,
    lambda: aws_sdk_lambda::Client,
    codedeploy: aws_sdk_codedeploy::Client,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Request {
    #[serde(rename_all = "PascalCase")]
    Lifecycle {
        deployment_id: String,
        lifecycle_event_hook_execution_id: String,
    },
    Probe {
        function: String,
        version: String,
    },
}

impl Hook {
    /// Probes `function` at `version` as the kind the template says it is.
    async fn probe(&self, function: &str, version: &str) -> Result<(), String> {
        let kind =
            self.kinds.get(function).ok_or_else(|| format!("{function} is not a function of this stack's hook"))?;
        probe::run(&self.lambda, function, version, *kind).await
    }

    /// The deployment's target: function and version.
    async fn target(&self, deployment_id: &str) -> Result<appspec::Target, String> {
        let deployment = self
            .codedeploy
            .get_deployment()
            .deployment_id(deployment_id)
            .send()
            .await
            .map_err(|e| format!("reading deployment {deployment_id}: {}", platform::error_chain::text(&e)))?;
        let revision = deployment.deployment_info().and_then(|d| d.revision());
        let content = revision
            .and_then(|r| r.app_spec_content().and_then(|a| a.content()).or(r.string().and_then(|s| s.content())))
            .ok_or_else(|| format!("deployment {deployment_id} has no AppSpec content"))?;
        appspec::target(content)
    }

    async fn lifecycle(&self, deployment_id: String, execution_id: String) -> Result<Value, Error> {
        let verdict = match self.target(&deployment_id).await {
            Ok(target) => self
                .probe(&target.function, &target.target_version)
                .await
                .map(|()| format!("{}:{} answered", target.function, target.target_version)),
            Err(e) => Err(e),
        };
        let status = match &verdict {
            Ok(said) => {
                tracing::info!(deployment_id, said, "pre-traffic probe passed");
                LifecycleEventStatus::Succeeded
            }
            Err(reason) => {
                tracing::error!(deployment_id, reason, "pre-traffic probe failed: the deployment rolls back");
                LifecycleEventStatus::Failed
            }
        };
        self.codedeploy
            .put_lifecycle_event_hook_execution_status()
            .deployment_id(&deployment_id)
            .lifecycle_event_hook_execution_id(execution_id)
            .status(status.clone())
            .send()
            .await
            .map_err(|e| format!("reporting to CodeDeploy: {}", platform::error_chain::text(&e)))?;
        Ok(json!({"deployment_id": deployment_id, "status": status.as_str()}))
    }
}

async fn init() -> Result<Hook, Error> {
    let kinds = probe::kinds(&std::env::var("PROBE_KINDS").map_err(|_| "PROBE_KINDS is not set")?)?;
    let aws = platform::sdk_config::aws_config().await?;
    Ok(Hook { kinds, lambda: aws_sdk_lambda::Client::new(&aws), codedeploy: aws_sdk_codedeploy::Client::new(&aws) })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let hook = std::sync::Arc::new(platform::startup::cold_start("deploy-hook", init()).await);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Request>| {
        let hook = hook.clone();
        async move {
            match event.payload {
                Request::Lifecycle { deployment_id, lifecycle_event_hook_execution_id } => {
                    hook.lifecycle(deployment_id, lifecycle_event_hook_execution_id).await
                }
                Request::Probe { function, version } => {
                    let verdict = hook.probe(&function, &version).await;
                    Ok(match verdict {
                        Ok(()) => json!({"function": function, "version": version, "passed": true}),
                        Err(reason) => {
                            json!({"function": function, "version": version, "passed": false, "reason": reason})
                        }
                    })
                }
            }
        }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codedeploy_s_event_and_an_operator_s_probe_are_told_apart() {
        let codedeploy = r#"{"DeploymentId":"d-ABC","LifecycleEventHookExecutionId":"eyJ..."}"#;
        assert!(matches!(
            serde_json::from_str::<Request>(codedeploy).unwrap(),
            Request::Lifecycle { deployment_id, .. } if deployment_id == "d-ABC"
        ));
        let by_hand = r#"{"function":"updater-AddressingWorker-1","version":"7"}"#;
        assert!(
            matches!(serde_json::from_str::<Request>(by_hand).unwrap(), Request::Probe { version, .. } if version == "7")
        );
        assert!(serde_json::from_str::<Request>(r#"{"function":"f"}"#).is_err());
    }
}
