//! Contracts owned by the auth service.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::Contract;
use crate::event;
use crate::names::MessageName;

/// Data of `user.authed`: a user logged in and was given a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct UserAuthedData {
    /// The user id (the token's `sub`).
    pub user_id: String,
    /// The user's global roles.
    pub roles: Vec<String>,
    /// The access token issued.
    pub token: String,
}

/// Event `user.authed`.
pub struct UserAuthed;
impl Contract for UserAuthed {
    const NAME: MessageName = MessageName::Event(event!("user.authed"));
    type Data = UserAuthedData;
}
