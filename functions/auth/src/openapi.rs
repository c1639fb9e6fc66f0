//! The auth gateway as OpenAPI describes it: every route of [`crate::routes::router`],
//! with its bodies' types and every answer it can give (see
//! [`platform_gateway::openapi`]).
use platform_gateway::openapi::{Operation, Schema};
use serde_json::json;

use crate::routes::{AccountCreated, CreateUserBody, Me, SignupBody, TokenBody, TokenIssued};

/// The JSON Web Key Set: RS256 public keys by `kid`.
fn jwks() -> Schema {
    Schema::written(json!({"type": "object", "required": ["keys"], "properties": {"keys": {"type": "array",
        "items": {"type": "object", "required": ["kty", "kid", "n", "e"], "properties": {
            "kty": {"const": "RSA"}, "kid": {"type": "string"}, "use": {"const": "sig"},
            "alg": {"const": "RS256"}, "n": {"type": "string"}, "e": {"type": "string"}}}}}}))
}

/// The operations of the auth gateway.
pub fn operations() -> Vec<Operation> {
    vec![
        Operation::post("/auth/signup", "Sign up")
            .describe("Creates an account with the role `user-mover`.")
            .public()
            .body::<SignupBody>(json!({"email": "ada@example.com", "password": "correct horse battery", "name": "Ada"}))
            .answers::<AccountCreated>(201, "The account.")
            .errors(&[409, 429]),
        Operation::post("/auth/token", "Log in")
            .describe(
                "An access token for an email and password; emits `user.authed`. Failed logins are \
                       counted per account and per source address (429 once used up).",
            )
            .public()
            .body::<TokenBody>(json!({"email": "mover@updater.local", "password": "local-dev-password"}))
            .answers::<TokenIssued>(200, "The token.")
            .errors(&[401, 429]),
        Operation::get("/auth/jwks", "The signing keys")
            .describe("The public keys that verify access tokens (by `kid`), during a rotation both.")
            .public()
            .answers_schema(200, "The JSON Web Key Set.", jwks()),
        Operation::get("/auth/me", "Who am I").answers::<Me>(200, "The caller, as their token says.").errors(&[403]),
        Operation::post("/auth/users", "Create an account with roles")
            .describe("For systems: an account with any roles.")
            .body::<CreateUserBody>(json!({"email": "crew@example.com", "password": "correct horse battery",
                "name": "Crew", "roles": ["user-business"]}))
            .answers::<AccountCreated>(201, "The account.")
            .errors(&[403, 409]),
    ]
}
