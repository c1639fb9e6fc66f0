//! The spans the local functions exported over OTLP, as the collector of
//! `cargo xtask test` kept them (one OTLP/HTTP JSON body per line, in the file
//! `OTLP_SPANS_ENV` names): each span with the service that exported it.
use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use platform_testkit::{OTLP_SPANS_ENV, otlp_collector};
use serde_json::Value;

/// One exported span.
#[derive(Debug, Clone)]
pub struct ExportedSpan {
    /// The `service.name` of the function that exported it.
    pub service: String,
    /// The span as OTLP's JSON carries it.
    pub span: Value,
}

impl ExportedSpan {
    /// A field of the span (`traceId`, `spanId`, `parentSpanId`, `name`, ...), as text.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.span[field].as_str()
    }
}

/// Every span received so far.
pub fn read() -> Result<Vec<ExportedSpan>> {
    let file = std::env::var(OTLP_SPANS_ENV)
        .with_context(|| format!("{OTLP_SPANS_ENV} is not set: run the stack tests with `cargo xtask test`"))?;
    let text = std::fs::read_to_string(&file).with_context(|| format!("reading {file}"))?;
    let mut spans = Vec::new();
    for body in text.lines().filter(|l| !l.trim().is_empty()) {
        let body: Value = serde_json::from_str(body).with_context(|| format!("a body in {file}"))?;
        let exported = otlp_collector::spans_of(&body).into_iter();
        spans.extend(exported.map(|(service, span)| ExportedSpan { service, span }));
    }
    Ok(spans)
}

/// The spans of trace `trace_id` (32 hex digits), keyed by span id.
pub fn of_trace(trace_id: &str) -> Result<HashMap<String, ExportedSpan>> {
    let spans = read()?.into_iter().filter(|s| s.get("traceId") == Some(trace_id));
    Ok(spans.filter_map(|s| Some((s.get("spanId")?.to_owned(), s))).collect())
}

/// The chain of spans from `span` up through its parents, as far as they were
/// exported (the span first).
pub fn ancestry<'a>(spans: &'a HashMap<String, ExportedSpan>, span: &'a ExportedSpan) -> Vec<&'a ExportedSpan> {
    let mut chain = vec![span];
    while let Some(parent) = chain.last().and_then(|s| s.get("parentSpanId")).and_then(|id| spans.get(id)) {
        if chain.len() > 64 {
            break;
        }
        chain.push(parent);
    }
    chain
}

/// Waits until `found` finds what it looks for in the spans of `trace_id`; fails
/// after `timeout` with what there was.
pub async fn wait_for<T>(
    trace_id: &str,
    timeout: Duration,
    found: impl Fn(&HashMap<String, ExportedSpan>) -> Option<T>,
) -> Result<T> {
    let deadline = Instant::now() + timeout;
    loop {
        let spans = of_trace(trace_id)?;
        if let Some(result) = found(&spans) {
            return Ok(result);
        }
        if Instant::now() > deadline {
            let seen: Vec<String> = spans.values().map(|s| format!("{} {:?}", s.service, s.get("name"))).collect();
            bail!("the spans of trace {trace_id} did not show it within {timeout:?}; exported: {seen:?}");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}
