//! Publishing to the bus: events to the `events` SNS topic, tasks to the `tasks` topic,
//! each with the envelope as body and the routing attributes.
mod declared;
mod origin;
mod outgoing;
mod packing;
#[cfg(any(test, feature = "testing"))]
mod recording;
mod sns;

pub use declared::{Declared, declare};
pub use origin::Origin;
pub use outgoing::{MAX_MESSAGE_BYTES, Outgoing, Publish, PublishError};
#[cfg(any(test, feature = "testing"))]
pub use recording::RecordingPublisher;
pub use sns::{SnsPublisher, Topics};
