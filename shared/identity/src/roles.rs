//! The global roles. Each service maps them to its own permissions.
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A global role carried in tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Role {
    /// Other systems and operators: may do everything.
    #[serde(rename = "system")]
    System,
    /// A person moving home.
    #[serde(rename = "user-mover")]
    UserMover,
    /// A client of the company (e.g. a property manager).
    #[serde(rename = "user-client")]
    UserClient,
    /// A business partner (e.g. a moving company).
    #[serde(rename = "user-business")]
    UserBusiness,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [Role::System, Role::UserMover, Role::UserClient, Role::UserBusiness];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::UserMover => "user-mover",
            Role::UserClient => "user-client",
            Role::UserBusiness => "user-business",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}` (known: system, user-mover, user-client, user-business)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{r}\""));
        }
        assert!("admin".parse::<Role>().unwrap_err().contains("unknown role `admin`"));
    }
}
