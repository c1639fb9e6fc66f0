//! The platform's own end-to-end canary: `canary.sent` goes to every service's queue
//! through the real topic and filters, and each service's worker answers
//! `canary.answered` with its name and version. Every worker's catalog carries
//! both ([`Catalog::with_canary`]) and the platform's worker answers it.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, CatalogEntry, Contract};
use crate::event;
use crate::names::MessageName;

/// Data of `canary.sent`: a synthetic message every worker answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CanarySentData {
    /// The run of the canary, echoed in every answer.
    pub canary_id: String,
}

/// Event `canary.sent`.
pub struct CanarySent;
impl Contract for CanarySent {
    const NAME: MessageName = MessageName::Event(event!("canary.sent"));
    type Data = CanarySentData;
}

/// Data of `canary.answered`: one worker received the canary and can publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CanaryAnsweredData {
    /// The canary's run, from `canary.sent`.
    pub canary_id: String,
    /// The service that answered.
    pub service: String,
    /// The answering function's version (`AWS_LAMBDA_FUNCTION_VERSION`: a number
    /// behind the `live` alias, `$LATEST` where none is published) and the build's
    /// crate version, as `<function version>/<crate version>`.
    pub version: String,
}

/// Event `canary.answered`.
pub struct CanaryAnswered;
impl Contract for CanaryAnswered {
    const NAME: MessageName = MessageName::Event(event!("canary.answered"));
    type Data = CanaryAnsweredData;
}

impl Catalog {
    /// The catalog of a service with a worker: it also consumes `canary.sent` and
    /// publishes `canary.answered`, which every consumer of the platform answers (a
    /// worker whose catalog lacks them fails its cold start, like any handler the
    /// catalog does not declare).
    pub fn with_canary(mut self) -> Self {
        self.consumes.push(CatalogEntry::of::<CanarySent>());
        self.publishes.push(CatalogEntry::of::<CanaryAnswered>());
        self
    }
}
