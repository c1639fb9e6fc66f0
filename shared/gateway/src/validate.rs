//! The field checks, shared with the domains (see `platform_messages::validate`); a
//! broken rule ([`Invalid`]) answers 400 `invalid_field`.
pub use platform_messages::validate::*;
