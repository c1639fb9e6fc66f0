//! The movers service through the deployed REST API, as a user would: addresses
//! reconciled through the addressing service, CQRS commands, conditional updates,
//! roles, and bad input.
use std::time::{Duration, Instant};

use platform_testkit::Probe;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use stack_tests::{Api, PASSWORD, address, stack};

#[tokio::test]
async fn a_new_mover_has_its_addresses_reconciled_or_rejected_through_the_bus() {
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let api = Api::new(&stack);
    let token = api.fresh_user("Mover").await;
    let number = 100 + (uuid::Uuid::new_v4().as_u128() % 9000) as u32;
    let body = json!({"name": "Ada", "email": "ada@example.com", "move_date": "2999-05-01",
        "from_address": address(&format!("{number} North Main Street Apt 4"), "Illinois", "62701"),
        "to_address": address("2 Nowhere Lane", "Atlantis", "1")});
    let (status, headers, created) = api.send(Method::POST, "/movers", &token, Some(body), &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(headers["etag"], "\"1\"");
    let id = created["id"].as_str().unwrap().to_owned();

    let mover = api.wait_settled(&token, &id, Duration::from_secs(30)).await;
    assert_eq!(mover["from_address"]["status"], "reconciled", "{mover}");
    assert_eq!(mover["from_address"]["normalized"]["street"], format!("{number} N MAIN ST"));
    assert!(mover["from_address"]["address_id"].as_str().unwrap().starts_with("adr_"));
    assert_eq!(mover["to_address"]["status"], "rejected");
    assert!(mover["to_address"]["reasons"][0].as_str().unwrap().contains("ATLANTIS"));
    assert_eq!(mover["version"], 3);

    let updates = probe
        .collect_for(Duration::from_secs(2), |r| {
            r.envelope.name.as_str() == "mover.updated" && r.envelope.data["id"] == id.as_str()
        })
        .await
        .unwrap();
    let mut versions: Vec<_> = updates.iter().map(|r| r.envelope.data["version"].as_u64().unwrap()).collect();
    versions.sort();
    assert_eq!(versions, [2, 3], "one mover.updated per answer");
    probe.close().await.unwrap();
}

#[tokio::test]
async fn commands_and_conditional_updates_over_the_api() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let token = api.fresh_user("Mover").await;
    let (_, _, created) =
        api.send(Method::POST, "/movers", &token, Some(json!({"name": "Bo", "email": "bo@example.com"})), &[]).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/movers/{id}");

    let (status, _, _) = api.send(Method::PATCH, &path, &token, Some(json!({"name": "Bo B."})), &[]).await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED);
    let (status, headers, _) =
        api.send(Method::PATCH, &path, &token, Some(json!({"name": "Bo B."})), &[("If-Match", "\"1\"")]).await;
    assert_eq!((status, headers["etag"].to_str().unwrap()), (StatusCode::OK, "\"2\""));
    let (status, _, body) =
        api.send(Method::PATCH, &path, &token, Some(json!({"name": "Stale"})), &[("If-Match", "\"1\"")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    let cmd = json!({"command": "SubmitAddress", "mover_id": id, "kind": "from", "address": address("9 Elm Street", "IL", "62701")});
    let (status, _, out) = api.send(Method::POST, "/movers/commands", &token, Some(cmd), &[]).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(
        (out["version"].as_u64(), out["events"].clone()),
        (Some(3), json!(["mover.updated", "address.received"]))
    );
    let mover = api.wait_settled(&token, &id, Duration::from_secs(30)).await;
    assert_eq!(mover["from_address"]["normalized"]["street"], "9 ELM ST");

    let cmd = json!({"command": "ChangeMoveDate", "mover_id": id, "move_date": "2999-09-09"});
    let (status, _, out) = api.send(Method::POST, "/movers/commands", &token, Some(cmd), &[]).await;
    assert_eq!((status, out["events"].clone()), (StatusCode::OK, json!(["mover.updated"])));
    let (status, _, out) =
        api.send(Method::POST, "/movers/commands", &token, Some(json!({"command": "Fly"})), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(out["error"]["message"].as_str().unwrap().contains("ChangeMoveDate, SubmitAddress"));
}

#[tokio::test]
async fn roles_see_and_change_what_the_table_allows() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let owner = api.fresh_user("Mover").await;
    let (_, _, created) = api
        .send(
            Method::POST,
            "/movers",
            &owner,
            Some(json!({"name": "Cy", "email": "cy@example.com", "phone": "+1 555 0100 200"})),
            &[],
        )
        .await;
    let path = format!("/movers/{}", created["id"].as_str().unwrap());

    let client = api.login("client@updater.local", PASSWORD).await;
    let (status, _, seen) = api.send(Method::GET, &path, &client, None, &[]).await;
    assert_eq!((status, seen["email"].as_str()), (StatusCode::OK, Some("cy@example.com")));
    let (status, _, _) =
        api.send(Method::PATCH, &path, &client, Some(json!({"name": "x"})), &[("If-Match", "\"1\"")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) =
        api.send(Method::POST, "/movers", &client, Some(json!({"name": "x", "email": "x@example.com"})), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let business = api.login("business@updater.local", PASSWORD).await;
    let (status, _, seen) = api.send(Method::GET, &path, &business, None, &[]).await;
    assert_eq!(
        (status, seen["email"].clone(), seen["phone"].clone(), seen["name"].as_str()),
        (StatusCode::OK, Value::Null, Value::Null, Some("Cy"))
    );

    let email = format!("other.{}@example.com", uuid::Uuid::new_v4().simple());
    api.post("/auth/signup", None, json!({"email": email, "password": "a-long-password", "name": "Other"})).await;
    let other = api.login(&email, "a-long-password").await;
    let (status, _, _) = api.send(Method::GET, &path, &other, None, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, _, list) = api.send(Method::GET, "/movers", &other, None, &[]).await;
    assert_eq!(list["items"], json!([]), "another mover lists none of them");

    let system = api.login("system@updater.local", PASSWORD).await;
    let (status, _, _) =
        api.send(Method::PATCH, &path, &system, Some(json!({"name": "Cy S."})), &[("If-Match", "\"1\"")]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = api.send(Method::GET, &path, "not-a-token", None, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_writes_nothing() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let email = format!("fresh.{}@example.com", uuid::Uuid::new_v4().simple());
    api.post("/auth/signup", None, json!({"email": email, "password": "a-long-password", "name": "Fresh"})).await;
    let token = api.login(&email, "a-long-password").await;
    let cases = [
        (json!({"email": "a@b.co"}), StatusCode::BAD_REQUEST, "missing field `name`"),
        (json!({"name": "A", "email": "a@b.co", "move_date": "2999-02-30"}), StatusCode::BAD_REQUEST, "`move_date`"),
        (json!({"name": "A", "email": "a@b.co", "extra": 1}), StatusCode::BAD_REQUEST, "unknown field `extra`"),
        (json!({"name": ["A"], "email": "a@b.co"}), StatusCode::BAD_REQUEST, "`name`: invalid type"),
        (json!({"name": "A".repeat(70_000), "email": "a@b.co"}), StatusCode::PAYLOAD_TOO_LARGE, "over"),
        (
            json!({"name": "A", "email": "a@b.co", "from_address": address(&"9".repeat(5_000), "IL", "62701")}),
            StatusCode::BAD_REQUEST,
            "`from_address.line1`: must be 1 to 100 characters",
        ),
    ];
    for (body, status, fragment) in cases {
        let (got, _, resp) = api.send(Method::POST, "/movers", &token, Some(body), &[]).await;
        assert_eq!(got, status, "{resp}");
        assert!(resp["error"]["message"].as_str().unwrap().contains(fragment), "{fragment}: {resp}");
    }
    let (_, _, list) = api.send(Method::GET, "/movers", &token, None, &[]).await;
    assert_eq!(list["items"], json!([]), "nothing was written");
}

#[tokio::test]
async fn the_same_flow_through_graphql() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let token = api.fresh_user("Mover").await;
    let query = |q: &str, variables: Value| json!({"query": q, "variables": variables});
    let create = "mutation($input: CreateMoverInput!) { createMover(input: $input) { id version } }";
    let input = json!({"name": "Gql", "email": "gql@example.com",
        "fromAddress": {"line1": "5 Elm Street", "city": "Springfield", "state": "IL", "zip": "62701"}});
    let (status, _, out) =
        api.send(Method::POST, "/movers/graphql", &token, Some(query(create, json!({"input": input}))), &[]).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let id = out["data"]["createMover"]["id"].as_str().unwrap().to_owned();
    let read = "query($id: ID!) { mover(id: $id) { version fromAddress { status normalized { street } } } }";
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, _, out) =
            api.send(Method::POST, "/movers/graphql", &token, Some(query(read, json!({"id": id}))), &[]).await;
        if out["data"]["mover"]["fromAddress"]["status"] == "reconciled" {
            assert_eq!(out["data"]["mover"]["fromAddress"]["normalized"]["street"], "5 ELM ST");
            assert_eq!(out["data"]["mover"]["version"], 2);
            break;
        }
        assert!(Instant::now() < deadline, "not reconciled: {out}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let change = "mutation($id: ID!) { changeMoveDate(id: $id, moveDate: \"2999-03-03\", version: 1) { version } }";
    let (_, _, out) =
        api.send(Method::POST, "/movers/graphql", &token, Some(query(change, json!({"id": id}))), &[]).await;
    assert_eq!(out["errors"][0]["extensions"]["code"], "conflict", "a stale version is refused: {out}");
    let client = api.login("client@updater.local", PASSWORD).await;
    let (_, _, out) =
        api.send(Method::POST, "/movers/graphql", &client, Some(query(create, json!({"input": input}))), &[]).await;
    assert_eq!(out["errors"][0]["extensions"]["code"], "forbidden", "{out}");
}

#[tokio::test]
async fn other_systems_create_movers_with_the_task() {
    use platform::bus::Outgoing;
    use platform_messages::contracts::movers::{CreateMover, CreateMoverData};
    let stack = stack().await;
    let mut probe = Probe::subscribe(&stack, stack.output("EventsTopicArn").unwrap()).await.unwrap();
    let data = CreateMoverData {
        owner_sub: "usr_partner".into(),
        name: "From a partner".into(),
        email: "partner@example.com".into(),
        phone: None,
        move_date: None,
        from_address: Some(serde_json::from_value(address("7 Oak Avenue", "IL", "62701")).unwrap()),
        to_address: None,
    };
    let message = Outgoing::new::<CreateMover>(&data).unwrap();
    let task_id = message.envelope.id.to_string();
    stack_tests::send(&stack, message.clone()).await.unwrap();
    stack_tests::send(&stack, message).await.unwrap();
    let created = probe
        .wait_for(Duration::from_secs(30), |r| {
            r.envelope.name.as_str() == "mover.created" && r.envelope.causation_id.as_deref() == Some(task_id.as_str())
        })
        .await
        .unwrap();
    let id = created.envelope.data["id"].as_str().unwrap().to_owned();
    let updated = probe
        .wait_for(Duration::from_secs(30), |r| {
            r.envelope.name.as_str() == "mover.updated" && r.envelope.data["id"] == id.as_str()
        })
        .await
        .unwrap();
    assert_eq!(updated.envelope.data["from_address"]["normalized"]["street"], "7 OAK AVE");
    let creations = probe
        .collect_for(Duration::from_secs(3), |r| {
            r.envelope.name.as_str() == "mover.created" && r.envelope.causation_id.as_deref() == Some(task_id.as_str())
        })
        .await
        .unwrap();
    assert_eq!(creations.len(), 1, "the task delivered twice creates one mover");
    probe.close().await.unwrap();
}

#[tokio::test]
async fn an_owners_pages_hold_only_their_movers_and_a_cursor_never_leads_elsewhere() {
    let stack = stack().await;
    let api = Api::new(&stack);
    let email = format!("lister.{}@example.com", uuid::Uuid::new_v4().simple());
    api.post("/auth/signup", None, json!({"email": email, "password": "a-long-password", "name": "Lister"})).await;
    let mine = api.login(&email, "a-long-password").await;
    let others = api.fresh_user("Mover").await;
    let create = |token: &str, name: &str| {
        let (api, token, body) = (&api, token.to_owned(), json!({"name": name, "email": "a@b.co"}));
        async move {
            let (status, _, created) = api.send(Method::POST, "/movers", &token, Some(body), &[]).await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            created["id"].as_str().unwrap().to_owned()
        }
    };
    // Three of mine among many of another owner's, created in between.
    let mut created = Vec::new();
    for n in 0..3 {
        created.push(create(&mine, &format!("Mine {n}")).await);
        for m in 0..4 {
            create(&others, &format!("Theirs {n}.{m}")).await;
        }
    }

    let mut seen = Vec::new();
    let mut path = "/movers?limit=1".to_owned();
    loop {
        let (status, _, page) = api.send(Method::GET, &path, &mine, None, &[]).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap();
        let next = page["next_cursor"].as_str();
        assert!(items.len() == 1 || next.is_none(), "a page before the end holds one of mine: {page}");
        seen.extend(items.iter().map(|m| m["id"].as_str().unwrap().to_owned()));
        match next {
            Some(cursor) => path = format!("/movers?limit=1&cursor={cursor}"),
            None => break,
        }
        assert!(seen.len() <= 3, "pages past my movers: {seen:?}");
    }
    // Newest first to the second (movers of one second are ordered by id).
    seen.sort();
    created.sort();
    assert_eq!(seen, created, "my movers, one per page, each once");

    // A cursor of another owner's listing is refused, as is one made up.
    let (_, _, theirs) = api.send(Method::GET, "/movers?limit=1", &others, None, &[]).await;
    let their_cursor = theirs["next_cursor"].as_str().unwrap();
    for cursor in [their_cursor, "eyJub3QiOiJhIGN1cnNvciJ9", "not base64 at all!"] {
        let path = format!("/movers?limit=1&cursor={}", urlencoding(cursor));
        let (status, _, refused) = api.send(Method::GET, &path, &mine, None, &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{cursor}: {refused}");
        assert!(refused["error"]["message"].as_str().unwrap().contains("`cursor`"), "{refused}");
    }
}

/// `text` with the characters a query string cannot carry as they are escaped.
fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
