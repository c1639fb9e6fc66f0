//! Contracts owned by the auth service.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::Contract;
use crate::names::MessageName;
use crate::{event, task};

/// Data of `user.authed`: a user was given an access token, on a login or when a
/// system asked for one with `auth.user.authorize`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct UserAuthedData {
    /// The user id (the token's `sub`).
    pub user_id: String,
    /// The user's global roles.
    pub roles: Vec<String>,
    /// The access token issued (RS256, verifiable with the JWKS).
    pub token: String,
    /// The asking system's reference, when the token answers `auth.user.authorize`
    /// (absent on a login).
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// Event `user.authed`.
pub struct UserAuthed;
impl Contract for UserAuthed {
    const NAME: MessageName = MessageName::Event(event!("user.authed"));
    type Data = UserAuthedData;
}

/// Data of `auth.user.authorize`: a system asks for an access token to act for a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorizeUserData {
    /// The caller's reference, echoed in the answer (at most 256 characters).
    #[serde(rename = "ref")]
    pub reference: String,
    /// The account's user id (`usr_...`).
    pub user_id: String,
}

/// Task `auth.user.authorize`: answered with `user.authed` or `user.refused`. Only
/// a system identity may ask (no token, or a token with the `system` role).
pub struct AuthorizeUser;
impl Contract for AuthorizeUser {
    const NAME: MessageName = MessageName::Task(task!("auth.user.authorize"));
    type Data = AuthorizeUserData;
}

/// Data of `user.refused`: `auth.user.authorize` was refused (a business outcome).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct UserRefusedData {
    /// The caller's reference, from the task.
    #[serde(rename = "ref")]
    pub reference: String,
    /// The user id asked for.
    pub user_id: String,
    /// Why: an unknown user, a disabled account, or a caller that may not ask.
    pub reason: String,
}

/// Event `user.refused`.
pub struct UserRefused;
impl Contract for UserRefused {
    const NAME: MessageName = MessageName::Event(event!("user.refused"));
    type Data = UserRefusedData;
}
