//! The CQRS command endpoint, `POST /movers/commands`: `{"command": "<Name>", ...}`
//! runs the same domain operations as REST and answers with the new version and the
//! events the command emitted.
use axum::Json;
use axum::extract::State;
use platform_gateway::{ApiError, Authenticated, JsonBody};
use platform_messages::contracts::addressing::PostalAddress;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::app::{AppState, may_change};
use crate::domain::{AddressKind, Mover, MoverPatch};

/// The commands this endpoint knows.
pub const KNOWN: [&str; 2] = ["ChangeMoveDate", "SubmitAddress"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeMoveDate {
    #[allow(dead_code)]
    command: String,
    mover_id: String,
    move_date: String,
    #[serde(default)]
    expected_version: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitAddress {
    #[allow(dead_code)]
    command: String,
    mover_id: String,
    kind: AddressKind,
    address: PostalAddress,
    #[serde(default)]
    expected_version: Option<u64>,
}

fn parse<T: DeserializeOwned>(body: &Value) -> Result<T, ApiError> {
    platform_gateway::parse_json(body.to_string().as_bytes())
}

/// Runs one command.
pub async fn execute(
    State(s): State<AppState>,
    who: Authenticated,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(json!({"mover_id": outcome.mover.id, "version": outcome.version, "events": events})))
}
