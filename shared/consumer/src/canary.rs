//! The answer every worker gives the platform's end-to-end canary: `canary.sent`
//! reaches each service's queue through the real topic and filters, and the worker
//! answers `canary.answered` with its service name and version. Every consumer
//! registers it when it is made ([`crate::Consumer::new`]), so no worker can be
//! without it, and its catalog must declare it (`Catalog::with_canary`).
use platform_messages::contracts::canary::{CanaryAnswered, CanaryAnsweredData, CanarySent};

use super::acting::Accepts;
use super::batch::Consumer;
use super::handler::Emit;

pub use platform::version::version;

impl Consumer {
    /// Adds the canary's route: system work, answered with `service` and [`version`].
    pub(super) fn answering_canary(self, service: String) -> Self {
        let version = version();
        self.on::<CanarySent, _, _>(Accepts::SystemWork, move |sent, _origin| {
            let answer = CanaryAnsweredData {
                canary_id: sent.data.canary_id,
                service: service.clone(),
                version: version.clone(),
            };
            async move { Emit::one::<CanaryAnswered>(&answer) }
        })
    }
}
