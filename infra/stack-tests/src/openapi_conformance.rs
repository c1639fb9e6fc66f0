//! Every exchange the stack tests make with the API, held to `docs/openapi.json`:
//! the route and method must be described, the status among the described answers,
//! the JSON body valid against the answer's schema, and the headers the document
//! promises (`ETag`, `WWW-Authenticate`, `Retry-After`) present. A route the code
//! serves but the document lacks, or an answer the document does not foresee,
//! fails the test that met it.
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let text = std::fs::read_to_string(file).expect("docs/openapi.json (cargo xtask docs writes it)");
    serde_json::from_str(&text).expect("docs/openapi.json is JSON")
});

/// `docs/openapi.json`, read once.
pub fn document() -> &'static Value {
    &DOCUMENT
}

static VALIDATORS: LazyLock<Mutex<HashMap<String, std::sync::Arc<jsonschema::Validator>>>> =
    LazyLock::new(Default::default);

/// The described path template `path` (without its query) matches, preferring
/// literal segments (`/moves/quote` over `/moves/{id}`).
fn template_of(path: &str) -> Option<&'static str> {
    let path = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let paths = DOCUMENT["paths"].as_object()?;
    paths
        .keys()
        .filter_map(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            let fits = parts.len() == segments.len()
                && parts.iter().zip(&segments).all(|(p, s)| p.starts_with('{') && !s.is_empty() || p == s);
            fits.then(|| (parts.iter().filter(|p| !p.starts_with('{')).count(), template.as_str()))
        })
        .max()
        .map(|(_, template)| template)
}

/// `part` as one segment of a JSON pointer in a URI fragment.
fn escape(part: &str) -> String {
    part.replace('~', "~0").replace('/', "~1").replace('{', "%7B").replace('}', "%7D")
}

fn resolve(value: &Value) -> (&Value, Option<String>) {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            (DOCUMENT.pointer(reference.trim_start_matches('#')).unwrap_or(&Value::Null), Some(reference.to_owned()))
        }
        None => (value, None),
    }
}

fn validator(pointer: &str) -> std::sync::Arc<jsonschema::Validator> {
    if let Some(known) = VALIDATORS.lock().unwrap_or_else(|e| e.into_inner()).get(pointer) {
        return known.clone();
    }
    // The whole document is the root, so its `#/components/...` references resolve.
    let mut schema = DOCUMENT.clone();
    schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    schema["$ref"] = json!(pointer);
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .unwrap_or_else(|e| panic!("the schema at {pointer} of docs/openapi.json: {e}"));
    let validator = std::sync::Arc::new(validator);
    VALIDATORS.lock().unwrap_or_else(|e| e.into_inner()).insert(pointer.to_owned(), validator.clone());
    validator
}

/// Holds one exchange to the document; panics saying what disagrees.
pub fn check(method: &str, path: &str, status: StatusCode, headers: &HeaderMap, body: &Value) {
    let method = method.to_lowercase();
    let what = format!("{} {path} answered {status}", method.to_uppercase());
    let template = template_of(path).unwrap_or_else(|| panic!("{what}: docs/openapi.json has no such path"));
    let operation = &DOCUMENT["paths"][template][&method];
    assert!(operation.is_object(), "{what}: docs/openapi.json has no {method} on {template}");
    let code = status.as_u16().to_string();
    let Some(described) = operation["responses"].get(&code) else {
        panic!("{what}: docs/openapi.json does not list {code} among the answers of {method} {template}: {body}")
    };
    let (response, reference) = resolve(described);
    if let Some(promised) = response.get("headers").and_then(Value::as_object) {
        for name in promised.keys() {
            assert!(headers.contains_key(name.as_str()), "{what}: the document promises the `{name}` header");
        }
    }
    if response.pointer("/content/application~1json/schema").is_none() {
        return;
    }
    let pointer = match reference {
        Some(reference) => format!("{reference}/content/application~1json/schema"),
        None => format!("#/paths/{}/{method}/responses/{code}/content/application~1json/schema", escape(template)),
    };
    let errors: Vec<String> =
        validator(&pointer).iter_errors(body).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{what}: the body disagrees with docs/openapi.json ({pointer}): {errors:?}\n{body}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_literal_segment_wins_over_a_parameter() {
        assert_eq!(template_of("/moves/quote?move_date=2031-01-01&crew_size=2"), Some("/moves/quote"));
        assert_eq!(template_of("/moves/bkg_1"), Some("/moves/{id}"));
        assert_eq!(template_of("/movers/mov_1/email/verify"), Some("/movers/{id}/email/verify"));
        assert_eq!(template_of("/nowhere"), None);
    }

    #[test]
    fn an_answer_the_document_does_not_describe_is_refused() {
        let headers = HeaderMap::new();
        let error = json!({"error": {"code": "not_found", "message": "x"}});
        check("GET", "/movers/mov_1", StatusCode::NOT_FOUND, &headers, &error);
        let mut etag = HeaderMap::new();
        etag.insert("etag", "\"1\"".parse().unwrap());
        let code = json!({"error": {"code": "x", "message": "y"}});
        check("POST", "/movers/mov_1/email/verify", StatusCode::CONFLICT, &etag, &code);
        let refused = |status: StatusCode, body: Value, headers: HeaderMap| {
            std::panic::catch_unwind(move || check("GET", "/movers/mov_1", status, &headers, &body)).is_err()
        };
        assert!(refused(StatusCode::IM_A_TEAPOT, error.clone(), HeaderMap::new()), "an undescribed status");
        assert!(refused(StatusCode::NOT_FOUND, json!({"error": "flat"}), HeaderMap::new()), "a body off its schema");
        assert!(
            refused(
                StatusCode::UNAUTHORIZED,
                json!({"error": {"code": "unauthorized", "message": "x"}}),
                HeaderMap::new()
            ),
            "no WWW-Authenticate"
        );
        assert!(refused(StatusCode::OK, json!({"id": 1}), HeaderMap::new()), "an off-schema mover, without its ETag");
    }
}
