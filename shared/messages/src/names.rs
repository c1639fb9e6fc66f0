//! Checked message names: events are `<entity>.<verb-past>`, tasks are
//! `<service>.<entity>.<request>`, every segment lowercase ASCII.
//!
//! Names written as literals are checked at compile time:
//!
//! ```
//! use platform_messages::{event, task};
//! let created = event!("mover.created");
//! let reconcile = task!("addressing.address.reconcile");
//! assert_eq!(reconcile.service(), "addressing");
//! # let _ = created;
//! ```
//!
//! ```compile_fail
//! // Upper case is not allowed: this does not compile.
//! let bad = platform_messages::event!("Mover.Created");
//! ```
//!
//! ```compile_fail
//! // A task needs three segments: this does not compile.
//! let bad = platform_messages::task!("mover.create");
//! ```
use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::NameError;

/// Whether a message is a fact (`event`) or work asked of one service (`task`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A fact: `<entity>.<verb-past>`.
    Event,
    /// Work asked of one service: `<service>.<entity>.<request>`.
    Task,
}

impl Kind {
    /// The wire spelling: `event` or `task`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Event => "event",
            Kind::Task => "task",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const fn segment_is_valid(bytes: &[u8], start: usize, end: usize) -> bool {
    if start >= end || !bytes[start].is_ascii_lowercase() {
        return false;
    }
    let mut i = start + 1;
    while i < end {
        let b = bytes[i];
        if !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return false;
        }
        i += 1;
    }
    true
}

/// Counts segments and checks each; `None` when a segment is invalid.
const fn valid_segment_count(name: &str) -> Option<usize> {
    let bytes = name.as_bytes();
    let mut count = 0;
    let mut start = 0;
    let mut i = 0;
    while i <= bytes.len() {
        if i == bytes.len() || bytes[i] == b'.' {
            if !segment_is_valid(bytes, start, i) {
                return None;
            }
            count += 1;
            start = i + 1;
        }
        i += 1;
    }
    Some(count)
}

fn check(name: &str, kind: Kind) -> Result<(), NameError> {
    let (segments, expected) = match kind {
        Kind::Event => (2, "<entity>.<verb-past>"),
        Kind::Task => (3, "<service>.<entity>.<request>"),
    };
    // One pass for a valid name (every record's); the rest only to say what is wrong.
    if valid_segment_count(name) == Some(segments) {
        return Ok(());
    }
    if name.split('.').count() != segments {
        return Err(NameError::Shape { name: name.to_owned(), kind: kind.as_str(), expected });
    }
    if let Some(segment) = name.split('.').find(|s| !segment_is_valid(s.as_bytes(), 0, s.len())) {
        return Err(NameError::Segment { name: name.to_owned(), segment: segment.to_owned() });
    }
    Ok(())
}

macro_rules! name_type {
    ($(#[$doc:meta])* $ty:ident, $kind:expr, $segments:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $ty(Cow<'static, str>);

        impl $ty {
            /// Checks a literal at compile time when used in a `const`
            /// (the `event!`/`task!` macros do that); panics otherwise.
            pub const fn from_static(name: &'static str) -> Self {
                match valid_segment_count(name) {
                    Some($segments) => Self(Cow::Borrowed(name)),
                    _ => panic!(concat!("invalid ", stringify!($ty), " literal")),
                }
            }

            /// Parses a name read at runtime.
            pub fn parse(name: &str) -> Result<Self, NameError> {
                check(name, $kind)?;
                Ok(Self(Cow::Owned(name.to_owned())))
            }

            /// The name as written on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $ty {
            type Err = NameError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

name_type!(
    /// An event name, `<entity>.<verb-past>`, e.g. `mover.created`.
    EventName, Kind::Event, 2
);
name_type!(
    /// A task name, `<service>.<entity>.<request>`, e.g. `addressing.address.reconcile`.
    TaskName, Kind::Task, 3
);

impl TaskName {
    /// The service the task is addressed to (the first segment).
    pub fn service(&self) -> &str {
        self.0.split('.').next().unwrap_or_default()
    }
}

/// The name of any message: an event or a task.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageName {
    /// An event name.
    Event(EventName),
    /// A task name.
    Task(TaskName),
}

impl MessageName {
    /// Parses a name read at runtime for the given kind.
    pub fn parse(name: &str, kind: Kind) -> Result<Self, NameError> {
        Ok(match kind {
            Kind::Event => Self::Event(EventName::parse(name)?),
            Kind::Task => Self::Task(TaskName::parse(name)?),
        })
    }

    /// Parses a name, taking its kind from its shape (two segments: event, three: task).
    pub fn infer(name: &str) -> Result<Self, NameError> {
        let kind = if name.split('.').count() == 3 { Kind::Task } else { Kind::Event };
        Self::parse(name, kind)
    }

    /// The kind the name belongs to.
    pub fn kind(&self) -> Kind {
        match self {
            Self::Event(_) => Kind::Event,
            Self::Task(_) => Kind::Task,
        }
    }

    /// The name as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Event(n) => n.as_str(),
            Self::Task(n) => n.as_str(),
        }
    }

    /// For a task, the service it is addressed to.
    pub fn target_service(&self) -> Option<&str> {
        match self {
            Self::Event(_) => None,
            Self::Task(n) => Some(n.service()),
        }
    }
}

impl fmt::Display for MessageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<EventName> for MessageName {
    fn from(n: EventName) -> Self {
        Self::Event(n)
    }
}

impl From<TaskName> for MessageName {
    fn from(n: TaskName) -> Self {
        Self::Task(n)
    }
}

/// An event name literal, checked at compile time: `event!("mover.created")`.
#[macro_export]
macro_rules! event {
    ($name:literal) => {{
        const NAME: $crate::EventName = $crate::EventName::from_static($name);
        NAME
    }};
}

/// A task name literal, checked at compile time: `task!("movers.mover.create")`.
#[macro_export]
macro_rules! task {
    ($name:literal) => {{
        const NAME: $crate::TaskName = $crate::TaskName::from_static($name);
        NAME
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names_parse() {
        for n in ["mover.created", "address.received", "user.authed", "move2.booked", "b_2.x"] {
            assert_eq!(EventName::parse(n).unwrap().as_str(), n);
        }
        let t = TaskName::parse("addressing.address.reconcile").unwrap();
        assert_eq!(t.service(), "addressing");
    }

    #[test]
    fn bad_names_are_refused_with_a_reason() {
        let cases = [
            ("mover", Kind::Event),
            ("mover.created.now", Kind::Event),
            ("Mover.created", Kind::Event),
            ("mover..created", Kind::Event),
            ("mover.", Kind::Event),
            (".created", Kind::Event),
            ("mover.cré", Kind::Event),
            ("mover.created ", Kind::Event),
            ("1mover.created", Kind::Event),
            ("mover-x.created", Kind::Event),
            ("movers.mover", Kind::Task),
            ("movers.mover.create.now", Kind::Task),
            ("movers.Mover.create", Kind::Task),
            ("", Kind::Task),
        ];
        for (name, kind) in cases {
            let err = MessageName::parse(name, kind).expect_err(name);
            assert!(err.to_string().contains(&format!("`{name}`")), "{err}");
        }
    }

    #[test]
    fn macros_build_static_names() {
        assert_eq!(event!("address.reconciled").as_str(), "address.reconciled");
        assert_eq!(task!("addressing.address.reconcile").service(), "addressing");
    }

    #[test]
    fn infer_takes_kind_from_shape() {
        assert_eq!(MessageName::infer("a.b").unwrap().kind(), Kind::Event);
        assert_eq!(MessageName::infer("a.b.c").unwrap().kind(), Kind::Task);
        assert!(MessageName::infer("a").is_err());
    }

    #[test]
    fn names_round_trip_through_json() {
        let n: EventName = serde_json::from_str("\"mover.created\"").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"mover.created\"");
        assert!(serde_json::from_str::<EventName>("\"Mover\"").is_err());
    }
}
