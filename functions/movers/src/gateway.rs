//! The movers gateway's router: REST, the CQRS command endpoint and GraphQL under
//! `/movers`, over one state.
use axum::Router;
use axum::routing::post;

use crate::app::AppState;
use crate::graphql::Endpoint;

/// Every route of the movers gateway; GraphQL requests are answered by `graphql`.
pub fn router(state: AppState, graphql: Endpoint) -> Router {
    crate::rest::routes()
        .route("/movers/commands", post(crate::commands::execute))
        .merge(crate::graphql::routes(graphql))
        .with_state(state)
}
