//! The auth routes (under the API's `/auth` prefix):
//! `POST /auth/signup`, `POST /auth/token`, `GET /auth/jwks`, `GET /auth/me`,
//! `POST /auth/users` (system only).
use std::sync::Arc;

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use platform::bus::Publish;
use platform::store::StoreError;
use platform_gateway::{ApiError, Authenticated, JsonBody};
use platform_identity::{Claims, KeySet, Role, TokenSettings, Verifier};
use platform_messages::contracts::auth::{UserAuthed, UserAuthedData};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::accounts::{Account, check_email, check_name, check_password, new_user_id};
use crate::passwords;
use crate::permissions::{AuthPermission, PERMISSIONS};
use crate::store::AccountStore;

/// What the routes share.
#[derive(Clone)]
pub struct AppState {
    /// Verifies callers (with the service's own keys).
    pub verifier: Arc<Verifier>,
    /// Signs tokens.
    pub keys: Arc<KeySet>,
    /// Issuer, audience, lifetime.
    pub tokens: TokenSettings,
    /// Accounts.
    pub accounts: Arc<dyn AccountStore>,
    /// The bus.
    pub publisher: Arc<dyn Publish>,
}

impl FromRef<AppState> for Arc<Verifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

/// The router of the auth gateway.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/auth/signup", post(signup))
        .route("/auth/token", post(token))
        .route("/auth/jwks", get(jwks))
        .route("/auth/me", get(me))
        .route("/auth/users", post(create_user))
        .with_state(state)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignupBody {
    email: String,
    password: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    email: String,
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateUserBody {
    email: String,
    password: String,
    name: String,
    roles: Vec<Role>,
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Validates and stores a new account; returns its id.
pub async fn register(
    accounts: &dyn AccountStore,
    email: &str,
    password: &str,
    name: &str,
    roles: Vec<Role>,
) -> Result<String, ApiError> {
    check_email(email)?;
    check_password(password)?;
    check_name(name)?;
    let password = password.to_owned();
    let password_hash = tokio::task::spawn_blocking(move || passwords::hash(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let account = Account {
        user_id: new_user_id(),
        email: email.trim().to_owned(),
        name: name.trim().to_owned(),
        roles,
        password_hash,
        created_at: now(),
    };
    match accounts.create(&account).await {
        Ok(()) => Ok(account.user_id),
        Err(StoreError::Conflict(_)) => Err(ApiError::conflict("an account with this email already exists")),
        Err(e) => Err(ApiError::internal(e)),
    }
}

async fn signup(
    State(s): State<AppState>,
    JsonBody(b): JsonBody<SignupBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let user_id = register(s.accounts.as_ref(), &b.email, &b.password, &b.name, vec![Role::UserMover]).await?;
    Ok((StatusCode::CREATED, Json(json!({"user_id": user_id}))))
}

async fn create_user(
    State(s): State<AppState>,
    who: Authenticated,
    JsonBody(b): JsonBody<CreateUserBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    PERMISSIONS.require(&who.caller, AuthPermission::CreateAccounts)?;
    if b.roles.is_empty() {
        return Err(ApiError::invalid_field("roles", "at least one role is required"));
    }
    let user_id = register(s.accounts.as_ref(), &b.email, &b.password, &b.name, b.roles).await?;
    Ok((StatusCode::CREATED, Json(json!({"user_id": user_id}))))
}

async fn token(State(s): State<AppState>, JsonBody(b): JsonBody<TokenBody>) -> Result<Json<Value>, ApiError> {
    const REFUSED: &str = "the email or the password is wrong";
    let account = s.accounts.find_by_email(&b.email).await.map_err(ApiError::internal)?;
    let password = b.password.clone();
    let account = match account {
        Some(a) => {
            let hash = a.password_hash.clone();
            let ok = tokio::task::spawn_blocking(move || passwords::verify(&password, &hash))
                .await
                .map_err(ApiError::internal)?;
            if !ok {
                return Err(ApiError::unauthorized_with(REFUSED));
            }
            a
        }
        None => {
            tokio::task::spawn_blocking(move || passwords::burn_time(&password)).await.map_err(ApiError::internal)?;
            return Err(ApiError::unauthorized_with(REFUSED));
        }
    };
    let claims = Claims::issue(&s.tokens, &account.user_id, &account.email, account.roles.clone(), now());
    let access_token = s.keys.sign(&claims).map_err(ApiError::internal)?;

    // The login itself is done on behalf of the user who just authenticated.
    let roles: Vec<String> = account.roles.iter().map(|r| r.to_string()).collect();
    let data = UserAuthedData { user_id: account.user_id.clone(), roles, token: access_token.clone() };
    let user = Authenticated { caller: claims.into(), token: access_token.clone() };
    let message = user.on_behalf::<UserAuthed>(&data)?;
    s.publisher.publish(vec![message]).await.map_err(ApiError::internal)?;

    Ok(Json(json!({"access_token": access_token, "token_type": "Bearer", "expires_in": s.tokens.ttl_seconds})))
}

async fn jwks(State(s): State<AppState>) -> Result<Json<Value>, ApiError> {
    let set = s.keys.jwks().map_err(ApiError::internal)?;
    Ok(Json(serde_json::to_value(set).map_err(ApiError::internal)?))
}

async fn me(who: Authenticated) -> Result<Json<Value>, ApiError> {
    PERMISSIONS.require(&who.caller, AuthPermission::ReadSelf)?;
    Ok(Json(json!({"sub": who.caller.sub, "email": who.caller.email, "roles": who.caller.roles})))
}
