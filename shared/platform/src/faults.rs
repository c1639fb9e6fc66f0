//! Seeded fault injection, for chaos runs against the local stack only. When
//! `PLATFORM_FAULTS` is set (`seed=11,rate=0.1,crash=0.01,services=dynamodb+sns+states+ses`)
//! the SDK clients' HTTP layer fails a share `rate` of the calls to those services
//! (a 500, a 503 throttle, a timeout) or delays them, and the consumer ends the
//! process at its crash points with probability `crash`. A function refuses to start
//! with faults in `PLATFORM_ENVIRONMENT=aws`.
//!
//! The faults sit in the HTTP connector rather than in a (synchronous) interceptor
//! hook: a delay is a real asynchronous wait, and a timeout is the connector error
//! the SDK's retry policy sees in production.
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;

/// The variable that turns faults on.
pub const FAULTS_ENV: &str = "PLATFORM_FAULTS";

/// What to inject, parsed from `PLATFORM_FAULTS`.
#[derive(Debug)]
pub struct FaultPlan {
    /// Share of calls to a faulted service that fail or are delayed (0 to 1).
    pub rate: f64,
    /// Probability of ending the process at each crash point (0 to 1).
    pub crash: f64,
    /// The services faulted, by their signing names (`dynamodb`, `sns`, `states`, `ses`).
    pub services: Vec<String>,
    rng: Mutex<u64>,
}

/// One injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// An internal server error (500).
    ServerError,
    /// Throttled (503).
    Throttled,
    /// The call goes through after this delay.
    Delay(Duration),
    /// No answer within the client's patience: a timeout after this delay.
    Timeout(Duration),
}

impl FaultPlan {
    /// Parses `seed=S,rate=R,crash=C,services=a+b`; unknown keys are an error.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut plan = FaultPlan {
            rate: 0.1,
            crash: 0.0,
            services: ["dynamodb", "sns", "states", "ses"].map(String::from).to_vec(),
            rng: Mutex::new(0x9E37_79B9_7F4A_7C15),
        };
        let mut seed: u64 = 1;
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| format!("`{part}` is not key=value"))?;
            let number = || value.parse::<f64>().map_err(|_| format!("`{key}` must be a number, not `{value}`"));
            match key {
                "seed" => seed = value.parse().map_err(|_| format!("`seed` must be an integer, not `{value}`"))?,
                "rate" => plan.rate = number()?,
                "crash" => plan.crash = number()?,
                "services" => plan.services = value.split('+').map(String::from).collect(),
                other => return Err(format!("unknown fault setting `{other}` (seed, rate, crash, services)")),
            }
        }
        if !(0.0..=1.0).contains(&plan.rate) || !(0.0..=1.0).contains(&plan.crash) {
            return Err("`rate` and `crash` are shares between 0 and 1".into());
        }
        // Each process draws its own sequence from the seed: the run is reproducible
        // in its mix, while concurrent functions do not fail in lockstep.
        plan.rng = Mutex::new(splitmix(seed ^ u64::from(std::process::id()).rotate_left(32)));
        Ok(plan)
    }

    /// A number in [0, 1) from the plan's generator.
    fn draw(&self) -> f64 {
        let mut state = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        *state = splitmix(*state);
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The fault for the next call to `service`, if any.
    pub fn fault_for(&self, service: &str) -> Option<Fault> {
        if !self.services.iter().any(|s| s == service) || self.draw() >= self.rate {
            return None;
        }
        let kind = self.draw();
        let delay = Duration::from_millis(50 + (self.draw() * 950.0) as u64);
        Some(match kind {
            k if k < 0.35 => Fault::ServerError,
            k if k < 0.65 => Fault::Throttled,
            k if k < 0.9 => Fault::Delay(delay),
            _ => Fault::Timeout(delay),
        })
    }

    /// Whether to crash at a crash point now.
    pub fn crashes(&self) -> bool {
        self.crash > 0.0 && self.draw() < self.crash
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

static PLAN: OnceLock<Option<FaultPlan>> = OnceLock::new();

/// Reads `PLATFORM_FAULTS` once (at cold start); an error when it is set where it
/// must not be (`PLATFORM_ENVIRONMENT=aws`) or does not parse.
pub fn init() -> Result<(), String> {
    let spec = std::env::var(FAULTS_ENV).ok().filter(|s| !s.trim().is_empty());
    let plan = match spec {
        None => None,
        Some(spec) => {
            if std::env::var("PLATFORM_ENVIRONMENT").is_ok_and(|e| e == "aws") {
                return Err(format!("{FAULTS_ENV} is set in an `aws` environment; faults are for local runs only"));
            }
            let plan = FaultPlan::parse(&spec).map_err(|e| format!("{FAULTS_ENV}: {e}"))?;
            tracing::warn!(rate = plan.rate, crash = plan.crash, services = ?plan.services, "fault injection is ON");
            Some(plan)
        }
    };
    let _ = PLAN.set(plan);
    Ok(())
}

/// The plan in force, if faults are on.
pub fn plan() -> Option<&'static FaultPlan> {
    PLAN.get().and_then(Option::as_ref)
}

/// A point where a crash tells whether work survives it: with faults on, the
/// process may end here (as a Lambda killed mid-invocation would).
pub fn crash_point(point: &str) {
    if plan().is_some_and(FaultPlan::crashes) {
        tracing::error!(crash_point = point, "chaos: ending the process at a crash point");
        eprintln!("chaos: crash at {point}");
        std::process::exit(70);
    }
}

/// The signing name of the service a request is for (`dynamodb`, `sns`, ...), from
/// its SigV4 credential scope.
pub(crate) fn service_of(request: &HttpRequest) -> Option<String> {
    let auth = request.headers().get("authorization")?;
    let scope = auth.split("Credential=").nth(1)?.split(',').next()?;
    scope.split('/').nth(3).map(str::to_owned)
}

#[derive(Debug)]
struct FaultyConnector {
    inner: SharedHttpConnector,
}

fn status(
    code: u16,
    body: &'static str,
) -> Result<aws_smithy_runtime_api::client::orchestrator::HttpResponse, ConnectorError> {
    let status = StatusCode::try_from(code).map_err(|e| ConnectorError::other(e.into(), None))?;
    Ok(Response::new(status, SdkBody::from(body)))
}

impl HttpConnector for FaultyConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let fault = plan().and_then(|p| service_of(&request).and_then(|s| p.fault_for(&s)));
        let Some(fault) = fault else { return self.inner.call(request) };
        tracing::info!(?fault, "chaos: injecting a fault");
        match fault {
            Fault::ServerError => HttpConnectorFuture::ready(status(500, r#"{"__type":"InternalServerError"}"#)),
            Fault::Throttled => HttpConnectorFuture::ready(status(503, r#"{"__type":"ServiceUnavailable"}"#)),
            Fault::Delay(delay) => {
                let inner = self.inner.clone();
                HttpConnectorFuture::new(async move {
                    tokio::time::sleep(delay).await;
                    inner.call(request).await
                })
            }
            Fault::Timeout(after) => HttpConnectorFuture::new(async move {
                tokio::time::sleep(after).await;
                Err(ConnectorError::timeout("chaos: injected timeout".into()))
            }),
        }
    }
}

#[derive(Debug)]
struct FaultyClient {
    inner: SharedHttpClient,
}

impl HttpClient for FaultyClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(FaultyConnector { inner: self.inner.http_connector(settings, components) })
    }
}

/// `client` with the faults of the plan in force, when faults are on.
pub(crate) fn wrap(client: SharedHttpClient) -> SharedHttpClient {
    match plan() {
        Some(_) => SharedHttpClient::new(FaultyClient { inner: client }),
        None => client,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_parses_and_refuses_what_it_does_not_know() {
        let plan = FaultPlan::parse("seed=11,rate=0.25,crash=0.01,services=dynamodb+sns").unwrap();
        assert_eq!(
            (plan.rate, plan.crash, plan.services.as_slice()),
            (0.25, 0.01, &["dynamodb".to_owned(), "sns".to_owned()][..])
        );
        assert!(FaultPlan::parse("rate=2").is_err());
        assert!(FaultPlan::parse("speed=3").unwrap_err().contains("unknown fault setting"));
        assert!(FaultPlan::parse("seed=x").is_err());
    }

    #[test]
    fn about_the_rate_of_calls_to_faulted_services_fail_and_no_others() {
        let plan = FaultPlan::parse("seed=7,rate=0.1").unwrap();
        let faulted = (0..10_000).filter(|_| plan.fault_for("dynamodb").is_some()).count();
        assert!((800..1200).contains(&faulted), "{faulted} of 10000");
        assert!((0..1_000).all(|_| plan.fault_for("ssm").is_none()), "ssm is not faulted");
        let kinds: std::collections::HashSet<_> =
            (0..10_000).filter_map(|_| plan.fault_for("sns")).map(|f| std::mem::discriminant(&f)).collect();
        assert_eq!(kinds.len(), 4, "500s, throttles, delays and timeouts all occur");
    }

    #[test]
    fn the_service_is_read_from_the_signature_scope() {
        let mut request = HttpRequest::empty();
        request.headers_mut().insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x",
        );
        assert_eq!(service_of(&request).as_deref(), Some("dynamodb"));
        assert_eq!(service_of(&HttpRequest::empty()), None);
    }
}
