//! Errors of names and envelopes, each saying what was wrong with the input.
use thiserror::Error;

/// A message name that does not follow the naming rules.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    /// The name has the wrong number of dot-separated segments for its kind.
    #[error("`{name}` is not a valid {kind} name: expected {expected}")]
    Shape {
        /// The rejected name.
        name: String,
        /// `event` or `task`.
        kind: &'static str,
        /// The expected shape, e.g. `<entity>.<verb-past>`.
        expected: &'static str,
    },
    /// A segment is empty or holds characters other than lowercase ASCII letters, digits and `_`.
    #[error(
        "`{name}` has an invalid segment `{segment}`: segments are lowercase ASCII letters, digits and `_`, starting with a letter"
    )]
    Segment {
        /// The rejected name.
        name: String,
        /// The offending segment.
        segment: String,
    },
}

/// A message body that is not a valid version 1 envelope.
#[derive(Debug, Error)]
pub enum EnvelopeError {
    /// The body is not JSON, or a field is missing or has the wrong type.
    #[error("body is not a valid envelope: {0}")]
    Malformed(#[from] serde_json::Error),
    /// The `name` field is not a valid name.
    #[error(transparent)]
    Name(#[from] NameError),
    /// `kind` disagrees with the shape of `name`.
    #[error("`kind` is `{kind}` but `{name}` is the name of a {expected}")]
    KindMismatch {
        /// The name in the envelope.
        name: String,
        /// The kind in the envelope.
        kind: String,
        /// The kind the name implies.
        expected: String,
    },
    /// The envelope's `schema` is not one this code understands.
    #[error("unsupported envelope schema version {0} (this code understands version 1)")]
    UnsupportedSchema(u32),
    /// The typed `data` does not match the payload type of the message.
    #[error("`data` of `{name}` does not match its payload type: {source}")]
    Data {
        /// The message name.
        name: String,
        /// The decoding failure.
        source: serde_json::Error,
    },
}
