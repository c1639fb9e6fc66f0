//! Structured JSON logs through `tracing-subscriber`, one object per line with
//! Powertools' key names (see [`crate::log_line`]), at the level given by
//! `AWS_LAMBDA_LOG_LEVEL` (set by Lambda's advanced logging controls) or `RUST_LOG`
//! (`level` or `target=level,...`, read by [`Targets`], which needs no regex engine
//! in the binary, unlike `EnvFilter`). `AWS_LAMBDA_LOG_LEVEL` is the level of the
//! platform's and the services' own lines; the AWS SDK and the HTTP stack under it
//! log at most `info` (as Powertools' `DEBUG` leaves botocore's loggers alone), and
//! `RUST_LOG` names them to see their wire-level lines. With an OTLP endpoint in the
//! environment, spans are also exported (see [`crate::traces`]).
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

use crate::log_line::PowertoolsJson;

/// The targets of the libraries under the platform (the AWS SDK, its runtime, the
/// HTTP and TLS stack, the Lambda runtime) whose `debug` and `trace` lines describe
/// their own machinery: each request's phases, connections, retries. A worker's
/// cold start at `debug` wrote 77 of them, and formatting them cost it about 1.3 ms
/// (`docs/performance.md`).
pub const LIBRARY_TARGETS: &[&str] = &[
    "aws_config",
    "aws_runtime",
    "aws_sdk_",
    "aws_smithy_",
    "hyper",
    "h2",
    "rustls",
    "tower",
    "lambda_runtime",
    "lambda_http",
    "opentelemetry",
];

/// The filter directive from the environment: `RUST_LOG` wins as written, then
/// `AWS_LAMBDA_LOG_LEVEL` (with [`LIBRARY_TARGETS`] at `info` at most), then `info`.
pub fn filter_directive(rust_log: Option<&str>, lambda_level: Option<&str>) -> String {
    if let Some(d) = rust_log.filter(|d| !d.trim().is_empty()) {
        return d.to_owned();
    }
    let level = match lambda_level.map(|l| l.trim().to_ascii_lowercase()) {
        Some(l) if ["trace", "debug", "info", "warn", "error"].contains(&l.as_str()) => l,
        Some(l) if l == "fatal" => "error".to_owned(),
        _ => "info".to_owned(),
    };
    if !matches!(level.as_str(), "trace" | "debug") {
        return level;
    }
    LIBRARY_TARGETS.iter().fold(level, |directive, target| format!("{directive},{target}=info"))
}

/// Installs the JSON subscriber of `service`'s lines once per process (later calls
/// are no-ops), exporting spans when the environment names an OTLP endpoint.
pub fn init(service: &str) {
    init_with(service, crate::traces::ExportSettings::from_env(service));
}

/// [`init`] with the span export `export` describes (`Ok(None)`: none; an error is
/// logged and the function runs without export).
pub fn init_with(service: &str, export: Result<Option<crate::traces::ExportSettings>, crate::traces::SettingsError>) {
    let directive = filter_directive(
        std::env::var("RUST_LOG").ok().as_deref(),
        std::env::var("AWS_LAMBDA_LOG_LEVEL").ok().as_deref(),
    );
    let (settings, refused) = match export {
        Ok(settings) => (settings, None),
        Err(e) => (None, Some(e)),
    };
    let installed = log_subscriber(service, &directive, std::io::stdout)
        .with(settings.and_then(|settings| crate::traces::install(service, settings)))
        .try_init();
    if let (Ok(()), Some(e)) = (installed, refused) {
        tracing::warn!(error = %e, "spans are not exported");
    }
}

/// The log lines of `service` (at the level `directive` asks for) written to
/// `writer`, without span export: what [`init`] installs, and what a benchmark
/// measures.
pub fn log_subscriber<W>(
    service: &str,
    directive: &str,
    writer: W,
) -> impl tracing::Subscriber + for<'a> LookupSpan<'a> + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::registry().with(PowertoolsJson::of(service).with_writer(writer)).with(filter(directive))
}

/// The filter `directive` asks for; one it cannot read logs at `info`.
pub fn filter(directive: &str) -> Targets {
    directive.parse().unwrap_or_else(|_| Targets::new().with_default(LevelFilter::INFO))
}

#[cfg(test)]
mod tests {
    use super::filter_directive;

    #[test]
    fn rust_log_wins_then_lambda_level_then_info() {
        assert_eq!(filter_directive(Some("addressing=debug"), Some("WARN")), "addressing=debug");
        assert_eq!(filter_directive(Some("debug"), Some("INFO")), "debug", "RUST_LOG as written");
        assert_eq!(filter_directive(None, Some("WARN")), "warn");
        assert_eq!(filter_directive(Some(""), Some("FATAL")), "error");
        assert_eq!(filter_directive(None, Some("loud")), "info");
        assert_eq!(filter_directive(None, None), "info");
    }

    #[test]
    fn a_directive_sets_levels_per_target_and_a_bad_one_falls_back_to_info() {
        use tracing_subscriber::filter::LevelFilter;
        let f = super::filter("warn,addressing=debug");
        assert!(f.would_enable("addressing::reconcile", &tracing::Level::DEBUG));
        assert!(!f.would_enable("platform_consumer::batch", &tracing::Level::INFO));
        assert!(f.would_enable("platform_consumer::batch", &tracing::Level::WARN));
        let bad = super::filter("addressing=[loud]");
        assert_eq!(bad.default_level(), Some(LevelFilter::INFO));
    }

    #[test]
    fn lambda_debug_is_the_platforms_own_and_the_sdk_and_http_stack_stay_at_info() {
        use tracing::Level;
        for level in ["DEBUG", "trace"] {
            let f = super::filter(&filter_directive(None, Some(level)));
            assert!(f.would_enable("addressing::reconcile", &Level::DEBUG), "{level}");
            assert!(f.would_enable("platform::store::schema", &Level::DEBUG), "{level}");
            for library in [
                "aws_smithy_runtime::client::orchestrator",
                "aws_sdk_dynamodb::endpoint_lib",
                "hyper_util::client::legacy::pool",
                "lambda_runtime::layers",
            ] {
                assert!(!f.would_enable(library, &Level::DEBUG), "{level}: {library}");
                assert!(f.would_enable(library, &Level::INFO), "{level}: {library}");
            }
        }
        // Quieter levels apply to everything alike; RUST_LOG can ask for the SDK's lines.
        let warn = super::filter(&filter_directive(None, Some("WARN")));
        assert!(!warn.would_enable("aws_smithy_runtime::client::orchestrator", &Level::INFO));
        let asked = super::filter(&filter_directive(Some("info,aws_smithy_runtime=debug"), Some("INFO")));
        assert!(asked.would_enable("aws_smithy_runtime::client::orchestrator", &Level::DEBUG));
    }
}
