//! `cargo xtask bench saga [--runs N]`: how long the booking saga takes in the local
//! stack `up` started. Each happy-path run books a move (card `tok_visa`, a fresh
//! date) and measures `POST /moves` → `awaiting_confirmation`, then `confirm` →
//! `booked`; then one run of each compensation path (declined card, payment timeout,
//! customer cancel) measures `POST /moves` → `cancelled`. Polls every 20 ms.
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::flow_bench::{as_local_mover, summary};

struct Client {
    http: reqwest::Client,
    api: String,
    token: String,
}

impl Client {
    async fn get(&self, path: &str) -> Result<Value> {
        Ok(self.http.get(format!("{}{path}", self.api)).bearer_auth(&self.token).send().await?.json().await?)
    }

    async fn post(&self, path: &str, key: Option<&str>, body: &Value) -> Result<(u16, Value)> {
        let mut req = self.http.post(format!("{}{path}", self.api)).bearer_auth(&self.token).json(body);
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        let resp = req.send().await?;
        Ok((resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null)))
    }

    /// Books with `card` on a fresh date (retrying while the mover is not known yet).
    async fn book(&self, mover: &str, card: &str) -> Result<String> {
        let n = uuid::Uuid::new_v4().as_u128();
        let date = format!("{}-{:02}-{:02}", 2100 + n % 800, 1 + (n / 800) % 12, 1 + (n / 9600) % 28);
        let body = json!({"mover_id": mover, "move_date": date, "crew_size": 2,
                          "deposit": {"card_token": card}});
        let key = uuid::Uuid::new_v4().to_string();
        for _ in 0..100 {
            match self.post("/moves", Some(&key), &body).await? {
                (202, answer) => return Ok(answer["booking_id"].as_str().context("no booking id")?.to_owned()),
                (404, _) => tokio::time::sleep(Duration::from_millis(100)).await,
                (status, answer) => bail!("POST /moves answered {status}: {answer}"),
            }
        }
        bail!("the moves service never learned of mover {mover}")
    }

    async fn wait(&self, booking: &str, status: &str) -> Result<()> {
        let started = Instant::now();
        loop {
            let b = self.get(&format!("/moves/{booking}")).await?;
            if b["status"] == status {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(60)
                || (b["status"] != "pending" && b["status"] != "awaiting_confirmation")
            {
                bail!("booking {booking} did not reach {status}: {b}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs the benchmark against the stack on `port`.
pub fn run(port: u16, outputs: &BTreeMap<String, String>, runs: usize) -> Result<()> {
    as_local_mover(port, outputs, |http, api, token| async move {
        let client = Client { http, api, token };
        let address =
            |line: &str, city: &str, zip: &str| json!({"line1": line, "city": city, "state": "IL", "zip": zip});
        let mover = json!({"name": "Saga Bench", "email": "saga-bench@example.com",
            "from_address": address("123 North Main Street", "Springfield", "62701"),
            "to_address": address("9 Elm Street", "Chicago", "60601")});
        let (_, created) = client.post("/movers", None, &mover).await?;
        let mover = created["id"].as_str().with_context(|| format!("create mover failed: {created}"))?.to_owned();

        let (mut to_waiting, mut to_booked) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let started = Instant::now();
            let booking = client.book(&mover, "tok_visa").await?;
            client.wait(&booking, "awaiting_confirmation").await?;
            to_waiting.push(ms(started.elapsed()));
            let confirmed = Instant::now();
            client.post(&format!("/moves/{booking}/confirm"), None, &Value::Null).await?;
            client.wait(&booking, "booked").await?;
            to_booked.push(ms(confirmed.elapsed()));
        }
        println!("happy path, {runs} runs: POST /moves -> awaiting_confirmation: {}", summary(&mut to_waiting));
        println!("happy path, {runs} runs: confirm -> booked: {}", summary(&mut to_booked));

        for (label, card) in
            [("declined card", "tok_decline"), ("payment timeout", "tok_timeout"), ("customer cancel", "tok_visa")]
        {
            let started = Instant::now();
            let booking = client.book(&mover, card).await?;
            if label == "customer cancel" {
                client.wait(&booking, "awaiting_confirmation").await?;
                client.post(&format!("/moves/{booking}/cancel"), None, &Value::Null).await?;
            }
            client.wait(&booking, "cancelled").await?;
            println!("{label}: POST /moves -> cancelled (compensated) in {:.0} ms", ms(started.elapsed()));
        }
        Ok(())
    })
}
