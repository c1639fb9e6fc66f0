//! Configuration read once from the environment at cold start; every error names
//! the variable and what is wrong with it.
use std::str::FromStr;

use thiserror::Error;

/// A missing or malformed environment variable.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    /// The variable is not set (or empty).
    #[error("environment variable {0} is required but not set")]
    Missing(String),
    /// The variable is set but cannot be parsed.
    #[error("environment variable {name}={value:?} is invalid: {reason}")]
    Invalid {
        /// The variable name.
        name: String,
        /// Its value.
        value: String,
        /// Why it was refused.
        reason: String,
    },
}

/// Reads variables from a source (the process environment, or a map in tests).
pub struct Env<F: Fn(&str) -> Option<String>>(F);

impl Env<fn(&str) -> Option<String>> {
    /// The process environment.
    pub fn process() -> Self {
        Env(|name| std::env::var(name).ok())
    }
}

/// Variables from fixed pairs, for the tests of what reads them.
#[cfg(test)]
pub(crate) fn env(pairs: &'static [(&'static str, &'static str)]) -> Env<impl Fn(&str) -> Option<String>> {
    Env::from_fn(move |n| pairs.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string()))
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    /// Variables from any lookup function.
    pub fn from_fn(lookup: F) -> Self {
        Env(lookup)
    }

    /// A required, non-empty string.
    pub fn required(&self, name: &str) -> Result<String, ConfigError> {
        match (self.0)(name) {
            Some(v) if !v.trim().is_empty() => Ok(v),
            _ => Err(ConfigError::Missing(name.to_owned())),
        }
    }

    /// A required value parsed with `FromStr`.
    pub fn parse<T: FromStr>(&self, name: &str) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        let value = self.required(name)?;
        value.parse().map_err(|e: T::Err| ConfigError::Invalid { name: name.to_owned(), value, reason: e.to_string() })
    }

    /// An optional value parsed with `FromStr`, `default` when unset.
    pub fn parse_or<T: FromStr>(&self, name: &str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.parse(name) {
            Err(ConfigError::Missing(_)) => Ok(default),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_variable() {
        let e = env(&[("LEASE", "ten"), ("EMPTY", " ")]);
        assert_eq!(e.required("TABLE_NAME"), Err(ConfigError::Missing("TABLE_NAME".into())));
        assert_eq!(e.required("EMPTY"), Err(ConfigError::Missing("EMPTY".into())));
        let err = e.parse::<u64>("LEASE").unwrap_err().to_string();
        assert!(err.contains("LEASE=\"ten\" is invalid"), "{err}");
    }

    #[test]
    fn defaults_apply_only_when_unset() {
        let e = env(&[("N", "7"), ("BAD", "x")]);
        assert_eq!(e.parse_or("N", 1u32), Ok(7));
        assert_eq!(e.parse_or("UNSET", 1u32), Ok(1));
        assert!(e.parse_or("BAD", 1u32).is_err());
    }
}
