//! The booking saga's names, the definition against the code: the `step` of every
//! task's input must be a [`StepName`] and every step must have a task; every error
//! a `Retry` or `Catch` names must be one the steps fail with (a [`SagaError`],
//! `Transient`) or Step Functions' and Lambda's own; a [`SagaError`] the code says
//! is caught by name must be named there; and the `Fail` state ends with
//! [`COMPENSATION_FAILED`].
use std::collections::BTreeSet;

use moves::saga_error::{COMPENSATION_FAILED, Caught, SagaError};
use moves::steps::StepName;
use serde_json::Value;
use strum::IntoEnumIterator;

/// The step names, the errors named by `Retry`/`Catch`, and the `Fail` errors of a definition.
fn names(states: &Value, steps: &mut BTreeSet<String>, errors: &mut BTreeSet<String>, fails: &mut BTreeSet<String>) {
    for state in states.as_object().into_iter().flat_map(|s| s.values()) {
        for branch in state["Branches"].as_array().into_iter().flatten() {
            names(&branch["States"], steps, errors, fails);
        }
        if let Some(step) = state["Parameters"]["Payload"]["step"].as_str() {
            steps.insert(step.to_owned());
        }
        let handlers = state["Retry"].as_array().into_iter().chain(state["Catch"].as_array()).flatten();
        errors.extend(
            handlers
                .flat_map(|h| h["ErrorEquals"].as_array().into_iter().flatten())
                .filter_map(|e| e.as_str().map(str::to_owned)),
        );
        if state["Type"] == "Fail" {
            fails.insert(state["Error"].as_str().unwrap_or_default().to_owned());
        }
    }
}

/// Every disagreement between the booking saga's definition and the code, as sentences.
pub fn problems(definition: &Value) -> Vec<String> {
    let (mut steps, mut errors, mut fails) = Default::default();
    names(&definition["States"], &mut steps, &mut errors, &mut fails);
    let mut found = Vec::new();
    let code_steps: BTreeSet<String> = StepName::iter().map(|s| <&str>::from(s).to_owned()).collect();
    for step in steps.difference(&code_steps) {
        found.push(format!("a task asks for step `{step}`, which the steps function does not know"));
    }
    for step in code_steps.difference(&steps) {
        found.push(format!("no task asks for step `{step}`"));
    }
    // Step Functions' own names, Lambda's (`Lambda.*`, and `Runtime.*` for a step
    // environment that failed), and the steps' transient failure.
    let own = |e: &str| ["States.", "Lambda.", "Runtime."].iter().any(|p| e.starts_with(p)) || e == "Transient";
    for error in errors.iter().filter(|e| !own(e)) {
        if !SagaError::iter().any(|s| s.name() == error) {
            found.push(format!("the definition matches error `{error}`, which no step fails with"));
        }
    }
    for error in SagaError::iter().filter(|e| e.caught() == Caught::ByName && !errors.contains(e.name())) {
        found.push(format!("`{}` should be caught by name, but no Catch names it", error.name()));
    }
    for fail in fails.iter().filter(|f| *f != COMPENSATION_FAILED) {
        found.push(format!("a Fail state ends with `{fail}`, not `{COMPENSATION_FAILED}`"));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book_move() -> Value {
        let text = std::fs::read_to_string(crate::paths::root().join("statemachines/book-move.asl.json")).unwrap();
        serde_json::from_str(&crate::diagrams::quote_bare_placeholders(&text)).unwrap()
    }

    #[test]
    fn the_booking_saga_and_the_code_name_the_same_steps_and_errors() {
        assert_eq!(problems(&book_move()), Vec::<String>::new());
    }

    #[test]
    fn a_misspelt_step_or_error_or_a_missing_catch_is_found() {
        let mut definition = book_move();
        definition["States"]["ReserveCrew"]["Parameters"]["Payload"]["step"] = "reserve_crews".into();
        let catches = definition["States"]["ChargeDeposit"]["Catch"].as_array_mut().unwrap();
        for c in catches.iter_mut() {
            if c["ErrorEquals"].as_array().unwrap().iter().any(|e| e == "PaymentDeclined") {
                c["ErrorEquals"] = serde_json::json!(["PaymentDecline"]);
            }
        }
        let found = problems(&definition);
        let expected = [
            "a task asks for step `reserve_crews`, which the steps function does not know",
            "no task asks for step `reserve_crew`",
            "the definition matches error `PaymentDecline`, which no step fails with",
            "`PaymentDeclined` should be caught by name, but no Catch names it",
        ];
        for e in expected {
            assert!(found.iter().any(|f| f == e), "missing `{e}` in {found:?}");
        }
        assert_eq!(found.len(), expected.len(), "{found:?}");
    }
}
