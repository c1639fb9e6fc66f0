//! The OpenAPI 3.1 description of a gateway, built from its own types: each route
//! is described next to the router that serves it ([`Operation`]), its bodies by
//! their `schemars` schemas (JSON Schema 2020-12, OpenAPI 3.1's own dialect, the
//! same derive the bus payloads use), and every error it can answer by the one
//! error shape of [`crate::ApiError`]. `cargo xtask docs` writes the document of all
//! gateways to `docs/openapi.json`; the stack tests hold every real exchange to it.
use schemars::{JsonSchema, SchemaGenerator, generate::SchemaSettings};
use serde_json::{Map, Value, json};

/// The name of the bearer JWT security scheme.
const BEARER: &str = "bearer";

/// One route and method: what it takes and every answer it can give.
#[derive(Debug, Clone)]
pub struct Operation {
    method: &'static str,
    path: &'static str,
    body: Map<String, Value>,
    responses: Map<String, Value>,
    parameters: Vec<Value>,
    public: bool,
    types: Vec<TypeSchema>,
    errors: std::collections::BTreeSet<u16>,
}

/// A type's name and how its schema is generated.
type TypeSchema = (&'static str, fn(&mut SchemaGenerator) -> schemars::Schema);

/// What an error status means on every route that can answer it.
fn error_meaning(status: u16) -> &'static str {
    match status {
        400 => "The request is malformed; the message names the field.",
        401 => "No valid bearer token (or wrong credentials); answered with `WWW-Authenticate: Bearer`.",
        403 => "The caller's roles do not allow this.",
        404 => "Nothing of that id is visible to the caller.",
        409 => {
            "Conflicts with the current state (an `If-Match` or `expected_version` no longer current), or an \
                `Idempotency-Key` reused with another body."
        }
        413 => "The body is over the gateway's limit.",
        415 => "The body is not `Content-Type: application/json`.",
        428 => "A conditional header (`If-Match`) is required.",
        429 => "Too many requests; wait `Retry-After` seconds.",
        _ => "An error.",
    }
}

impl Operation {
    fn new(method: &'static str, path: &'static str, summary: &str) -> Self {
        let parameters = path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let mut body = Map::new();
        body.insert("summary".into(), summary.into());
        body.insert("tags".into(), json!([path.split('/').nth(1).unwrap_or_default()]));
        let op = Self {
            method,
            path,
            body,
            responses: Map::new(),
            parameters,
            public: false,
            types: Vec::new(),
            errors: Default::default(),
        };
        op.errors(&[401, 500])
    }

    /// `GET path`.
    pub fn get(path: &'static str, summary: &str) -> Self {
        Self::new("get", path, summary)
    }

    /// `POST path`.
    pub fn post(path: &'static str, summary: &str) -> Self {
        Self::new("post", path, summary)
    }

    /// `PUT path`.
    pub fn put(path: &'static str, summary: &str) -> Self {
        Self::new("put", path, summary)
    }

    /// `PATCH path`.
    pub fn patch(path: &'static str, summary: &str) -> Self {
        Self::new("patch", path, summary)
    }

    /// A longer description (Markdown).
    pub fn describe(mut self, text: &str) -> Self {
        self.body.insert("description".into(), text.into());
        self
    }

    /// Served without a token (no 401 for a missing one).
    pub fn public(mut self) -> Self {
        self.public = true;
        self.responses.remove("401");
        self.errors.remove(&401);
        self
    }

    /// A JSON request body of type `T` (415 and 413 come with it), with an example.
    pub fn body<T: JsonSchema>(self, example: Value) -> Self {
        self.body_schema(Schema::of::<T>(), example)
    }

    /// A JSON request body described by `schema`.
    pub fn body_schema(mut self, schema: Schema, example: Value) -> Self {
        self.types.extend(schema.types);
        let content = json!({"application/json": {"schema": schema.value, "example": example}});
        self.body.insert("requestBody".into(), json!({"required": true, "content": content}));
        self.errors(&[400, 413, 415])
    }

    /// The query parameters of `T`'s properties (each optional unless `T` requires it).
    pub fn query<T: JsonSchema>(mut self) -> Self {
        let schema = schemars::schema_for!(T);
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                let mut property = property.clone();
                let description = property.as_object_mut().and_then(|p| p.remove("description"));
                let mut parameter = json!({"name": name, "in": "query", "required": required.contains(&name.as_str()),
                                           "schema": property});
                if let Some(description) = description {
                    parameter["description"] = description;
                }
                self.parameters.push(parameter);
            }
        }
        self.errors(&[400])
    }

    /// A request header.
    pub fn header(mut self, name: &str, required: bool, description: &str) -> Self {
        self.parameters.push(json!({"name": name, "in": "header", "required": required,
                                    "description": description, "schema": {"type": "string"}}));
        self
    }

    /// The `Idempotency-Key` header (`required` or not): a retry with the same key
    /// and body gets the same answer; another body under the key, 409.
    pub fn idempotency_key(self, required: bool) -> Self {
        let text = "1 to 128 visible ASCII characters, one per attempt: a retry with the same key and body gets \
                    the first answer back, another body under the same key a 409.";
        let mut op = self.header("Idempotency-Key", required, text).errors(&[409]);
        if let Some(p) = op.parameters.last_mut() {
            p["schema"] = json!({"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[\\x21-\\x7e]+$"});
        }
        op
    }

    /// A success answer `status` with a JSON body of type `T`.
    pub fn answers<T: JsonSchema>(self, status: u16, description: &str) -> Self {
        self.answers_schema(status, description, Schema::of::<T>())
    }

    /// A success answer `status` with a JSON body described by `schema`.
    pub fn answers_schema(mut self, status: u16, description: &str, schema: Schema) -> Self {
        self.types.extend(schema.types);
        let response = json!({"description": description, "content": {"application/json": {"schema": schema.value}}});
        self.responses.insert(status.to_string(), response);
        self
    }

    /// Adds an `ETag` header (the version) to the success answer `status`.
    pub fn with_etag(mut self, status: u16) -> Self {
        if let Some(response) = self.responses.get_mut(&status.to_string()) {
            response["headers"] = json!({"ETag": {"description": "The version, quoted; send it back as `If-Match`.",
                                                  "schema": {"type": "string"}}});
        }
        self
    }

    /// The error answers `statuses` (each in the one error shape).
    pub fn errors(mut self, statuses: &[u16]) -> Self {
        for &status in statuses {
            let reference = format!("#/components/responses/E{status}");
            self.responses.insert(status.to_string(), json!({"$ref": reference}));
            self.errors.insert(status);
        }
        self
    }

    fn render(mut self) -> Value {
        if !self.parameters.is_empty() {
            self.body.insert("parameters".into(), Value::Array(self.parameters));
        }
        if self.public {
            self.body.insert("security".into(), json!([]));
        }
        self.body.insert("responses".into(), Value::Object(self.responses));
        Value::Object(self.body)
    }
}

/// A JSON Schema for a body: a type's (by reference into the components), or one
/// written out for a body the code builds by hand, which may name types' schemas.
#[derive(Debug, Clone)]
pub struct Schema {
    value: Value,
    types: Vec<TypeSchema>,
}

impl Schema {
    /// The schema of `T` (a marker that the document resolves to a reference).
    pub fn of<T: JsonSchema>() -> Self {
        let name = std::any::type_name::<T>();
        Self { value: json!({"x-rust-type": name}), types: vec![(name, subschema::<T>)] }
    }

    /// A schema written out, without types of the code in it.
    pub fn written(schema: Value) -> Self {
        Self { value: schema, types: Vec::new() }
    }

    /// `{"items": [T], "next_cursor": string|null}`: one page of a list.
    pub fn page_of<T: JsonSchema>() -> Self {
        let items = Self::of::<T>();
        let value = json!({"type": "object", "required": ["items", "next_cursor"], "properties": {
            "items": {"type": "array", "items": items.value},
            "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last."}
        }});
        Self { value, types: items.types }
    }

    /// Exactly one of `schemas`.
    pub fn one_of(schemas: Vec<Schema>) -> Self {
        let (values, types): (Vec<Value>, Vec<Vec<TypeSchema>>) =
            schemas.into_iter().map(|s| (s.value, s.types)).unzip();
        Self { value: json!({"oneOf": values}), types: types.into_iter().flatten().collect() }
    }
}

/// Builds the document of a set of gateways: their operations, the types their
/// bodies name, the error shape and the bearer scheme.
pub struct Document {
    generator: SchemaGenerator,
    resolvers: Vec<TypeSchema>,
    paths: Map<String, Value>,
    errors: std::collections::BTreeSet<u16>,
}

impl Default for Document {
    fn default() -> Self {
        Self::new()
    }
}

fn subschema<T: JsonSchema>(generator: &mut SchemaGenerator) -> schemars::Schema {
    generator.subschema_for::<T>()
}

impl Document {
    /// An empty document.
    pub fn new() -> Self {
        let settings = SchemaSettings::draft2020_12().with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        });
        Self {
            generator: settings.into_generator(),
            resolvers: Vec::new(),
            paths: Map::new(),
            errors: Default::default(),
        }
    }

    /// Adds `operations`.
    pub fn add(&mut self, operations: Vec<Operation>) -> &mut Self {
        for mut op in operations {
            self.resolvers.append(&mut op.types);
            self.errors.append(&mut op.errors);
            let (method, path) = (op.method, op.path);
            let entry = self.paths.entry(path).or_insert_with(|| json!({}));
            entry[method] = op.render();
        }
        self
    }

    fn resolve(&mut self, value: &mut Value) -> Result<(), String> {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(name)) = map.get("x-rust-type") {
                    let name = name.clone();
                    let Some((_, of)) = self.resolvers.iter().find(|(n, _)| *n == name) else {
                        return Err(format!("the type {name} has no schema in the document"));
                    };
                    *value = of(&mut self.generator).to_value();
                    return Ok(());
                }
                map.values_mut().try_for_each(|v| self.resolve(v))
            }
            Value::Array(items) => items.iter_mut().try_for_each(|v| self.resolve(v)),
            _ => Ok(()),
        }
    }

    /// The OpenAPI 3.1 document, or which type an operation names without its schema.
    pub fn render(mut self, info: Value, servers: Value) -> Result<Value, String> {
        let mut paths = Value::Object(std::mem::take(&mut self.paths));
        self.resolve(&mut paths)?;
        let mut schemas = self.generator.take_definitions(true);
        schemas.insert("Error".into(), error_schema());
        let responses: Map<String, Value> =
            self.errors.iter().map(|&status| (format!("E{status}"), error_response(status))).collect();
        Ok(json!({
            "openapi": "3.1.0",
            "info": info,
            "servers": servers,
            "security": [{BEARER: []}],
            "paths": paths,
            "components": {
                "securitySchemes": {BEARER: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                    "description": "An RS256 access token from `POST /auth/token`, verified against `GET /auth/jwks`."}},
                "schemas": schemas,
                "responses": responses,
            }
        }))
    }
}

fn error_schema() -> Value {
    json!({
        "type": "object",
        "description": "The one error shape of every gateway.",
        "required": ["error"],
        "additionalProperties": false,
        "properties": {"error": {"type": "object", "required": ["code", "message"], "additionalProperties": false,
            "properties": {
                "code": {"type": "string", "description": "Stable and machine-readable: `invalid_field`, `unauthorized`, `conflict`, ..."},
                "message": {"type": "string", "description": "What is wrong, for a person."}
            }}}
    })
}

fn error_response(status: u16) -> Value {
    let mut response = json!({
        "description": error_meaning(status),
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"},
            "example": {"error": {"code": example_code(status), "message": error_meaning(status)}}}}
    });
    let header = |text: &str| json!({"description": text, "schema": {"type": "string"}});
    match status {
        401 => response["headers"] = json!({"WWW-Authenticate": header("`Bearer`, with the reason as `error`.")}),
        429 => response["headers"] = json!({"Retry-After": header("Seconds to wait.")}),
        _ => {}
    }
    response
}

fn example_code(status: u16) -> &'static str {
    match status {
        400 => "invalid_field",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        428 => "precondition_required",
        429 => "too_many_requests",
        _ => "internal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Thing {
        /// Its name.
        name: String,
    }

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Paging {
        /// At most this many.
        limit: Option<u32>,
    }

    #[test]
    fn an_operation_names_its_types_by_reference_and_its_errors_in_the_one_shape() {
        let mut doc = Document::new();
        doc.add(vec![
            Operation::post("/things/{id}", "Make a thing")
                .body::<Thing>(json!({"name": "a"}))
                .idempotency_key(true)
                .answers::<Thing>(201, "made")
                .with_etag(201),
            Operation::get("/things", "List").query::<Paging>().answers_schema(
                200,
                "a page",
                Schema::page_of::<Thing>(),
            ),
        ]);
        let doc = doc.render(json!({"title": "t", "version": "1"}), json!([])).unwrap();
        let post = &doc["paths"]["/things/{id}"]["post"];
        assert_eq!(post["requestBody"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Thing");
        assert_eq!(post["parameters"][0]["name"], "id");
        assert_eq!(post["parameters"][1]["name"], "Idempotency-Key");
        for status in ["400", "401", "409", "413", "415", "500"] {
            assert!(post["responses"][status]["$ref"].as_str().unwrap().ends_with(&format!("E{status}")), "{status}");
        }
        assert!(post["responses"]["201"]["headers"]["ETag"].is_object());
        assert_eq!(doc["components"]["schemas"]["Thing"]["properties"]["name"]["type"], "string");
        assert!(doc["components"]["responses"]["E401"]["headers"]["WWW-Authenticate"].is_object());
        assert!(doc["components"]["responses"].get("E428").is_none(), "only the answers some route gives");
        let list = &doc["paths"]["/things"]["get"];
        assert_eq!(list["parameters"][0]["description"], "At most this many.");
        assert_eq!(list["parameters"][0]["required"], false);
    }

    #[test]
    fn a_public_operation_has_no_security_and_no_401() {
        let mut doc = Document::new();
        doc.add(vec![Operation::get("/open", "open").public()]);
        let doc = doc.render(json!({}), json!([])).unwrap();
        assert_eq!(doc["paths"]["/open"]["get"]["security"], json!([]));
        assert!(doc["paths"]["/open"]["get"]["responses"].get("401").is_none());
    }
}
