//! The generated documents of `docs/`: `asyncapi.yaml` (the bus, AsyncAPI 3.0),
//! `openapi.json` (the REST API, OpenAPI 3.1) and `system.md` (the map of services,
//! messages and tables). `cargo xtask docs` writes them; `check` fails when one is
//! stale; `test` validates the AsyncAPI document with the reference parser,
//! `@asyncapi/parser` from npm (installed into `.local/asyncapi/`), and the OpenAPI
//! document with `openapi-spec-validator` from PyPI (into `.local/docs-venv/`).
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::paths;
use crate::process::run;

/// The parser's version, pinned.
const PARSER: &str = "@asyncapi/parser@3.6.3";

fn generated() -> Result<Vec<(&'static str, String)>> {
    let catalogs = crate::catalog_check::catalogs();
    let template = crate::template::template()?;
    Ok(vec![
        ("docs/asyncapi.yaml", crate::asyncapi::render(&catalogs)),
        ("docs/openapi.json", crate::openapi::render()),
        ("docs/system.md", crate::system_map::render(&catalogs, &template)),
    ])
}

/// Writes the documents.
pub fn write() -> Result<()> {
    for (file, text) in generated()? {
        std::fs::write(paths::root().join(file), text)?;
        eprintln!("wrote {file}");
    }
    Ok(())
}

/// Fails when a document differs from what the code says.
pub fn check() -> Result<()> {
    for (file, text) in generated()? {
        let current = std::fs::read_to_string(paths::root().join(file)).unwrap_or_default();
        if current != text {
            bail!("{file} is stale: run `cargo xtask docs`");
        }
    }
    eprintln!("docs: asyncapi.yaml, openapi.json and system.md are current");
    Ok(())
}

/// Validates `docs/asyncapi.yaml` and `docs/openapi.json` with their reference validators.
pub fn validate() -> Result<()> {
    validate_asyncapi()?;
    let bin = crate::venv::ensure_docs_tools()?;
    run(Command::new(bin.join("openapi-spec-validator")).arg(paths::root().join("docs/openapi.json")))
        .context("docs/openapi.json is not a valid OpenAPI document")
}

fn validate_asyncapi() -> Result<()> {
    let modules = paths::local().join("asyncapi");
    let installed = modules.join("node_modules/@asyncapi/parser/package.json");
    let version = std::fs::read_to_string(&installed).unwrap_or_default();
    if !version.contains(&format!("\"version\": \"{}\"", PARSER.rsplit('@').next().unwrap_or_default())) {
        std::fs::create_dir_all(&modules)?;
        run(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix"])
            .arg(&modules)
            .arg(PARSER))
        .context("installing the AsyncAPI parser from npm (node and npm are needed)")?;
    }
    run(Command::new("node")
        .arg(paths::root().join("infra/xtask/asyncapi-validate.cjs"))
        .arg(&modules)
        .arg(paths::root().join("docs/asyncapi.yaml")))
}
