//! What a Lambda deployment deploys, from its AppSpec content (JSON or YAML):
//! `Resources: [{<id>: {Type: AWS::Lambda::Function, Properties: {Name, Alias,
//! CurrentVersion, TargetVersion}}}]`.
use serde::Deserialize;

/// The function version a deployment shifts traffic to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The function's name.
    pub function: String,
    /// The alias being moved (`live`).
    pub alias: String,
    /// The version the alias leaves.
    pub current_version: String,
    /// The version it moves to: the one to try.
    pub target_version: String,
}

#[derive(Deserialize)]
struct AppSpec {
    #[serde(rename = "Resources")]
    resources: Vec<std::collections::BTreeMap<String, Resource>>,
}

#[derive(Deserialize)]
struct Resource {
    #[serde(rename = "Type")]
    kind: String,
    #[serde(rename = "Properties")]
    properties: Properties,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Properties {
    name: String,
    alias: String,
    current_version: serde_yaml::Value,
    target_version: serde_yaml::Value,
}

/// A version written as a number or a string.
fn version(value: &serde_yaml::Value) -> Option<String> {
    match value {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The one Lambda function of `content`, or what is wrong with it.
pub fn target(content: &str) -> Result<Target, String> {
    let spec: AppSpec = serde_yaml::from_str(content).map_err(|e| format!("the AppSpec does not parse: {e}"))?;
    let mut functions =
        spec.resources.into_iter().flat_map(|r| r.into_values()).filter(|r| r.kind == "AWS::Lambda::Function");
    let resource = functions.next().ok_or("the AppSpec names no Lambda function")?;
    if functions.next().is_some() {
        return Err("the AppSpec names more than one Lambda function".into());
    }
    let p = resource.properties;
    let (Some(current_version), Some(target_version)) = (version(&p.current_version), version(&p.target_version))
    else {
        return Err("the AppSpec's versions are neither numbers nor strings".into());
    };
    Ok(Target { function: p.name, alias: p.alias, current_version, target_version })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_version_is_read_from_json_and_yaml() {
        let json = r#"{"version":0.0,"Resources":[{"AddressingWorker":{"Type":"AWS::Lambda::Function",
            "Properties":{"Name":"updater-AddressingWorker-1","Alias":"live","CurrentVersion":"3","TargetVersion":"4"}}}]}"#;
        let wanted = Target {
            function: "updater-AddressingWorker-1".into(),
            alias: "live".into(),
            current_version: "3".into(),
            target_version: "4".into(),
        };
        assert_eq!(target(json).unwrap(), wanted);
        let yaml = "version: 0.0\nResources:\n  - AddressingWorker:\n      Type: AWS::Lambda::Function\n      \
                    Properties:\n        Name: updater-AddressingWorker-1\n        Alias: live\n        \
                    CurrentVersion: 3\n        TargetVersion: 4\n";
        assert_eq!(target(yaml).unwrap(), wanted);
    }

    #[test]
    fn an_appspec_without_one_function_is_refused_with_a_reason() {
        assert!(target("{").unwrap_err().contains("does not parse"));
        assert_eq!(target(r#"{"Resources":[]}"#).unwrap_err(), "the AppSpec names no Lambda function");
    }
}
