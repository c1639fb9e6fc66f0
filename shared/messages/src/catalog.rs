//! Contracts (a name with its payload type) and each service's catalog of what it
//! consumes and publishes, from which JSON Schemas and the template check are made.
use schemars::{JsonSchema, Schema};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::names::{Kind, MessageName};

/// A message on the bus: its checked name and the type of its `data`.
pub trait Contract: 'static {
    /// The message name (use `MessageName::Event(event!(..))` or `MessageName::Task(task!(..))`).
    const NAME: MessageName;
    /// The payload type.
    type Data: Serialize + DeserializeOwned + JsonSchema + Send + Sync + 'static;
}

/// One message of a catalog, with its payload's JSON Schema.
#[derive(Debug, Clone)]
pub struct CatalogEntry {
    /// The message name.
    pub name: MessageName,
    schema: fn() -> Schema,
    decode: fn(&serde_json::Value) -> Result<(), String>,
}

impl CatalogEntry {
    /// The entry for a contract.
    pub fn of<C: Contract>() -> Self {
        Self {
            name: C::NAME,
            schema: || schemars::schema_for!(C::Data),
            decode: |data| C::Data::deserialize(data).map(|_| ()).map_err(|e| e.to_string()),
        }
    }

    /// The JSON Schema of the payload.
    pub fn schema(&self) -> Schema {
        (self.schema)()
    }

    /// Whether `data` is a payload of this message, as its consumers decode it; the
    /// reason when it is not.
    pub fn validate(&self, data: &serde_json::Value) -> Result<(), String> {
        (self.decode)(data)
    }
}

/// What one service consumes and publishes.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The service name (the first segment of its tasks).
    pub service: &'static str,
    /// Messages its workers handle.
    pub consumes: Vec<CatalogEntry>,
    /// Messages it publishes.
    pub publishes: Vec<CatalogEntry>,
}

impl Catalog {
    /// Names of the events the service handles: its events subscription must list exactly these.
    pub fn consumed_events(&self) -> Vec<&str> {
        self.consumes.iter().filter(|e| e.name.kind() == Kind::Event).map(|e| e.name.as_str()).collect()
    }

    /// Names of the tasks the service handles (all addressed to it).
    pub fn consumed_tasks(&self) -> Vec<&str> {
        self.consumes.iter().filter(|e| e.name.kind() == Kind::Task).map(|e| e.name.as_str()).collect()
    }

    /// Compares the names a consumer registered handlers for with what the catalog
    /// says the service consumes; each difference is a sentence.
    pub fn handlers_match(&self, handled: &[&str]) -> Result<(), String> {
        let declared: std::collections::BTreeSet<&str> = self.consumes.iter().map(|e| e.name.as_str()).collect();
        let handled: std::collections::BTreeSet<&str> = handled.iter().copied().collect();
        let mut problems = Vec::new();
        for name in declared.difference(&handled) {
            problems.push(format!("`{name}` is in the catalog of `{}` but has no handler", self.service));
        }
        for name in handled.difference(&declared) {
            problems.push(format!("`{name}` has a handler in `{}` but is not in its catalog", self.service));
        }
        if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
    }

    /// Checks the catalog is coherent: consumed tasks are addressed to this service.
    pub fn check(&self) -> Result<(), String> {
        for entry in &self.consumes {
            if let Some(target) = entry.name.target_service()
                && target != self.service
            {
                return Err(format!(
                    "service `{}` consumes task `{}`, which is addressed to `{target}`",
                    self.service, entry.name
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::addressing::{AddressReceived, ReconcileAddress};

    #[test]
    fn an_entry_validates_a_payload_as_its_consumers_decode_it() {
        let entry = CatalogEntry::of::<crate::contracts::canary::CanarySent>();
        assert_eq!(entry.validate(&serde_json::json!({"canary_id": "c1"})), Ok(()));
        assert!(entry.validate(&serde_json::json!({})).unwrap_err().contains("missing field `canary_id`"));
        assert!(entry.validate(&serde_json::json!({"canary_id": 7})).unwrap_err().contains("invalid type"));
    }

    #[test]
    fn handlers_must_equal_the_consumed_names() {
        let catalog = Catalog {
            service: "addressing",
            consumes: vec![CatalogEntry::of::<AddressReceived>(), CatalogEntry::of::<ReconcileAddress>()],
            publishes: vec![],
        };
        assert_eq!(catalog.handlers_match(&["addressing.address.reconcile", "address.received"]), Ok(()));
        let missing = catalog.handlers_match(&["address.received"]).unwrap_err();
        assert!(
            missing.contains("`addressing.address.reconcile` is in the catalog of `addressing` but has no handler")
        );
        let extra = catalog.handlers_match(&["address.received", "addressing.address.reconcile", "mover.created"]);
        assert!(extra.unwrap_err().contains("`mover.created` has a handler in `addressing` but is not in its catalog"));
    }
}
