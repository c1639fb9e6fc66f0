//! The CQRS command endpoint, `POST /movers/commands`: `{"command": "<Name>", ...}`
//! runs the same domain operations as REST and answers with the new version and the
//! events the command emitted.
use axum::Json;
use axum::extract::State;
use platform_gateway::{ApiError, Authenticated, JsonBody};
use platform_messages::contracts::addressing::PostalAddress;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::app::{AppState, may_change};
use crate::domain::{AddressKind, Mover, MoverPatch};

/// The commands this endpoint knows.
pub const KNOWN: [&str; 2] = ["ChangeMoveDate", "SubmitAddress"];

/// `ChangeMoveDate`: a mover's new move date.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangeMoveDate {
    /// `ChangeMoveDate`.
    #[allow(dead_code)]
    #[schemars(schema_with = "command_name::<ChangeMoveDate>")]
    command: String,
    /// The mover.
    mover_id: String,
    /// `YYYY-MM-DD`.
    move_date: String,
    /// The version the change is based on (a 409 if it is no longer current).
    #[serde(default)]
    expected_version: Option<u64>,
}

/// `SubmitAddress`: one of a mover's addresses, submitted for reconciliation.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubmitAddress {
    /// `SubmitAddress`.
    #[allow(dead_code)]
    #[schemars(schema_with = "command_name::<SubmitAddress>")]
    command: String,
    /// The mover.
    mover_id: String,
    /// Which address.
    kind: AddressKind,
    /// The address.
    address: PostalAddress,
    /// The version the change is based on (a 409 if it is no longer current).
    #[serde(default)]
    expected_version: Option<u64>,
}

/// The answer to a command: the mover's new version and the events it emitted.
#[derive(Serialize, JsonSchema)]
pub struct CommandDone {
    /// The mover.
    mover_id: platform_messages::ids::MoverId,
    /// Its version after the command.
    version: u64,
    /// The names of the events the command emitted.
    events: Vec<String>,
}

/// The `command` field of command `T`: its own name, as a constant.
fn command_name<T>(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let name = std::any::type_name::<T>().rsplit("::").next().unwrap_or_default();
    schemars::json_schema!({"const": name})
}

fn parse<T: DeserializeOwned>(body: &Value) -> Result<T, ApiError> {
    platform_gateway::parse_json(body.to_string().as_bytes())
}

/// Runs one command.
pub async fn execute(
    State(s): State<AppState>,
    who: Authenticated,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<CommandDone>, ApiError> {
    let name = body.get("command").and_then(Value::as_str).ok_or_else(|| {
        ApiError::invalid_field("command", &format!("is required; known commands: {}", KNOWN.join(", ")))
    })?;
    let (id, expected, patch) = match name {
        "ChangeMoveDate" => {
            let c: ChangeMoveDate = parse(&body)?;
            (c.mover_id, c.expected_version, MoverPatch { move_date: Some(c.move_date), ..MoverPatch::default() })
        }
        "SubmitAddress" => {
            let c: SubmitAddress = parse(&body)?;
            let patch = match c.kind {
                AddressKind::From => MoverPatch { from_address: Some(c.address), ..MoverPatch::default() },
                AddressKind::To => MoverPatch { to_address: Some(c.address), ..MoverPatch::default() },
            };
            (c.mover_id, c.expected_version, patch)
        }
        other => {
            return Err(ApiError::invalid_field(
                "command",
                &format!("unknown command `{other}`; known commands: {}", KNOWN.join(", ")),
            ));
        }
    };
    let guard = |m: &Mover| may_change(&who, m);
    let outcome = s.service.update(&id, expected, patch, &guard, &who.origin()).await?;
    let events: Vec<String> = outcome.effects.iter().map(|e| e.name().to_string()).collect();
    Ok(Json(CommandDone { mover_id: outcome.mover.id, version: outcome.version, events }))
}
