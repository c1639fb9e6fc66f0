//! What a function may send: its cold start declares its service's catalog
//! ([`declare`]), and from then on a message whose name the catalog does not
//! publish is refused where it would leave the process (every publisher and the
//! outbox encode it first, in [`Outgoing::encode`](super::Outgoing::encode)), with
//! an error that names the service, the message and where to declare it. A process
//! that declared nothing (a test, an operator tool, the outbox relay, which sends
//! only what a service wrote) is held to no catalog.
use std::collections::BTreeSet;
use std::sync::OnceLock;

use platform_messages::Catalog;

use super::outgoing::PublishError;

/// A service and the names its catalog publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    service: String,
    names: BTreeSet<String>,
}

impl Declared {
    /// What `catalog` lets its service send.
    pub fn of(catalog: &Catalog) -> Self {
        let names = catalog.publishes.iter().map(|e| e.name.as_str().to_owned()).collect();
        Self { service: catalog.service.to_owned(), names }
    }

    /// `Ok` when the service may send `name`.
    pub fn allows(&self, name: &str) -> Result<(), PublishError> {
        if self.names.contains(name) {
            return Ok(());
        }
        Err(PublishError::Undeclared { service: self.service.clone(), name: name.to_owned() })
    }
}

static DECLARED: OnceLock<Declared> = OnceLock::new();

/// Holds this process to `catalog` from now on (the first declaration stands).
pub fn declare(catalog: &Catalog) {
    let _ = DECLARED.set(Declared::of(catalog));
}

/// `Ok` when this process may send `name`.
pub(crate) fn check(name: &str) -> Result<(), PublishError> {
    DECLARED.get().map_or(Ok(()), |declared| declared.allows(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use platform_messages::CatalogEntry;
    use platform_messages::contracts::addressing::{AddressReceived, AddressReconciled};

    #[test]
    fn a_service_may_send_what_its_catalog_publishes_and_nothing_else() {
        let catalog = Catalog {
            service: "addressing",
            consumes: vec![CatalogEntry::of::<AddressReceived>()],
            publishes: vec![CatalogEntry::of::<AddressReconciled>()],
        };
        let declared = Declared::of(&catalog);
        assert!(declared.allows("address.reconciled").is_ok());
        let refused = declared.allows("address.received").unwrap_err().to_string();
        assert!(refused.contains("`addressing` sends `address.received`"), "{refused}");
        assert!(refused.contains("functions/addressing/src/catalog.rs"), "{refused}");
    }
}
