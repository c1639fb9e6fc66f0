//! `docs/openapi.json`: the OpenAPI 3.1 document of the whole REST API, from the
//! gateways' own operation lists (`functions/*/src/openapi.rs`, next to their
//! routers). `cargo xtask docs` writes it, `check` fails when it is stale, and the
//! stack tests hold every real exchange to it.
use serde_json::json;

/// The document, as written to `docs/openapi.json`.
pub fn render() -> String {
    let mut doc = platform_gateway::openapi::Document::new();
    doc.add(auth::openapi::operations()).add(movers::openapi::operations()).add(moves::openapi::operations());
    let info = json!({
        "title": "Updater API",
        "version": "1",
        "summary": "Movers, their moves and the accounts behind them.",
        "description": "Every route takes and answers JSON; every error is `{\"error\": {\"code\", \"message\"}}`. \
            A `traceparent` header (W3C Trace Context) is continued by every message the request causes. \
            Generated from the gateways' code by `cargo xtask docs`."
    });
    let servers = json!([
        {"url": "https://{api}.execute-api.{region}.amazonaws.com/v1", "description": "AWS (stack output `ApiUrl`)",
         "variables": {"api": {"default": "api-id"}, "region": {"default": "us-east-1"}}},
        {"url": "http://127.0.0.1:4566/_aws/execute-api/{api}/v1", "description": "`cargo xtask up`",
         "variables": {"api": {"default": "api-id"}}}
    ]);
    let document = doc.render(info, servers).expect("every operation names types with schemas");
    let mut text = serde_json::to_string_pretty(&document).expect("JSON");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_route_of_every_gateway_is_described_with_its_errors() {
        let doc: serde_json::Value = serde_json::from_str(&super::render()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().unwrap();
        for path in
            ["/auth/token", "/movers", "/movers/{id}", "/movers/commands", "/movers/graphql", "/moves/{id}/cancel"]
        {
            assert!(paths.contains_key(path), "{path}");
        }
        let create = &doc["paths"]["/movers"]["post"];
        assert_eq!(
            create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/MoverView"
        );
        assert!(doc["components"]["schemas"]["MoverView"].is_object());
        assert_eq!(doc["paths"]["/auth/token"]["post"]["security"], serde_json::json!([]));
    }
}
