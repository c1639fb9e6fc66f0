//! Mermaid diagrams of the sagas, rendered from `statemachines/*.asl.json` into
//! `docs/statemachines/<name>.md`: every state, `Next` transitions, `Catch`
//! transitions labelled with the errors they match, and `Parallel` branches.
//! `check` (and a test) fail when a committed diagram differs from its definition.
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::paths;

/// `DefinitionSubstitutions` placeholders outside strings (`"TimeoutSeconds": ${X}`)
/// become strings, so that the definition parses as JSON.
pub(crate) fn quote_bare_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '$' && chars.peek() == Some(&'{') {
            out.push_str("\"$");
            for p in chars.by_ref() {
                out.push(p);
                if p == '}' {
                    break;
                }
            }
            out.push('"');
        } else {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

fn error_label(errors: &Value) -> String {
    let names: Vec<&str> = errors.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    names.join(", ")
}

/// State names in the order the flow reaches them from `StartAt` (forward steps
/// first, then what their `Catch` leads to), then any unreachable ones.
fn flow_order(machine: &Value) -> Vec<String> {
    let Some(list) = machine["States"].as_object() else { return vec![] };
    let mut order: Vec<String> = Vec::new();
    let mut queue: std::collections::VecDeque<String> =
        machine["StartAt"].as_str().map(str::to_owned).into_iter().collect();
    while let Some(name) = queue.pop_front() {
        if order.contains(&name) || !list.contains_key(&name) {
            continue;
        }
        let state = &list[&name];
        let nexts = state["Next"]
            .as_str()
            .into_iter()
            .chain(state["Catch"].as_array().into_iter().flatten().filter_map(|c| c["Next"].as_str()));
        queue.extend(nexts.map(str::to_owned));
        order.push(name);
    }
    order.extend(list.keys().filter(|k| !order.contains(k)).cloned().collect::<Vec<_>>());
    order
}

/// Appends the states of one state list (the machine or a branch) at `indent`.
fn states(out: &mut Vec<String>, machine: &Value, indent: &str) {
    if let Some(start) = machine["StartAt"].as_str() {
        out.push(format!("{indent}[*] --> {start}"));
    }
    let Some(list) = machine["States"].as_object() else { return };
    for name in flow_order(machine) {
        let state = &list[&name];
        let kind = state["Type"].as_str().unwrap_or("");
        let resource = state["Resource"].as_str().unwrap_or("");
        if resource.ends_with(".waitForTaskToken") {
            out.push(format!("{indent}state \"{name} (waits for its task token)\" as {name}"));
        }
        if kind == "Parallel" {
            out.push(format!("{indent}state {name} {{"));
            let branches = state["Branches"].as_array().cloned().unwrap_or_default();
            for (i, branch) in branches.iter().enumerate() {
                if i > 0 {
                    out.push(format!("{indent}    --"));
                }
                states(out, branch, &format!("{indent}    "));
            }
            out.push(format!("{indent}}}"));
        }
        if let Some(next) = state["Next"].as_str() {
            out.push(format!("{indent}{name} --> {next}"));
        }
        for catch in state["Catch"].as_array().into_iter().flatten() {
            if let Some(next) = catch["Next"].as_str() {
                out.push(format!("{indent}{name} --> {next}: {}", error_label(&catch["ErrorEquals"])));
            }
        }
        if state["End"] == true || kind == "Succeed" {
            out.push(format!("{indent}{name} --> [*]"));
        }
        if kind == "Fail" {
            let error = state["Error"].as_str().unwrap_or("failed");
            out.push(format!("{indent}{name} --> [*]: fails with {error}"));
        }
    }
}

/// The Markdown page of one state machine.
pub fn render(name: &str, definition_text: &str) -> Result<String> {
    let machine: Value = serde_json::from_str(&quote_bare_placeholders(definition_text))
        .with_context(|| format!("statemachines/{name}.asl.json is not valid JSON"))?;
    let mut lines = vec!["stateDiagram-v2".to_owned()];
    states(&mut lines, &machine, "    ");
    let comment = machine["Comment"].as_str().unwrap_or("");
    Ok(format!(
        "# State machine `{name}`\n\n<!-- Generated by `cargo xtask diagrams` from statemachines/{name}.asl.json; do not edit. -->\n\n{comment}\n\nArrows with a label are `Catch` transitions (the errors they match); `Retry` policies are in the definition.\n\n```mermaid\n{}\n```\n",
        lines.join("\n")
    ))
}

/// Every definition and the page rendered from it.
fn pages() -> Result<Vec<(PathBuf, String)>> {
    let mut pages = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(paths::root().join("statemachines"))?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(name) = file.strip_suffix(".asl.json") else { continue };
        let page = render(name, &std::fs::read_to_string(entry.path())?)?;
        pages.push((paths::root().join("docs/statemachines").join(format!("{name}.md")), page));
    }
    Ok(pages)
}

/// Writes the diagrams.
pub fn write() -> Result<()> {
    std::fs::create_dir_all(paths::root().join("docs/statemachines"))?;
    for (path, page) in pages()? {
        std::fs::write(&path, page)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// Fails when a diagram is missing or differs from its definition.
pub fn check() -> Result<()> {
    let pages = pages()?;
    let stale: Vec<_> = pages
        .iter()
        .filter(|(path, page)| std::fs::read_to_string(path).ok().as_deref() != Some(page.as_str()))
        .map(|(path, _)| path.display().to_string())
        .collect();
    if !stale.is_empty() {
        bail!("state machine diagrams are stale: {stale:?}: run `cargo xtask diagrams` and commit the result");
    }
    eprintln!("diagram check: {} state machine diagram(s) are current", pages.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_diagrams_match_their_definitions() {
        check().unwrap();
    }

    #[test]
    fn bare_placeholders_are_quoted_and_strings_left_alone() {
        let text = r#"{"a": ${X}, "b": "${Y} \"q\" ${Z}", "c": [${W}]}"#;
        let v: Value = serde_json::from_str(&quote_bare_placeholders(text)).unwrap();
        assert_eq!(v["a"], "${X}");
        assert_eq!(v["b"], "${Y} \"q\" ${Z}");
        assert_eq!(v["c"][0], "${W}");
    }

    #[test]
    fn states_catches_branches_and_ends_are_drawn() {
        let def = r#"{"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "P",
                  "Catch": [{"ErrorEquals": ["Boom", "States.Timeout"], "Next": "Undo"}]},
            "P": {"Type": "Parallel", "Next": "Done", "Branches": [
                {"StartAt": "X", "States": {"X": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "End": true}}},
                {"StartAt": "Y", "States": {"Y": {"Type": "Pass", "End": true}}}]},
            "Undo": {"Type": "Fail", "Error": "Undone"},
            "Done": {"Type": "Succeed"}}}"#;
        let page = render("t", def).unwrap();
        for line in [
            "[*] --> A",
            "A --> P",
            "A --> Undo: Boom, States.Timeout",
            "state P {",
            "--",
            "state \"X (waits for its task token)\" as X",
            "X --> [*]",
            "Done --> [*]",
            "Undo --> [*]: fails with Undone",
        ] {
            assert!(page.contains(line), "missing `{line}` in\n{page}");
        }
    }
}
