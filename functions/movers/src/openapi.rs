//! The movers gateway as OpenAPI describes it: every route of [`crate::gateway::router`]
//! (REST, the CQRS command endpoint, GraphQL), with its bodies' types and every
//! answer it can give (see [`platform_gateway::openapi`]).
use platform_gateway::openapi::{Operation, Schema};
use platform_messages::contracts::movers::MoverView;
use serde_json::json;

use crate::commands::{ChangeMoveDate, CommandDone, SubmitAddress};
use crate::domain::{MoverInput, MoverPatch};
use crate::rest::{CodeBody, ListQuery};

fn address(line1: &str) -> serde_json::Value {
    json!({"line1": line1, "city": "Springfield", "state": "IL", "zip": "62701"})
}

/// The operations of the movers gateway.
pub fn operations() -> Vec<Operation> {
    let mover = "The mover, with its `ETag` (its version).";
    vec![
        Operation::post("/movers", "Create a mover")
            .describe(
                "Creates a mover owned by the caller and mails a verification code to its email. Both \
                       addresses are reconciled through the addressing service (`pending` until then).",
            )
            .idempotency_key(false)
            .body::<MoverInput>(json!({"name": "Ada Lovelace", "email": "ada@example.com",
                "move_date": "2031-05-02", "from_address": address("123 North Main Street"),
                "to_address": address("9 Elm Street")}))
            .answers::<MoverView>(201, mover)
            .with_etag(201)
            .errors(&[403, 429]),
        Operation::get("/movers", "List movers")
            .describe("The caller's movers (all of them for roles that may read every mover), a page at a time.")
            .query::<ListQuery>()
            .answers_schema(200, "One page of movers.", Schema::page_of::<MoverView>())
            .errors(&[403]),
        Operation::get("/movers/{id}", "Read a mover")
            .answers::<MoverView>(200, mover)
            .with_etag(200)
            .errors(&[403, 404]),
        Operation::patch("/movers/{id}", "Change a mover")
            .describe("Changes the fields given; a changed address is reconciled again.")
            .header("If-Match", true, "The `ETag` of the mover as last read.")
            .body::<MoverPatch>(json!({"move_date": "2031-06-01"}))
            .answers::<MoverView>(200, mover)
            .with_etag(200)
            .errors(&[403, 404, 409, 428]),
        Operation::post("/movers/{id}/email/verify", "Prove the mover's email")
            .body::<CodeBody>(json!({"code": "123456"}))
            .answers::<MoverView>(200, mover)
            .with_etag(200)
            .errors(&[403, 404, 409, 429]),
        Operation::post("/movers/{id}/email/verification", "Mail a new verification code")
            .answers::<MoverView>(202, mover)
            .with_etag(202)
            .errors(&[403, 404, 409, 429]),
        Operation::post("/movers/commands", "Run a command (CQRS)")
            .describe("`{\"command\": \"<Name>\", ...}` runs the same domain operations as REST.")
            .body_schema(
                Schema::one_of(vec![Schema::of::<ChangeMoveDate>(), Schema::of::<SubmitAddress>()]),
                json!({"command": "ChangeMoveDate", "mover_id": "mov_0123456789abcdef0123456789abcdef",
                       "move_date": "2031-06-01"}),
            )
            .answers::<CommandDone>(200, "The mover's new version and the events the command emitted.")
            .errors(&[403, 404, 409]),
        Operation::post("/movers/graphql", "GraphQL")
            .describe(
                "Queries `mover` and `movers`, mutations `createMover` (with `Idempotency-Key`) and \
                       `updateMover`; the schema is [docs/movers.graphql](movers.graphql). Errors of the \
                       operation itself are answered in `errors` with 200.",
            )
            .idempotency_key(false)
            .body_schema(
                Schema::written(json!({"type": "object", "required": ["query"], "properties": {
                    "query": {"type": "string"}, "operationName": {"type": ["string", "null"]},
                    "variables": {"type": ["object", "null"]}}})),
                json!({"query": "{ movers(limit: 5) { items { id name } } }"}),
            )
            .answers_schema(
                200,
                "The GraphQL response.",
                Schema::written(json!({"type": "object", "properties": {
                "data": {}, "errors": {"type": "array", "items": {"type": "object", "required": ["message"]}},
                "extensions": {"type": "object"}}})),
            )
            .errors(&[403]),
    ]
}
