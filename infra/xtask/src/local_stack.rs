//! A stack deployed on the local emulator, as `cargo xtask up` left it: its
//! outputs (in `.local/stack-<port>.json`) and the base URL of its REST API.
use std::collections::BTreeMap;

use anyhow::{Context, Result};

use crate::paths;

/// The outputs of the stack `cargo xtask up` deployed on `port`.
pub fn outputs(port: u16) -> Result<BTreeMap<String, String>> {
    let file = paths::local().join(format!("stack-{port}.json"));
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("{} is missing: run `cargo xtask up` first", file.display()))?;
    Ok(serde_json::from_str(&text)?)
}

/// The local base URL of the REST API.
pub fn api_base(port: u16, outputs: &BTreeMap<String, String>) -> Option<String> {
    Some(format!("http://127.0.0.1:{port}/_aws/execute-api/{}/{}", outputs.get("ApiId")?, outputs.get("ApiStage")?))
}
