//! `cargo xtask bench flow [--runs N]`: the end-to-end latency of "create a mover →
//! both addresses reconciled" against the local stack `up` started. It logs in once
//! as the local mover; each run creates one mover with two fresh addresses through
//! the REST API and polls it every 20 ms until both are reconciled. Prints min,
//! median, p90 and max.
use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

/// `min, median, p90, max` of millisecond samples.
pub fn summary(samples: &mut [f64]) -> String {
    if samples.is_empty() {
        return "no samples".into();
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    format!("min {:.0} ms, median {:.0} ms, p90 {:.0} ms, max {:.0} ms", samples[0], at(0.5), at(0.9), at(1.0))
}

/// Logs in as a local account; its access token.
async fn login(http: &reqwest::Client, api: &str, email: &str) -> Result<String> {
    let login: Value = http
        .post(format!("{api}/auth/token"))
        .json(&json!({"email": email, "password": "local-dev-password"}))
        .send()
        .await?
        .json()
        .await?;
    Ok(login["access_token"].as_str().context("login failed (is this the local stack?)")?.to_owned())
}

/// Runs `bench` against the API of the stack on `port`, on a single-threaded
/// runtime, with an HTTP client, the API base URL and a token of the local mover.
pub fn as_local_mover<F, Fut>(port: u16, outputs: &BTreeMap<String, String>, bench: F) -> Result<()>
where
    F: FnOnce(reqwest::Client, String, String) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let api = crate::local_stack::api_base(port, outputs).context("the stack has no API outputs")?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let token = login(&http, &api, "mover@updater.local").await?;
        bench(http, api, token).await
    })
}

/// Runs the benchmark `runs` times against the stack on `port`.
pub fn run(port: u16, outputs: &BTreeMap<String, String>, runs: usize) -> Result<()> {
    as_local_mover(port, outputs, |http, api, token| async move {
        let mut samples = Vec::with_capacity(runs);
        for i in 0..runs {
            let n = 10_000 + (uuid::Uuid::new_v4().as_u128() % 80_000) as u32;
            let address = |line: String| json!({"line1": line, "city": "Springfield", "state": "IL", "zip": "62701"});
            let body = json!({"name": format!("Bench {i}"), "email": "bench@example.com",
                "from_address": address(format!("{n} Old Road")), "to_address": address(format!("{n} New Street"))});
            let started = Instant::now();
            let created: Value =
                http.post(format!("{api}/movers")).bearer_auth(&token).json(&body).send().await?.json().await?;
            let id = created["id"].as_str().with_context(|| format!("create failed: {created}"))?.to_owned();
            loop {
                let mover: Value =
                    http.get(format!("{api}/movers/{id}")).bearer_auth(&token).send().await?.json().await?;
                let statuses = [&mover["from_address"]["status"], &mover["to_address"]["status"]];
                if statuses.iter().all(|s| *s == "reconciled") {
                    break;
                }
                if statuses.iter().any(|s| *s == "rejected") || started.elapsed() > Duration::from_secs(60) {
                    bail!("run {i} did not reconcile: {mover}");
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            samples.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        println!("create mover -> both addresses reconciled, {runs} runs: {}", summary(&mut samples));
        Ok(())
    })
}
