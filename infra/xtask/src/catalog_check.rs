//! The template must deliver to each service exactly what its catalog handles: its
//! events subscription filters on the consumed event names, its tasks subscription
//! on the service name, and nothing else reaches its queue.
use std::collections::BTreeSet;

use anyhow::{Result, bail};
use platform_messages::Catalog;
use serde_yaml::Value;

use crate::template::resources;

/// Every service catalog of the system: the one registry the drift check (and
/// [`unregistered`]) reads.
pub fn catalogs() -> Vec<Catalog> {
    vec![
        addressing::catalog::catalog(),
        auth::catalog::catalog(),
        movers::catalog::catalog(),
        moves::catalog::catalog(),
        notifications::catalog::catalog(),
        platform::canary::catalog(),
    ]
}

/// The services under `functions/` that the registry lacks, so a service added
/// later cannot be left out of the check.
pub fn unregistered(functions: &std::path::Path) -> Result<Vec<String>> {
    let registered: BTreeSet<&str> = catalogs().iter().map(|c| c.service).collect();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(functions)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().join("Cargo.toml").exists() && !registered.contains(name.as_str()) {
            missing.push(name);
        }
    }
    missing.sort();
    Ok(missing)
}

pub fn pascal(service: &str) -> String {
    service
        .split(['-', '_'])
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

fn references(value: &Value, logical_id: &str) -> bool {
    value["Ref"] == logical_id
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_sequence().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_owned)).collect()
}

/// Differences between one catalog and the template, as readable lines.
pub fn differences(template: &Value, catalog: &Catalog) -> Vec<String> {
    let mut diffs = Vec::new();
    if let Err(e) = catalog.check() {
        diffs.push(e);
    }
    let queue = format!("{}Queue", pascal(catalog.service));
    let subs: Vec<_> = resources(template)
        .into_iter()
        .filter(|(_, r)| r["Type"] == "AWS::SNS::Subscription")
        .filter(|(_, r)| r["Properties"]["Endpoint"]["Fn::GetAtt"][0] == queue.as_str())
        .collect();
    let on =
        |topic: &str| subs.iter().filter(|(_, r)| references(&r["Properties"]["TopicArn"], topic)).collect::<Vec<_>>();

    let handled: BTreeSet<String> = catalog.consumed_events().into_iter().map(str::to_owned).collect();
    match on("EventsTopic").as_slice() {
        [] if handled.is_empty() => {}
        [] => diffs.push(format!("{queue}: no subscription to EventsTopic, but the code handles {handled:?}")),
        [(id, r)] => {
            let p = &r["Properties"];
            let delivered = strings(&p["FilterPolicy"]["name"]);
            for name in handled.difference(&delivered) {
                diffs.push(format!("{id}: `{name}` is handled by the code but never delivered"));
            }
            for name in delivered.difference(&handled) {
                diffs.push(format!("{id}: `{name}` is delivered but the code has no handler for it"));
            }
            if p["FilterPolicy"].as_mapping().is_some_and(|m| m.len() != 1) {
                diffs.push(format!("{id}: the filter policy must filter on `name` only"));
            }
            diffs.extend(delivery_settings(id, p));
        }
        many => diffs.push(format!("{queue}: {} subscriptions to EventsTopic, expected one", many.len())),
    }

    let tasks = catalog.consumed_tasks();
    match on("TasksTopic").as_slice() {
        [] if tasks.is_empty() => {}
        [] => diffs.push(format!("{queue}: no subscription to TasksTopic, but the code handles {tasks:?}")),
        [(id, _)] if tasks.is_empty() => diffs.push(format!("{id}: tasks are delivered but the code handles none")),
        [(id, r)] => {
            let p = &r["Properties"];
            let services = strings(&p["FilterPolicy"]["service"]);
            if services != BTreeSet::from([catalog.service.to_owned()]) {
                diffs.push(format!("{id}: filter `service` is {services:?}, expected [\"{}\"]", catalog.service));
            }
            diffs.extend(delivery_settings(id, p));
        }
        many => diffs.push(format!("{queue}: {} subscriptions to TasksTopic, expected one", many.len())),
    }
    diffs
}

fn delivery_settings(id: &str, p: &Value) -> Vec<String> {
    let mut diffs = Vec::new();
    if p["RawMessageDelivery"] != Value::Bool(true) {
        diffs.push(format!("{id}: RawMessageDelivery must be true"));
    }
    if p["FilterPolicyScope"] != "MessageAttributes" {
        diffs.push(format!("{id}: FilterPolicyScope must be MessageAttributes"));
    }
    diffs
}

/// Fails when any service's catalog and the template disagree, or a service has
/// no catalog in the registry.
pub fn check(template: &Value) -> Result<()> {
    let missing = unregistered(&crate::paths::root().join("functions"))?;
    if !missing.is_empty() {
        bail!("services without a catalog in infra/xtask/src/catalog_check.rs `catalogs()`: {missing:?}");
    }
    let diffs: Vec<String> = catalogs().iter().flat_map(|c| differences(template, c)).collect();
    if !diffs.is_empty() {
        bail!("the template and the catalogs in code disagree:\n  {}", diffs.join("\n  "));
    }
    eprintln!("catalog check: template subscriptions match the catalogs of {} service(s)", catalogs().len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_under_functions_is_registered_and_a_new_one_is_found() {
        assert_eq!(unregistered(&crate::paths::root().join("functions")).unwrap(), Vec::<String>::new());
        let dir = std::env::temp_dir().join(format!("catalog-check-{}", std::process::id()));
        for service in ["addressing", "billing"] {
            std::fs::create_dir_all(dir.join(service)).unwrap();
            std::fs::write(dir.join(service).join("Cargo.toml"), "").unwrap();
        }
        let missing = unregistered(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(missing.unwrap(), ["billing"]);
    }

    #[test]
    fn removing_a_notifications_event_from_its_filter_is_drift() {
        let mut template = crate::template::template().unwrap();
        let names = &mut template["Resources"]["NotificationsEventsSubscription"]["Properties"]["FilterPolicy"]["name"];
        names.as_sequence_mut().unwrap().retain(|n| n != "move.booked");
        let notifications = notifications::catalog::catalog();
        let diffs = differences(&template, &notifications).join("\n");
        assert!(diffs.contains("`move.booked` is handled by the code but never delivered"), "{diffs}");
    }

    fn template_with(filter_names: &str, service: &str, raw: bool) -> Value {
        serde_yaml::from_str(&format!(
            r#"
Resources:
  AddressingEvents:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: {{Ref: EventsTopic}}
      Endpoint: {{"Fn::GetAtt": [AddressingQueue, Arn]}}
      RawMessageDelivery: {raw}
      FilterPolicyScope: MessageAttributes
      FilterPolicy: {{name: [{filter_names}]}}
  AddressingTasks:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: {{Ref: TasksTopic}}
      Endpoint: {{"Fn::GetAtt": [AddressingQueue, Arn]}}
      RawMessageDelivery: true
      FilterPolicyScope: MessageAttributes
      FilterPolicy: {{service: [{service}]}}
"#
        ))
        .unwrap()
    }

    #[test]
    fn the_real_template_matches() {
        let t = crate::template::template().unwrap();
        assert!(check(&t).is_ok(), "{:?}", check(&t));
    }

    #[test]
    fn matching_subscriptions_pass() {
        let c = addressing::catalog::catalog();
        assert!(differences(&template_with("address.received, canary.sent", "addressing", true), &c).is_empty());
    }

    #[test]
    fn drift_is_reported_both_ways() {
        let c = addressing::catalog::catalog();
        let d = differences(&template_with("mover.created", "movers", false), &c).join("\n");
        assert!(d.contains("`address.received` is handled by the code but never delivered"), "{d}");
        assert!(d.contains("`mover.created` is delivered but the code has no handler"), "{d}");
        assert!(d.contains("filter `service` is {\"movers\"}"), "{d}");
        assert!(d.contains("RawMessageDelivery must be true"), "{d}");
    }

    #[test]
    fn a_missing_subscription_is_reported() {
        let c = addressing::catalog::catalog();
        let t: Value = serde_yaml::from_str("Resources: {}").unwrap();
        let d = differences(&t, &c).join("\n");
        assert!(d.contains("no subscription to EventsTopic"), "{d}");
        assert!(d.contains("no subscription to TasksTopic"), "{d}");
    }
}
