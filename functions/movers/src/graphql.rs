//! The GraphQL endpoint, `POST /movers/graphql`: the same domain operations as REST
//! and CQRS, with the same permission checks. The schema's SDL is kept in
//! `docs/movers.graphql`; `cargo xtask test` fails when it changes without the file.
use async_graphql::connection::{Connection, Edge};
use async_graphql::{
    Context, EmptySubscription, Enum, ErrorExtensions, ID, InputObject, Object, Result, Schema, SimpleObject,
};
use axum::extract::State;
use axum::routing::post;
use axum::{Extension, Json, Router};
use platform_gateway::graphql_limits::{self, Limits};
use platform_gateway::{ApiError, Authenticated, JsonBody, idempotency_key};
use platform_messages::contracts::addressing::{NormalizedAddress, PostalAddress};
use platform_messages::contracts::movers::{AddressState, MoverView};

use crate::app::{AppState, count_mail, list_scope, may_change, visible};
use crate::domain::{AddressKind, Mover, MoverInput, MoverPatch};
use crate::permissions::{MoverPermission::CreateOwn, PERMISSIONS};
use crate::service::new_mover_id;

/// The movers GraphQL schema.
pub type MoversSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema's list fields, paged with `first`.
const PAGED: &[&str] = &["movers"];

/// Builds the schema (for its SDL, and under [`endpoint`]).
pub fn schema() -> MoversSchema {
    Schema::build(Query, Mutation, EmptySubscription).finish()
}

/// The endpoint: the schema and what a request may cost.
#[derive(Clone)]
pub struct Endpoint {
    schema: MoversSchema,
    limits: Limits,
}

/// The endpoint (once, at cold start); introspection only where `introspection`
/// (`Environment=local`). The schema's own depth and complexity limits stand
/// behind the checks of [`Limits`].
pub fn endpoint(introspection: bool) -> Endpoint {
    let limits = Limits::standard(PAGED, introspection);
    let mut builder = Schema::build(Query, Mutation, EmptySubscription)
        .limit_depth(limits.max_depth + 4)
        .limit_recursive_depth(limits.max_depth + 4);
    if !introspection {
        builder = builder.disable_introspection();
    }
    Endpoint { schema: builder.finish(), limits }
}

fn gql(e: impl Into<ApiError>) -> async_graphql::Error {
    let e: ApiError = e.into();
    async_graphql::Error::new(e.message.clone()).extend_with(|_, ext| {
        ext.set("code", e.code);
        ext.set("status", e.status.as_u16());
    })
}

/// A submitted postal address.
#[derive(InputObject)]
pub struct AddressInput {
    line1: String,
    line2: Option<String>,
    city: String,
    state: String,
    zip: String,
}

impl From<AddressInput> for PostalAddress {
    fn from(a: AddressInput) -> Self {
        PostalAddress { line1: a.line1, line2: a.line2, city: a.city, state: a.state, zip: a.zip }
    }
}

/// A new mover.
#[derive(InputObject)]
pub struct CreateMoverInput {
    name: String,
    email: String,
    phone: Option<String>,
    move_date: Option<String>,
    from_address: Option<AddressInput>,
    to_address: Option<AddressInput>,
}

/// Which address.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum Kind {
    /// Moved from.
    From,
    /// Moved to.
    To,
}

/// A normalized address.
#[derive(SimpleObject)]
pub struct Normalized {
    street: String,
    unit: Option<String>,
    city: String,
    state: String,
    zip: String,
}

/// One of a mover's addresses.
#[derive(SimpleObject)]
pub struct Address {
    status: String,
    address_id: Option<String>,
    normalized: Option<Normalized>,
    reasons: Option<Vec<String>>,
}

/// A mover (email and phone are null when redacted for the caller).
#[derive(SimpleObject)]
pub struct GqlMover {
    id: ID,
    version: u64,
    owner_sub: String,
    name: String,
    email: Option<String>,
    email_verified: bool,
    phone: Option<String>,
    move_date: Option<String>,
    from_address: Option<Address>,
    to_address: Option<Address>,
}

fn address(state: AddressState) -> Address {
    Address {
        status: state.status.as_str().to_owned(),
        address_id: state.address_id.map(String::from),
        normalized: state.normalized.map(|n: NormalizedAddress| Normalized {
            street: n.street,
            unit: n.unit,
            city: n.city,
            state: n.state,
            zip: n.zip,
        }),
        reasons: state.reasons,
    }
}

impl From<MoverView> for GqlMover {
    fn from(v: MoverView) -> Self {
        Self {
            id: ID(v.id.into()),
            version: v.version,
            owner_sub: v.owner_sub.into(),
            name: v.name,
            email: v.email,
            email_verified: v.email_verified,
            phone: v.phone,
            move_date: v.move_date.map(|d| d.to_string()),
            from_address: v.from_address.map(address),
            to_address: v.to_address.map(address),
        }
    }
}

fn parts<'a>(ctx: &'a Context<'_>) -> (&'a AppState, &'a Authenticated) {
    (ctx.data_unchecked::<AppState>(), ctx.data_unchecked::<Authenticated>())
}

/// Queries.
pub struct Query;

#[Object]
impl Query {
    /// One mover.
    async fn mover(&self, ctx: &Context<'_>, id: ID) -> Result<GqlMover> {
        let (s, who) = parts(ctx);
        let m = s.service.get(&id).await.map_err(gql)?;
        Ok(visible(who, &m.value, m.version).map_err(gql)?.into())
    }

    /// Movers, newest first, as a connection.
    async fn movers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, GqlMover>> {
        let (s, who) = parts(ctx);
        let owner = list_scope(who).map_err(gql)?;
        let limit = u32::try_from(first.unwrap_or(20))
            .map_err(|_| gql(ApiError::invalid_field("first", "must be positive")))?;
        let page = s.service.list(limit, after.as_deref(), owner).await.map_err(gql)?;
        let mut connection = Connection::new(after.is_some(), page.next.is_some());
        for m in page.items {
            let cursor = crate::store::Cursor::of(&m.value).encode();
            connection.edges.push(Edge::new(cursor, visible(who, &m.value, m.version).map_err(gql)?.into()));
        }
        Ok(connection)
    }
}

/// Mutations.
pub struct Mutation;

async fn change(ctx: &Context<'_>, id: &str, version: u64, patch: MoverPatch) -> Result<GqlMover> {
    let (s, who) = parts(ctx);
    let guard = |m: &Mover| may_change(who, m);
    let outcome = s.service.update(id, Some(version), patch, &guard, &who.origin()).await.map_err(gql)?;
    Ok(outcome.mover.view(outcome.version, false).into())
}

#[Object]
impl Mutation {
    /// Creates a mover owned by the caller.
    async fn create_mover(&self, ctx: &Context<'_>, input: CreateMoverInput) -> Result<GqlMover> {
        let (s, who) = parts(ctx);
        PERMISSIONS.require(&who.caller, CreateOwn).map_err(gql)?;
        let input = MoverInput {
            name: input.name,
            email: input.email,
            phone: input.phone,
            move_date: input.move_date,
            from_address: input.from_address.map(Into::into),
            to_address: input.to_address.map(Into::into),
        };
        let key = ctx.data_opt::<IdempotencyKey>().and_then(|k| k.0.as_deref());
        let id = new_mover_id(&who.caller.sub, key).map_err(gql)?;
        count_mail(s, who).await.map_err(gql)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let outcome = s.service.create(id, &who.user_id(), input, now, &who.origin()).await.map_err(gql)?;
        Ok(outcome.mover.view(outcome.version, false).into())
    }

    /// Confirms the code mailed to a mover's email.
    async fn verify_email(&self, ctx: &Context<'_>, id: ID, code: String) -> Result<GqlMover> {
        let (s, who) = parts(ctx);
        let guard = |m: &Mover| may_change(who, m);
        let outcome = s.service.confirm_email(&id, &code, &guard, &who.origin()).await.map_err(gql)?;
        Ok(outcome.mover.view(outcome.version, false).into())
    }

    /// Changes the move date of a mover at `version`.
    async fn change_move_date(&self, ctx: &Context<'_>, id: ID, move_date: String, version: u64) -> Result<GqlMover> {
        change(ctx, &id, version, MoverPatch { move_date: Some(move_date), ..MoverPatch::default() }).await
    }

    /// Submits one of a mover's addresses for reconciliation.
    async fn submit_address(
        &self,
        ctx: &Context<'_>,
        id: ID,
        kind: Kind,
        address: AddressInput,
        version: u64,
    ) -> Result<GqlMover> {
        let address = Some(PostalAddress::from(address));
        let patch = match AddressKind::from(kind) {
            AddressKind::From => MoverPatch { from_address: address, ..MoverPatch::default() },
            AddressKind::To => MoverPatch { to_address: address, ..MoverPatch::default() },
        };
        change(ctx, &id, version, patch).await
    }
}

impl From<Kind> for AddressKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::From => AddressKind::From,
            Kind::To => AddressKind::To,
        }
    }
}

/// The request's `Idempotency-Key`, for `createMover`.
struct IdempotencyKey(Option<String>);

/// The route `POST /movers/graphql`, answered by `endpoint`.
pub fn routes(endpoint: Endpoint) -> Router<AppState> {
    Router::new().route("/movers/graphql", post(execute)).layer(Extension(endpoint))
}

/// `POST /movers/graphql`.
async fn execute(
    State(s): State<AppState>,
    Extension(endpoint): Extension<Endpoint>,
    who: Authenticated,
    headers: axum::http::HeaderMap,
    JsonBody(request): JsonBody<async_graphql::Request>,
) -> Result<Json<async_graphql::Response>, ApiError> {
    let key = IdempotencyKey(idempotency_key(&headers)?.map(str::to_owned));
    let variable = |name: &str| match request.variables.get(name) {
        Some(async_graphql::Value::Number(n)) => n.as_u64(),
        _ => None,
    };
    graphql_limits::check(&endpoint.limits, &request.query, &variable)?;
    Ok(Json(endpoint.schema.execute(request.data(s).data(who).data(key)).await))
}
