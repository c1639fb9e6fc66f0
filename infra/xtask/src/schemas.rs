//! JSON Schemas of every payload, generated from the Rust types into
//! `docs/schemas/<message name>.json`, and the GraphQL SDL of each GraphQL
//! endpoint into `docs/<service>.graphql`; `check` fails when any is stale.
use std::collections::BTreeMap;

use anyhow::{Result, bail};

use crate::catalog_check::catalogs;
use crate::paths;

fn generated() -> Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    for catalog in catalogs() {
        for entry in catalog.consumes.iter().chain(&catalog.publishes) {
            let text = serde_json::to_string_pretty(&entry.schema())? + "\n";
            files.insert(format!("{}.json", entry.name), text);
        }
    }
    Ok(files)
}

/// The GraphQL SDL of each service that has a GraphQL endpoint, by file name.
fn graphql() -> BTreeMap<&'static str, String> {
    BTreeMap::from([("movers.graphql", movers::graphql::schema().sdl())])
}

/// Writes the schemas.
pub fn write() -> Result<()> {
    let dir = paths::root().join("docs/schemas");
    std::fs::create_dir_all(&dir)?;
    for (file, text) in generated()? {
        std::fs::write(dir.join(&file), text)?;
        eprintln!("wrote docs/schemas/{file}");
    }
    for (file, sdl) in graphql() {
        std::fs::write(paths::root().join("docs").join(file), sdl)?;
        eprintln!("wrote docs/{file}");
    }
    Ok(())
}

/// Fails when a schema file is missing or differs from the types.
pub fn check() -> Result<()> {
    let dir = paths::root().join("docs/schemas");
    let mut stale = Vec::new();
    let files = generated()?;
    for (file, text) in &files {
        if std::fs::read_to_string(dir.join(file)).ok().as_deref() != Some(text.as_str()) {
            stale.push(file.clone());
        }
    }
    for (file, sdl) in graphql() {
        if std::fs::read_to_string(paths::root().join("docs").join(file)).ok().as_deref() != Some(sdl.as_str()) {
            stale.push(format!("../{file}"));
        }
    }
    if !stale.is_empty() {
        bail!("docs/schemas is stale for {stale:?}: run `cargo xtask schemas` and commit the result");
    }
    eprintln!("schema check: {} payload schemas are current", files.len());
    Ok(())
}
