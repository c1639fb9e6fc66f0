//! The rules every saga definition keeps, checked against template.yaml:
//! - each Task that invokes a Lambda synchronously times out later than that
//!   Lambda does, so Step Functions never gives up on (and compensates around) an
//!   invocation that is still running, e.g. a charge about to land;
//! - each Task retries transient failures, Lambda's throttling and service errors and
//!   a failed step environment with exponential backoff and full jitter, and a
//!   compensation retries everything;
//! - the booking saga names the steps and errors the code knows (see [`crate::saga_names`]);
//! - each Lambda a saga calls is called through its `live` alias.
use anyhow::{Context, Result};
use serde_json::Value;
use serde_yaml::Value as Yaml;

use crate::paths;
use crate::template::resources;

/// Transient failures: the steps' own, Lambda's throttling and service errors, and a
/// step environment that failed rather than answered. A step's init cut short by a
/// passing fault (the emulator's `Runtime.Unknown`), a process that exited
/// (`Runtime.ExitError`) or one that died without an error type (`Lambda.Unknown`)
/// says nothing about the booking; compensating on it cancelled a good booking in a
/// chaos run. Every step is idempotent, so running it again is safe.
const MUST_RETRY: [&str; 7] = [
    "Transient",
    "Lambda.TooManyRequestsException",
    "Lambda.ServiceException",
    "Lambda.SdkClientException",
    "Lambda.Unknown",
    "Runtime.ExitError",
    "Runtime.Unknown",
];

/// The Timeout of the function a `${...Arn}` substitution of `machine` names. The
/// substitution must be the function's alias (`Ref: <Function>.Alias`): a step that
/// called the function itself would run `$LATEST`, outside the gradual deploy.
fn function_timeout(template: &Yaml, machine: &Yaml, function_arn: &str) -> Result<u64> {
    let name = function_arn.trim_start_matches("${").trim_end_matches('}');
    let target = machine["Properties"]["DefinitionSubstitutions"][name]["Ref"]
        .as_str()
        .and_then(|r| r.strip_suffix(".Alias"))
        .with_context(|| {
            format!("{name} is not `Ref: <Function>.Alias`: the saga must call the function's live alias")
        })?;
    let timeout = &template["Resources"][target]["Properties"]["Timeout"];
    // Lambda's default timeout is 3 s.
    Ok(timeout.as_u64().or_else(|| template["Globals"]["Function"]["Timeout"].as_u64()).unwrap_or(3))
}

fn tasks<'a>(states: &'a Value, out: &mut Vec<(&'a str, &'a Value)>) {
    for (name, state) in states.as_object().into_iter().flatten() {
        for branch in state["Branches"].as_array().into_iter().flatten() {
            tasks(&branch["States"], out);
        }
        if state["Type"] == "Task" {
            out.push((name, state));
        }
    }
}

/// Every broken rule of one state machine, as sentences.
fn problems(template: &Yaml, machine_id: &str, machine: &Yaml, definition: &Value) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let mut all = Vec::new();
    tasks(&definition["States"], &mut all);
    for (name, task) in all {
        let errors: Vec<&str> = task["Retry"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["JitterStrategy"] == "FULL" && r["BackoffRate"].as_f64().unwrap_or(1.0) > 1.0)
            .flat_map(|r| r["ErrorEquals"].as_array().into_iter().flatten().filter_map(Value::as_str))
            .collect();
        if !errors.contains(&"States.ALL") {
            for must in MUST_RETRY.iter().filter(|e| !errors.contains(e)) {
                found.push(format!("{machine_id}.{name} does not retry {must} with backoff and full jitter"));
            }
        }
        let resource = task["Resource"].as_str().unwrap_or_default();
        if resource == "arn:aws:states:::lambda:invoke" {
            let function = task["Parameters"]["FunctionName"].as_str().unwrap_or_default();
            let lambda = function_timeout(template, machine, function)?;
            match task["TimeoutSeconds"].as_u64() {
                Some(t) if t > lambda => {}
                other => found.push(format!(
                    "{machine_id}.{name} times out after {other:?} s, not later than its Lambda's {lambda} s"
                )),
            }
        }
    }
    Ok(found)
}

/// Checks every state machine of the template.
pub fn check(template: &Yaml) -> Result<()> {
    let mut found = Vec::new();
    for (id, machine) in resources(template) {
        if machine["Type"] != "AWS::Serverless::StateMachine" {
            continue;
        }
        let uri = machine["Properties"]["DefinitionUri"].as_str().context("DefinitionUri")?;
        let text = std::fs::read_to_string(paths::root().join(uri))?;
        let definition: Value = serde_json::from_str(&crate::diagrams::quote_bare_placeholders(&text))?;
        found.extend(problems(template, &id, machine, &definition)?);
        if uri.ends_with("book-move.asl.json") {
            found.extend(crate::saga_names::problems(&definition).into_iter().map(|p| format!("{id}: {p}")));
        }
    }
    crate::check_verdict::verdict(
        "the saga definitions break their rules",
        &found,
        "sagas: every task retries with backoff and jitter, outlives its Lambda, and names what the code knows",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book_move() -> (Yaml, Value) {
        let template = crate::template::template().unwrap();
        let text = std::fs::read_to_string(paths::root().join("statemachines/book-move.asl.json")).unwrap();
        (template, serde_json::from_str(&crate::diagrams::quote_bare_placeholders(&text)).unwrap())
    }

    #[test]
    fn the_real_sagas_keep_the_rules() {
        check(&crate::template::template().unwrap()).unwrap();
    }

    #[test]
    fn a_task_timing_out_with_its_lambda_or_retrying_without_jitter_is_found() {
        let (template, mut definition) = book_move();
        let machine = template["Resources"]["BookMoveStateMachine"].clone();
        definition["States"]["ChargeDeposit"]["TimeoutSeconds"] = 30.into();
        definition["States"]["ReleaseCrew"]["Retry"][0]["JitterStrategy"] = "NONE".into();
        let found = problems(&template, "BookMove", &machine, &definition).unwrap();
        assert!(found.iter().any(|p| p.contains("ChargeDeposit times out after Some(30) s")), "{found:?}");
        assert!(found.iter().any(|p| p.contains("ReleaseCrew does not retry Transient")), "{found:?}");
        assert_eq!(found.len(), 1 + MUST_RETRY.len(), "{found:?}");
    }

    #[test]
    fn a_forward_task_that_compensates_when_its_step_environment_failed_is_found() {
        let (template, mut definition) = book_move();
        let machine = template["Resources"]["BookMoveStateMachine"].clone();
        let reserve = &mut definition["States"]["ReserveCrew"]["Retry"][0]["ErrorEquals"];
        reserve.as_array_mut().unwrap().retain(|e| e != "Runtime.Unknown" && e != "Lambda.Unknown");
        let found = problems(&template, "BookMove", &machine, &definition).unwrap();
        assert_eq!(
            found,
            [
                "BookMove.ReserveCrew does not retry Lambda.Unknown with backoff and full jitter",
                "BookMove.ReserveCrew does not retry Runtime.Unknown with backoff and full jitter",
            ],
        );
    }
}
