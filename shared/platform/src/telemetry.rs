//! Structured JSON logs through `tracing-subscriber`, one object per line with
//! Powertools' key names (see [`crate::log_line`]), at the level given by
//! `AWS_LAMBDA_LOG_LEVEL` (set by Lambda's advanced logging controls) or `RUST_LOG`.
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::JsonFields;

use crate::log_line::PowertoolsJson;

/// The filter directive from the environment: `RUST_LOG` wins, then
/// `AWS_LAMBDA_LOG_LEVEL`, then `info`.
pub fn filter_directive(rust_log: Option<&str>, lambda_level: Option<&str>) -> String {
    if let Some(d) = rust_log.filter(|d| !d.trim().is_empty()) {
        return d.to_owned();
    }
    match lambda_level.map(|l| l.trim().to_ascii_lowercase()) {
        Some(l) if ["trace", "debug", "info", "warn", "error"].contains(&l.as_str()) => l,
        Some(l) if l == "fatal" => "error".to_owned(),
        _ => "info".to_owned(),
    }
}

/// Installs the JSON subscriber of `service`'s lines once per process (later calls
/// are no-ops).
pub fn init(service: &str) {
    let directive = filter_directive(
        std::env::var("RUST_LOG").ok().as_deref(),
        std::env::var("AWS_LAMBDA_LOG_LEVEL").ok().as_deref(),
    );
    let _ = tracing_subscriber::fmt()
        .fmt_fields(JsonFields::new())
        .event_format(PowertoolsJson { service: service.to_owned() })
        .with_env_filter(EnvFilter::new(directive))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::filter_directive;

    #[test]
    fn rust_log_wins_then_lambda_level_then_info() {
        assert_eq!(filter_directive(Some("addressing=debug"), Some("WARN")), "addressing=debug");
        assert_eq!(filter_directive(None, Some("WARN")), "warn");
        assert_eq!(filter_directive(Some(""), Some("FATAL")), "error");
        assert_eq!(filter_directive(None, Some("loud")), "info");
        assert_eq!(filter_directive(None, None), "info");
    }
}
