//! The ids that travel between services, as types of their own, so that a mover's
//! id cannot be passed where a booking's is meant. On the wire each is the plain
//! string it always was (`mov_…`, `bkg_…`).
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize, JsonSchema)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    };
}

string_id!(
    /// A mover's id (`mov_…`).
    MoverId
);

string_id!(
    /// A booking's id (`bkg_…`).
    BookingId
);

string_id!(
    /// A user's id, the `sub` of their tokens (`usr_…`): who owns a mover or a booking.
    UserId
);

string_id!(
    /// An address's stable id (`adr_…`): one per normalized address, whoever submitted it.
    AddressId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_plain_string_on_the_wire() {
        let id = MoverId::from("mov_1");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"mov_1\"");
        assert_eq!(serde_json::from_str::<BookingId>("\"bkg_1\"").unwrap(), "bkg_1");
        assert_eq!(format!("{id}"), "mov_1");
    }
}
