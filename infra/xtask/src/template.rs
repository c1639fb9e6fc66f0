//! `template.yaml` read as data (its intrinsics in long form): the resources by
//! logical id, and the Rust functions with their cargo binaries. Deploys, checks and
//! tools all read the template through here.
use anyhow::{Context, Result};
use serde_yaml::Value;

use crate::paths;

/// A Rust function of the template: its logical id and its cargo binary.
#[derive(Debug, Clone)]
pub struct Function {
    /// Logical id in the template.
    pub logical_id: String,
    /// The cargo binary (`Metadata.BuildProperties.Binary`).
    pub binary: String,
    /// The crate's folder it is built from (`Properties.CodeUri`).
    pub code_uri: String,
}

/// Reads template.yaml as plain YAML (intrinsics are in long form).
pub fn template() -> Result<Value> {
    let text = std::fs::read_to_string(paths::root().join("template.yaml"))?;
    serde_yaml::from_str(&text).context("parsing template.yaml")
}

/// The template's resources, by logical id.
pub fn resources(template: &Value) -> Vec<(String, &Value)> {
    template
        .get("Resources")
        .and_then(Value::as_mapping)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v))).collect())
        .unwrap_or_default()
}

/// Every function built with cargo-lambda.
pub fn functions(template: &Value) -> Vec<Function> {
    resources(template)
        .into_iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function" && r["Metadata"]["BuildMethod"] == "rust-cargolambda")
        .filter_map(|(id, r)| {
            let binary = r["Metadata"]["BuildProperties"]["Binary"].as_str()?.to_owned();
            let code_uri = r["Properties"]["CodeUri"].as_str().unwrap_or_default().to_owned();
            Some(Function { logical_id: id, binary, code_uri })
        })
        .collect()
}
