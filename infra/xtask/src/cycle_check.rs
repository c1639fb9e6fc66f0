//! No cycles between a crate's modules: each top-level module of every crate under
//! `functions/`, `shared/` and `infra/` may use another (`crate::other`) only if
//! that one does not, directly or through others, use it back. A piece two modules
//! share gets a module of its own. Files of a directory module (`chaos/*.rs`) count
//! as their module; comments and test modules (`#[cfg(test)]`, at the end of a file)
//! are not read, binaries (`src/bin`) are crates of their own.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Result, bail};

use crate::paths;

/// Module → the modules of the same crate it uses.
pub type Graph = BTreeMap<String, BTreeSet<String>>;

/// The top-level modules a piece of Rust names through `crate::`.
pub fn uses(source: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let production = source.split("#[cfg(test)]").next().unwrap_or_default();
    for line in production.lines().map(str::trim_start).filter(|l| !l.starts_with("//")) {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().last();
            rest = &rest[at + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue; // `platform_crate::`, not `crate::`
            }
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                used.extend(inner.split(',').filter_map(|item| first_segment(item.trim())));
            } else if let Some(name) = first_segment(rest) {
                used.insert(name);
            }
        }
    }
    used
}

fn first_segment(path: &str) -> Option<String> {
    let name: String = path.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty() && name != "self").then_some(name)
}

/// The module graph of the crate whose sources are in `src`.
pub fn graph(src: &Path) -> Result<Graph> {
    let mut graph = Graph::new();
    for entry in std::fs::read_dir(src)? {
        let path = entry?.path();
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
        if matches!(name.as_str(), "lib" | "main" | "bin") {
            continue;
        }
        let files: Vec<_> = if path.is_dir() {
            walk(&path)?
        } else if path.extension().is_some_and(|e| e == "rs") {
            vec![path.clone()]
        } else {
            continue;
        };
        let used = graph.entry(name.clone()).or_default();
        for file in files {
            used.extend(uses(&std::fs::read_to_string(file)?).into_iter().filter(|m| *m != name));
        }
    }
    Ok(graph)
}

fn walk(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(walk(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    Ok(files)
}

/// Every cycle of `graph`, each as the modules along it (`a → b → a`), once.
pub fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    let mut found: BTreeSet<Vec<String>> = BTreeSet::new();
    for start in graph.keys() {
        let mut path = vec![start.clone()];
        search(graph, start, &mut path, &mut found);
    }
    found.into_iter().collect()
}

fn search(graph: &Graph, start: &str, path: &mut Vec<String>, found: &mut BTreeSet<Vec<String>>) {
    let here = path.last().cloned().unwrap_or_default();
    for next in graph.get(&here).into_iter().flatten() {
        if next == start {
            // Recorded from its smallest module, so each cycle is found once.
            if path.iter().all(|m| m.as_str() >= start) {
                let mut cycle = path.clone();
                cycle.push(start.to_owned());
                found.insert(cycle);
            }
        } else if !path.contains(next) && next.as_str() > start && graph.contains_key(next) {
            path.push(next.clone());
            search(graph, start, path, found);
            path.pop();
        }
    }
}

/// Fails naming every cycle of every crate in the workspace.
pub fn check() -> Result<()> {
    let root = paths::root();
    let mut problems = Vec::new();
    for group in ["functions", "shared", "infra"] {
        for entry in std::fs::read_dir(root.join(group))? {
            let src = entry?.path().join("src");
            if !src.is_dir() {
                continue;
            }
            for cycle in cycles(&graph(&src)?) {
                problems.push(format!("{}: {}", src.strip_prefix(&root)?.display(), cycle.join(" → ")));
            }
        }
    }
    if !problems.is_empty() {
        bail!(
            "modules that use each other (give the piece they share a module of its own):\n  {}",
            problems.join("\n  ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph_of(edges: &[(&str, &[&str])]) -> Graph {
        edges.iter().map(|(m, to)| (m.to_string(), to.iter().map(|t| t.to_string()).collect())).collect()
    }

    #[test]
    fn reads_paths_groups_and_not_comments_or_other_crates() {
        let source = "use crate::app::{AppState, may_change};\nuse crate::{domain::Mover, store};\n\
                      // crate::ignored is a comment\nlet x = crate::service::new();\nuse platform_crate::x;\n\
                      #[cfg(test)]\nmod tests { use crate::only_in_tests; }";
        let used: Vec<_> = uses(source).into_iter().collect();
        assert_eq!(used, ["app", "domain", "service", "store"]);
    }

    #[test]
    fn finds_each_cycle_once_and_nothing_in_a_tree() {
        let cyclic = graph_of(&[("rest", &["commands", "app"]), ("commands", &["graphql"]), ("graphql", &["rest"])]);
        assert_eq!(cycles(&cyclic), [vec!["commands", "graphql", "rest", "commands"]]);
        let two = graph_of(&[("deploy", &["gaps"]), ("gaps", &["deploy"])]);
        assert_eq!(cycles(&two), [vec!["deploy", "gaps", "deploy"]]);
        let tree = graph_of(&[("gateway", &["rest", "graphql"]), ("rest", &["app"]), ("graphql", &["app"])]);
        assert!(cycles(&tree).is_empty());
    }

    #[test]
    fn the_workspace_has_no_cycles() {
        check().unwrap();
    }
}
