//! `docs/openapi.json` against the deployed API, the other way round from the
//! conformance check every exchange gets (`stack_tests::openapi_conformance`):
//! every operation the document describes is served. Asked without a token, a
//! protected operation answers 401 with `WWW-Authenticate` (a route the gateway
//! lacks answers 404 instead), and a public one answers as the document says.
use reqwest::{Method, StatusCode};
use serde_json::Value;
use stack_tests::openapi_conformance;
use stack_tests::stack;

#[tokio::test]
async fn every_described_operation_is_served_and_refuses_a_caller_without_a_token() {
    let stack = stack().await;
    let base = stack.api_url().unwrap();
    let document = openapi_conformance::document();
    let http = reqwest::Client::new();
    let mut asked = 0;
    for (template, operations) in document["paths"].as_object().unwrap() {
        let path = template.replace("{id}", "x").replace("{date}", "2031-01-01");
        for (method, operation) in operations.as_object().unwrap() {
            let public = operation.get("security").is_some_and(|s| s == &serde_json::json!([]));
            let method: Method = method.to_uppercase().parse().unwrap();
            let mut request = http.request(method.clone(), format!("{base}{path}"));
            if method != Method::GET {
                request = request.header("content-type", "application/json").body("{}");
            }
            let response = request.send().await.unwrap();
            let (status, headers) = (response.status(), response.headers().clone());
            let body = response.json().await.unwrap_or(Value::Null);
            if !public {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path} without a token: {body}");
            }
            openapi_conformance::check(method.as_str(), &path, status, &headers, &body);
            asked += 1;
        }
    }
    assert!(asked >= 20, "every operation was asked: {asked}");
}
