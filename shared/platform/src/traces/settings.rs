//! Where and how spans are exported, from OpenTelemetry's standard environment
//! variables: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the URL as is) or
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces` appended); `..._HEADERS`
//! (`key=value,...`), `..._TIMEOUT` (milliseconds, default 10 s),
//! `OTEL_EXPORTER_OTLP_PROTOCOL` (only `http/json`), `OTEL_SERVICE_NAME`,
//! `OTEL_RESOURCE_ATTRIBUTES`, and `OTEL_SDK_DISABLED` or `OTEL_TRACES_EXPORTER=none`
//! to turn it off. No endpoint: no export.
use std::time::Duration;

use thiserror::Error;

/// Why the environment's export settings were refused (the function logs it and
/// runs without exporting).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SettingsError {
    /// The endpoint is not a URL the exporter can post to.
    #[error("OTLP endpoint `{0}`: {1}")]
    Endpoint(String, &'static str),
    /// A protocol other than OTLP/HTTP with JSON.
    #[error("OTEL_EXPORTER_OTLP_PROTOCOL `{0}`: the platform exports `http/json` only")]
    Protocol(String),
    /// A header or resource list that is not `key=value,...`.
    #[error("{0}: `{1}` is not `key=value`")]
    Pair(&'static str, String),
    /// A timeout that is not a number of milliseconds.
    #[error("{0}: `{1}` is not a number of milliseconds")]
    Timeout(&'static str, String),
}

/// How this process exports its spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSettings {
    /// The URL spans are posted to.
    pub endpoint: http::Uri,
    /// Extra request headers (an API key, for example).
    pub headers: Vec<(String, String)>,
    /// How long one export may take.
    pub timeout: Duration,
    /// The resource the spans describe (`service.name`, `faas.name`, ...).
    pub resource: Vec<(String, String)>,
}

impl ExportSettings {
    /// The settings of `service`'s process from its environment; `None` when no
    /// endpoint is set or export is turned off.
    pub fn from_env(service: &str) -> Result<Option<Self>, SettingsError> {
        Self::from_lookup(service, |name| std::env::var(name).ok())
    }

    /// [`ExportSettings::from_env`] with the variables `var` gives.
    pub fn from_lookup(service: &str, var: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, SettingsError> {
        let var = |name: &str| var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let off = var("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"))
            || var("OTEL_TRACES_EXPORTER").is_some_and(|v| v.eq_ignore_ascii_case("none"));
        let endpoint = match (var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), var("OTEL_EXPORTER_OTLP_ENDPOINT")) {
            (Some(traces), _) => traces,
            (None, Some(base)) => format!("{}/v1/traces", base.trim_end_matches('/')),
            (None, None) => return Ok(None),
        };
        if off {
            return Ok(None);
        }
        let protocol = var("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL").or_else(|| var("OTEL_EXPORTER_OTLP_PROTOCOL"));
        if let Some(protocol) = protocol.filter(|p| p != "http/json") {
            return Err(SettingsError::Protocol(protocol));
        }
        let headers_var = first_set(&var, ["OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"]);
        let headers = match headers_var {
            Some((name, list)) => pairs(name, &list)?,
            None => vec![],
        };
        let timeout = match first_set(&var, ["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"]) {
            Some((name, ms)) => Duration::from_millis(ms.parse().map_err(|_| SettingsError::Timeout(name, ms))?),
            None => Duration::from_secs(10),
        };
        let mut resource = match var("OTEL_RESOURCE_ATTRIBUTES") {
            Some(list) => pairs("OTEL_RESOURCE_ATTRIBUTES", &list)?,
            None => vec![],
        };
        let service_name = var("OTEL_SERVICE_NAME").unwrap_or_else(|| service.to_owned());
        resource.retain(|(key, _)| key != "service.name");
        resource.insert(0, ("service.name".into(), service_name));
        resource.push(("cloud.provider".into(), "aws".into()));
        for (key, name) in [
            ("cloud.region", "AWS_REGION"),
            ("faas.name", "AWS_LAMBDA_FUNCTION_NAME"),
            ("faas.version", "AWS_LAMBDA_FUNCTION_VERSION"),
        ] {
            if let Some(value) = var(name) {
                resource.push((key.into(), value));
            }
        }
        Ok(Some(Self { endpoint: endpoint_uri(&endpoint)?, headers, timeout, resource }))
    }
}

fn first_set<const N: usize>(
    var: &impl Fn(&str) -> Option<String>,
    names: [&'static str; N],
) -> Option<(&'static str, String)> {
    names.into_iter().find_map(|name| var(name).map(|value| (name, value)))
}

/// `key=value,...` (blanks around either trimmed, empty items skipped).
fn pairs(name: &'static str, list: &str) -> Result<Vec<(String, String)>, SettingsError> {
    list.split(',')
        .filter(|item| !item.trim().is_empty())
        .map(|item| match item.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => Ok((key.trim().to_owned(), value.trim().to_owned())),
            _ => Err(SettingsError::Pair(name, item.trim().to_owned())),
        })
        .collect()
}

/// The endpoint as a URL the exporter posts to: plain `http` (a collector beside
/// the function, such as the ADOT Lambda layer's on `localhost:4318`, or a local one).
fn endpoint_uri(endpoint: &str) -> Result<http::Uri, SettingsError> {
    let uri: http::Uri = endpoint.parse().map_err(|_| SettingsError::Endpoint(endpoint.to_owned(), "not a URL"))?;
    match uri.scheme_str() {
        Some("http") if uri.host().is_some() => Ok(uri),
        Some("https") => Err(SettingsError::Endpoint(
            endpoint.to_owned(),
            "https is not supported: export to a collector beside the function (http://localhost:4318), which forwards over TLS",
        )),
        _ => Err(SettingsError::Endpoint(endpoint.to_owned(), "expected http://host[:port]/path")),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Option<ExportSettings>, SettingsError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        ExportSettings::from_lookup("movers", |name| vars.get(name).cloned())
    }

    #[test]
    fn without_an_endpoint_or_when_turned_off_nothing_is_exported() {
        assert_eq!(settings(&[]), Ok(None));
        assert_eq!(settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", " ")]), Ok(None));
        let on = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318");
        assert_eq!(settings(&[on, ("OTEL_SDK_DISABLED", "TRUE")]), Ok(None));
        assert_eq!(settings(&[on, ("OTEL_TRACES_EXPORTER", "none")]), Ok(None));
    }

    #[test]
    fn the_base_endpoint_gets_the_traces_path_and_the_traces_endpoint_is_taken_as_is() {
        let base = settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318/")]).unwrap().unwrap();
        assert_eq!(base.endpoint, "http://localhost:4318/v1/traces");
        let traces = settings(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored:1"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:9/custom"),
        ]);
        assert_eq!(traces.unwrap().unwrap().endpoint, "http://127.0.0.1:9/custom");
        assert_eq!(base.timeout, Duration::from_secs(10));
    }

    #[test]
    fn headers_timeout_service_and_resource_are_read() {
        let s = settings(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key = k1, tenant=moves"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
            ("OTEL_SERVICE_NAME", "movers-prod"),
            ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod,service.name=ignored"),
            ("AWS_LAMBDA_FUNCTION_NAME", "movers-worker"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(s.headers, [("x-api-key".into(), "k1".into()), ("tenant".into(), "moves".into())]);
        assert_eq!(s.timeout, Duration::from_millis(2500));
        let resource: HashMap<_, _> = s.resource.iter().cloned().collect();
        assert_eq!(resource["service.name"], "movers-prod");
        assert_eq!(resource["deployment.environment"], "prod");
        assert_eq!(resource["faas.name"], "movers-worker");
        assert_eq!(resource.len(), 4, "{resource:?}");
    }

    #[test]
    fn what_the_exporter_cannot_do_is_refused_with_the_reason() {
        let on = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318");
        let https = settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "https://api.example.com")]).unwrap_err();
        assert!(https.to_string().contains("https is not supported"), "{https}");
        assert!(matches!(settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost")]), Err(SettingsError::Endpoint(..))));
        assert_eq!(
            settings(&[on, ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]),
            Err(SettingsError::Protocol("grpc".into()))
        );
        assert!(settings(&[on, ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]).unwrap().is_some());
        assert!(matches!(settings(&[on, ("OTEL_EXPORTER_OTLP_HEADERS", "novalue")]), Err(SettingsError::Pair(..))));
        assert!(matches!(settings(&[on, ("OTEL_EXPORTER_OTLP_TIMEOUT", "2s")]), Err(SettingsError::Timeout(..))));
    }
}
