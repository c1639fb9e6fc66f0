//! The GraphQL endpoint over the same domain: queries, mutations, connections,
//! errors with codes, the permission table, and the SDL kept in the repository.
mod common;

use axum::http::StatusCode;
use common::{App, app, call, call_with, token};
use movers::permissions::{MoverPermission, PERMISSIONS};
use platform_identity::Role;
use serde_json::{Value, json};

async fn gql(app: &App, token: &str, query: &str, variables: Value) -> Value {
    let (status, body, _) =
        call(app, "POST", "/movers/graphql", token, Some(json!({"query": query, "variables": variables})), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

const CREATE: &str =
    "mutation($input: CreateMoverInput!) { createMover(input: $input) { id version email fromAddress { status } } }";

async fn create(app: &App, token: &str) -> Value {
    let input = json!({"name": "Ada", "email": "ada@example.com",
        "fromAddress": {"line1": "1 Old Rd", "city": "X", "state": "IL", "zip": "62701"}});
    gql(app, token, CREATE, json!({"input": input})).await
}

#[tokio::test]
async fn mutations_and_queries_run_the_domain() {
    let app = app().await;
    let ada = token(Role::UserMover, "usr_ada");
    let created = create(&app, &ada).await;
    let mover = &created["data"]["createMover"];
    assert_eq!((mover["version"].as_u64(), mover["fromAddress"]["status"].as_str()), (Some(1), Some("pending")));
    let names: Vec<_> = app.outbox().iter().map(|m| m.envelope.name.to_string()).collect();
    assert_eq!(names, ["mover.created", "address.received", "email_verification.requested"]);
    let id = mover["id"].as_str().unwrap();

    let changed = gql(
        &app,
        &ada,
        "mutation($id: ID!) { changeMoveDate(id: $id, moveDate: \"2999-01-02\", version: 1) { version moveDate } }",
        json!({"id": id}),
    )
    .await;
    assert_eq!(changed["data"]["changeMoveDate"], json!({"version": 2, "moveDate": "2999-01-02"}));
    let stale = gql(
        &app,
        &ada,
        "mutation($id: ID!) { changeMoveDate(id: $id, moveDate: \"2999-01-03\", version: 1) { version } }",
        json!({"id": id}),
    )
    .await;
    assert_eq!(stale["errors"][0]["extensions"]["code"], "conflict", "{stale}");
    let bad = gql(
        &app,
        &ada,
        "mutation($id: ID!) { changeMoveDate(id: $id, moveDate: \"soon\", version: 2) { version } }",
        json!({"id": id}),
    )
    .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "invalid_field", "{bad}");
    let submitted = gql(&app, &ada, "mutation($id: ID!) { submitAddress(id: $id, kind: TO, version: 2, address: {line1: \"2 New St\", city: \"X\", state: \"IL\", zip: \"62701\"}) { version toAddress { status } } }", json!({"id": id})).await;
    assert_eq!(submitted["data"]["submitAddress"], json!({"version": 3, "toAddress": {"status": "pending"}}));

    let read = gql(
        &app,
        &token(Role::UserBusiness, "usr_biz"),
        "query($id: ID!) { mover(id: $id) { name email phone } }",
        json!({"id": id}),
    )
    .await;
    assert_eq!(read["data"]["mover"], json!({"name": "Ada", "email": null, "phone": null}));
    let other =
        gql(&app, &token(Role::UserMover, "usr_bob"), "query($id: ID!) { mover(id: $id) { name } }", json!({"id": id}))
            .await;
    assert_eq!(other["errors"][0]["extensions"]["code"], "forbidden");
}

#[tokio::test]
async fn movers_is_a_connection() {
    let app = app().await;
    let ada = token(Role::UserMover, "usr_ada");
    for _ in 0..3 {
        create(&app, &ada).await;
    }
    let q = "query($after: String) { movers(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }";
    let first = gql(&app, &ada, q, json!({"after": null})).await;
    let page = &first["data"]["movers"];
    assert_eq!((page["edges"].as_array().unwrap().len(), page["pageInfo"]["hasNextPage"].as_bool()), (2, Some(true)));
    let second = gql(&app, &ada, q, json!({"after": page["pageInfo"]["endCursor"]})).await;
    let page2 = &second["data"]["movers"];
    assert_eq!(
        (page2["edges"].as_array().unwrap().len(), page2["pageInfo"]["hasNextPage"].as_bool()),
        (1, Some(false))
    );
    assert_ne!(page["edges"][0]["node"]["id"], page2["edges"][0]["node"]["id"]);
}

#[tokio::test]
async fn every_role_creates_and_lists_as_the_table_says() {
    let app = app().await;
    for role in Role::ALL {
        let t = token(role, &format!("usr_{role}"));
        let created = create(&app, &t).await;
        let allowed = PERMISSIONS.allows(&[role], MoverPermission::CreateOwn);
        assert_eq!(created["errors"].is_null(), allowed, "{role}: {created}");
        if !allowed {
            assert_eq!(created["errors"][0]["extensions"]["code"], "forbidden");
        }
        let listed = gql(&app, &t, "{ movers { edges { node { id email } } } }", Value::Null).await;
        assert!(listed["errors"].is_null(), "{role}: {listed}");
    }
}

#[tokio::test]
async fn graphql_requires_a_token() {
    let app = app().await;
    let (status, _, _) = call(
        &app,
        "POST",
        "/movers/graphql",
        "garbage",
        Some(json!({"query": "{ movers { edges { cursor } } }"})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[test]
fn the_sdl_in_the_repository_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/movers.graphql");
    let kept = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        kept == movers::graphql::schema().sdl(),
        "docs/movers.graphql is stale: run `cargo xtask schemas` and commit it"
    );
}

#[tokio::test]
async fn create_mover_takes_an_idempotency_key_too() {
    let app = app().await;
    let ada = token(Role::UserMover, "usr_ada");
    let input = json!({"name": "Ada", "email": "ada@example.com"});
    let body = json!({"query": CREATE, "variables": {"input": input}});
    let key = [("idempotency-key", "gql-ada-1")];
    let (_, first, _) = call_with(&app, "POST", "/movers/graphql", &ada, Some(body.clone()), &key).await;
    let (_, again, _) = call_with(&app, "POST", "/movers/graphql", &ada, Some(body), &key).await;
    let id = first["data"]["createMover"]["id"].as_str().expect("created");
    assert_eq!(again["data"]["createMover"]["id"].as_str(), Some(id), "{again}");
    assert_eq!(app.outbox().iter().filter(|m| m.envelope.name.as_str() == "mover.created").count(), 1);
    let other = json!({"query": CREATE, "variables": {"input": {"name": "Grace", "email": "g@example.com"}}});
    let (_, refused, _) = call_with(&app, "POST", "/movers/graphql", &ada, Some(other), &key).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "conflict", "{refused}");
}

#[tokio::test]
async fn costly_queries_are_refused_naming_the_limit_and_introspection_is_off() {
    let app = app().await;
    let ada = token(Role::UserMover, "usr_ada");
    let refused = |query: String| {
        let (app, ada) = (&app, &ada);
        async move {
            let body = json!({"query": query, "variables": {}});
            let (status, body, _) = call(app, "POST", "/movers/graphql", ada, Some(body), None).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(body["error"]["code"], "query_refused", "{body}");
            body["error"]["message"].as_str().unwrap().to_owned()
        }
    };
    let aliased: String = (0..300).map(|i| format!("m{i}: movers(first: 100) {{ edges {{ cursor }} }} ")).collect();
    assert!(refused(format!("{{ {aliased} }}")).await.contains("300 root fields"));
    let input = r#"input: {name: "A", email: "a@example.com"}"#;
    let twice = format!("mutation {{ a: createMover({input}) {{ id }} b: createMover({input}) {{ id }} }}");
    assert!(refused(twice).await.contains("2 mutations"));
    assert!(app.outbox().is_empty(), "a refused request changes nothing");
    assert!(refused("{ __schema { types { name } } }".into()).await.contains("introspection"));
    let deep = "{ movers { edges { node { fromAddress { normalized { street { a { b { c } } } } } } } } }";
    assert!(refused(deep.into()).await.contains("deep"));

    // An ordinary page still runs.
    let page =
        gql(&app, &ada, "{ movers(first: 100) { edges { node { id name fromAddress { status } } } } }", json!({}))
            .await;
    assert!(page["errors"].is_null(), "{page}");
}
