//! The auth routes (under the API's `/auth` prefix):
//! `POST /auth/signup`, `POST /auth/token`, `GET /auth/jwks`, `GET /auth/me`,
//! `POST /auth/users` (system only).
use std::sync::Arc;

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use platform::bus::Publish;
use platform::store::{Counters, Limit, StoreError};
use platform_gateway::{ApiError, Authenticated, JsonBody, SourceAddress};
use platform_identity::{Claims, KeySet, Role, TokenSettings, Verifier};
use platform_messages::contracts::auth::{UserAuthed, UserAuthedData};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::accounts::{Account, check_email, check_name, check_password, email_key, new_user_id};
use crate::error::AuthError;
use crate::limits::{self, LOGIN_FAILURES_PER_ACCOUNT, LOGIN_FAILURES_PER_SOURCE};
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
    /// Attempt counters for the limits (in the service's table).
    pub counters: Arc<dyn Counters>,
    /// Signups one source may make in an hour.
    pub signups_per_source: Limit,
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

/// The body of `POST /auth/signup`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignupBody {
    /// The account's email (its login).
    email: String,
    /// At least 12 characters.
    password: String,
    /// The person's name.
    name: String,
}

/// The body of `POST /auth/token`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenBody {
    /// The account's email.
    email: String,
    /// Its password.
    password: String,
}

/// The body of `POST /auth/users` (systems only).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateUserBody {
    /// The account's email (its login).
    email: String,
    /// At least 12 characters.
    password: String,
    /// The person's name.
    name: String,
    /// Its roles (at least one).
    roles: Vec<Role>,
}

/// A new account.
#[derive(Serialize, JsonSchema)]
pub(crate) struct AccountCreated {
    /// Its user id (the tokens' `sub`).
    user_id: String,
}

/// An access token.
#[derive(Serialize, JsonSchema)]
pub(crate) struct TokenIssued {
    /// The RS256 JWT; send it as `Authorization: Bearer <token>`.
    access_token: String,
    /// `Bearer`.
    token_type: &'static str,
    /// Seconds until it expires.
    expires_in: i64,
}

/// The caller, as their token says.
#[derive(Serialize, JsonSchema)]
pub(crate) struct Me {
    /// User id.
    sub: String,
    /// Email.
    email: String,
    /// Roles.
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
) -> Result<String, AuthError> {
    check_email(email)?;
    check_password(password)?;
    check_name(name)?;
    let password = password.to_owned();
    let password_hash = tokio::task::spawn_blocking(move || passwords::hash(&password))
        .await
        .map_err(|e| AuthError::Hashing(e.to_string()))??;
    let account = Account {
        user_id: new_user_id(),
        email: email.trim().to_owned(),
        name: name.trim().to_owned(),
        roles,
        password_hash,
        created_at: now(),
        disabled: false,
    };
    match accounts.create(&account).await {
        Ok(()) => Ok(account.user_id),
        Err(StoreError::Conflict(_)) => Err(AuthError::EmailTaken),
        Err(e) => Err(e.into()),
    }
}

async fn signup(
    State(s): State<AppState>,
    source: SourceAddress,
    JsonBody(b): JsonBody<SignupBody>,
) -> Result<(StatusCode, Json<AccountCreated>), ApiError> {
    let what = "too many signups from your address";
    limits::count(s.counters.as_ref(), &s.signups_per_source, &source.0, now(), what).await?;
    let user_id = register(s.accounts.as_ref(), &b.email, &b.password, &b.name, vec![Role::UserMover]).await?;
    Ok((StatusCode::CREATED, Json(AccountCreated { user_id })))
}

async fn create_user(
    State(s): State<AppState>,
    who: Authenticated,
    JsonBody(b): JsonBody<CreateUserBody>,
) -> Result<(StatusCode, Json<AccountCreated>), ApiError> {
    PERMISSIONS.require(&who.caller, AuthPermission::CreateAccounts)?;
    if b.roles.is_empty() {
        return Err(ApiError::invalid_field("roles", "at least one role is required"));
    }
    let user_id = register(s.accounts.as_ref(), &b.email, &b.password, &b.name, b.roles).await?;
    Ok((StatusCode::CREATED, Json(AccountCreated { user_id })))
}

async fn token(
    State(s): State<AppState>,
    source: SourceAddress,
    JsonBody(b): JsonBody<TokenBody>,
) -> Result<Json<TokenIssued>, ApiError> {
    let counters = s.counters.as_ref();
    let (account_key, at) = (email_key(&b.email), now());
    let for_account = "too many failed logins for this account";
    let for_source = "too many failed logins from your address";
    limits::refuse_when_used_up(counters, &LOGIN_FAILURES_PER_ACCOUNT, &account_key, at, for_account).await?;
    limits::refuse_when_used_up(counters, &LOGIN_FAILURES_PER_SOURCE, &source.0, at, for_source).await?;
    let refused = || async {
        limits::count(counters, &LOGIN_FAILURES_PER_ACCOUNT, &account_key, at, for_account).await?;
        limits::count(counters, &LOGIN_FAILURES_PER_SOURCE, &source.0, at, for_source).await?;
        Err::<Json<TokenIssued>, _>(ApiError::unauthorized_with("the email or the password is wrong"))
    };
    let account = s.accounts.find_by_email(&b.email).await.map_err(ApiError::internal)?;
    let password = b.password.clone();
    let account = match account {
        Some(a) => {
            let hash = a.password_hash.clone();
            let ok = tokio::task::spawn_blocking(move || passwords::verify(&password, &hash))
                .await
                .map_err(ApiError::internal)?;
            if !ok {
                return refused().await;
            }
            a
        }
        None => {
            tokio::task::spawn_blocking(move || passwords::burn_time(&password))
                .await
                .map_err(|e| AuthError::Hashing(e.to_string()))??;
            return refused().await;
        }
    };
    counters.clear(&LOGIN_FAILURES_PER_ACCOUNT, &account_key, at).await.map_err(ApiError::internal)?;
    let claims = Claims::issue(&s.tokens, &account.user_id, &account.email, account.roles.clone(), now());
    let access_token = s.keys.sign(&claims).map_err(ApiError::internal)?;

    // The login itself is done on behalf of the user who just authenticated.
    let roles: Vec<String> = account.roles.iter().map(|r| r.to_string()).collect();
    let data = UserAuthedData { user_id: account.user_id.clone(), roles, token: access_token.clone(), reference: None };
    let user = Authenticated { caller: claims.into(), token: access_token.clone(), trace: None };
    let message = user.on_behalf::<UserAuthed>(&data)?;
    s.publisher.publish(vec![message]).await.map_err(ApiError::internal)?;

    Ok(Json(TokenIssued { access_token, token_type: "Bearer", expires_in: s.tokens.ttl_seconds }))
}

async fn jwks(State(s): State<AppState>) -> Result<Json<Value>, ApiError> {
    let set = s.keys.jwks().map_err(ApiError::internal)?;
    Ok(Json(serde_json::to_value(set).map_err(ApiError::internal)?))
}

async fn me(who: Authenticated) -> Result<Json<Me>, ApiError> {
    PERMISSIONS.require(&who.caller, AuthPermission::ReadSelf)?;
    Ok(Json(Me { sub: who.caller.sub, email: who.caller.email, roles: who.caller.roles }))
}
