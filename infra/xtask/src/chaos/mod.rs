//! `cargo xtask chaos --messages N --seed S [--fault-rate R] [--crash C]`: deploys
//! the local stack with seeded faults on (see `platform::faults`: failed, throttled,
//! delayed and timed-out AWS calls, and processes ended at the consumer's crash
//! points), drives N inputs through it (see [`drive`]), waits until it is quiet,
//! redrives every DLQ once, waits again, and judges each input by its final outcome.
//! It ends with `chaos: sent N, completed N, lost 0, duplicated 0, dead-lettered K (...)`
//! and fails when anything was lost or duplicated.
mod bookings;
mod drive;
mod email_causes;
mod log_summary;

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use futures::stream::{self, StreamExt};
use platform_messages::Envelope;
use platform_testkit::{DeadLetters, Probe};

use crate::emulator::{self, Emulator, Guard};
use crate::{deploy, samconfig, venv};
use drive::{Driver, Input, Tally};

/// Inputs in flight at once, as that many clients would send them.
const SENDERS: usize = 4;

/// The services whose DLQs a run reads and redrives: every one with a queue.
fn services() -> Vec<String> {
    crate::catalog_check::catalogs().iter().map(|c| crate::wiring::prefix(c.service)).collect()
}

/// A run's settings.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Inputs to send.
    pub messages: usize,
    /// Seed of the inputs and of the faults.
    pub seed: u64,
    /// Share of AWS calls faulted.
    pub fault_rate: f64,
    /// Probability of a crash at each crash point.
    pub crash: f64,
}

impl Options {
    /// The short run `cargo xtask test` makes: 200 inputs, seed 7, 10 % of calls faulted.
    pub const SHORT: Options = Options { messages: 200, seed: 7, fault_rate: 0.1, crash: 0.02 };

    fn faults(&self) -> String {
        format!("Faults=seed={},rate={},crash={}", self.seed, self.fault_rate, self.crash)
    }
}

/// `cargo xtask chaos`: builds, runs on an emulator of its own, stops it.
pub fn command(options: Options) -> Result<()> {
    let bin = venv::ensure()?;
    deploy::build_all()?;
    on_fresh_stack(&bin, options)
}

/// Starts an emulator on a free port, deploys with faults, runs, stops the emulator.
pub fn on_fresh_stack(bin: &std::path::Path, options: Options) -> Result<()> {
    let port = emulator::free_port()?;
    let guard = Guard(Emulator::start(bin, port)?);
    eprintln!("chaos: emulator on 127.0.0.1:{port} (log {})", guard.0.log.display());
    let mut env = samconfig::load("local")?;
    env.parameter_overrides.push(options.faults());
    // The saga waits and retries as in AWS (its local settings are cut short for the
    // tests' sake): under 10 % faults three tries of a step are too few to judge it by.
    env.set("StepRetryMaxAttempts", 10);
    env.set("StepRetryMaxDelaySeconds", 8);
    env.set("AddressVerificationTimeoutSeconds", 900);
    env.set("ConfirmationTimeoutSeconds", 3600);
    // A long run at DEBUG writes gigabytes of emulator log; INFO keeps every record's outcome.
    env.set("LogLevel", "INFO");
    let outputs = deploy::deploy(bin, port, &env)?;
    let result = run(port, outputs, options, &guard.0.log);
    drop(guard);
    result
}

async fn dead_letters(driver: &Driver) -> Result<(HashSet<String>, BTreeMap<String, usize>)> {
    let (mut markers, mut reasons) = (HashSet::new(), BTreeMap::new());
    for service in services() {
        let (Some(dlq), Some(queue)) =
            (driver.outputs.get(&format!("{service}DlqUrl")), driver.outputs.get(&format!("{service}QueueUrl")))
        else {
            continue;
        };
        for body in DeadLetters::new(driver.sqs.clone(), dlq, queue).list().await? {
            let reason = match Envelope::decode(&body) {
                Ok(envelope) => format!("{}: {}", service.to_lowercase(), envelope.name),
                Err(_) => format!("{}: not an envelope", service.to_lowercase()),
            };
            *reasons.entry(reason).or_default() += 1;
            if let Some(start) = body.find("chaos-garbage-") {
                markers.insert(body[start..].trim_end_matches(['"', '}']).to_owned());
            }
        }
    }
    Ok((markers, reasons))
}

/// Waits until every input has its outcome, or nothing changed for `quiet` and at
/// least two passes (a pass over a large run can itself outlast `quiet`).
async fn settle(driver: &mut Driver, inputs: &mut [Input], probe: &mut Probe, quiet: Duration) -> Result<Tally> {
    let (mut best, mut since, mut idle_passes) = (0, Instant::now(), 0);
    loop {
        driver.refresh().await?;
        driver.advance_all(inputs).await?;
        let (dead, _) = dead_letters(driver).await?;
        let tally = driver.tally(inputs, probe, &dead).await?;
        if tally.completed == inputs.len() || (since.elapsed() > quiet && idle_passes >= 2) {
            return Ok(tally);
        }
        idle_passes += 1;
        if tally.completed > best {
            (best, since, idle_passes) = (tally.completed, Instant::now(), 0);
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
}

/// Drives a run against the stack on `port` and reports it, with what its emulator `log` counted.
pub fn run(port: u16, outputs: BTreeMap<String, String>, options: Options, log: &std::path::Path) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let endpoint = format!("http://127.0.0.1:{port}");
        let aws = crate::bus_tools::local_config(port).await;
        let api = crate::local_stack::api_base(port, &outputs).ok_or_else(|| anyhow::anyhow!("no API outputs"))?;
        let mut driver = Driver::new(&endpoint, api, outputs, &aws).await?;
        let events = driver.outputs.get("EventsTopicArn").cloned().unwrap_or_default();
        let mut probe =
            Probe::subscribe_with(aws_sdk_sqs::Client::new(&aws), aws_sdk_sns::Client::new(&aws), &[&events]).await?;
        let started = Instant::now();
        let mut inputs = Vec::with_capacity(options.messages);
        let indexes: Vec<usize> = (0..options.messages).collect();
        for (n, chunk) in indexes.chunks(drive::CHUNK).enumerate() {
            driver.refresh().await?;
            driver.enroll(options.seed, n).await?;
            let sent: Vec<Result<Input>> =
                stream::iter(chunk.iter().map(|&i| driver.send(options.seed, i))).buffered(SENDERS).collect().await;
            inputs.extend(sent.into_iter().collect::<Result<Vec<_>>>()?);
            driver.advance_all(&mut inputs).await?;
            while probe.poll().await? > 0 {}
        }
        eprintln!(
            "chaos: seed {}, fault rate {}, crash {}: sent {} inputs in {:.1} s",
            options.seed,
            options.fault_rate,
            options.crash,
            inputs.len(),
            started.elapsed().as_secs_f64()
        );
        // Longer than a message takes to be dead-lettered (three receives of 30 s locally).
        let quiet = Duration::from_secs(130);
        let first = settle(&mut driver, &mut inputs, &mut probe, quiet).await?;
        eprintln!(
            "chaos: quiet after {:.1} s, {} of {} done; redriving the DLQs",
            started.elapsed().as_secs_f64(),
            first.completed,
            inputs.len()
        );
        let mut redriven = 0;
        for service in services() {
            if let (Some(dlq), Some(queue)) =
                (driver.outputs.get(&format!("{service}DlqUrl")), driver.outputs.get(&format!("{service}QueueUrl")))
            {
                redriven += DeadLetters::new(driver.sqs.clone(), dlq, queue).redrive().await?;
            }
        }
        settle(&mut driver, &mut inputs, &mut probe, quiet).await?;
        // The verdict, from what the DLQs hold now.
        let (dead, reasons) = dead_letters(&driver).await?;
        let tally = driver.tally(&inputs, &mut probe, &dead).await?;
        probe.close().await?;
        match log_summary::count(log) {
            Ok(counts) => println!("  {}", log_summary::line(&counts)),
            Err(e) => eprintln!("chaos: could not read the emulator log: {e:#}"),
        }
        report(&inputs, &tally, redriven, &reasons, started.elapsed())
    })
}

fn report(
    inputs: &[Input],
    tally: &Tally,
    redriven: usize,
    reasons: &BTreeMap<String, usize>,
    took: Duration,
) -> Result<()> {
    for (kind, (done, sent)) in &tally.by_kind {
        println!("  {kind}: {done} of {sent} with their final outcome");
    }
    for (end, n) in &tally.booking_ends {
        println!("    {n} booking(s): {end}");
    }
    for kind in tally.by_kind.keys() {
        for label in tally.lost.iter().filter(|l| l.starts_with(kind)).take(5) {
            println!("  lost: {label}");
        }
    }
    for label in tally.duplicated.iter().take(10) {
        println!("  duplicated: {label}");
    }
    for cause in tally.email_causes.iter().take(10) {
        println!("  emails: {cause}");
    }
    let dead: usize = reasons.values().sum();
    let why: Vec<_> = reasons.iter().map(|(r, n)| format!("{r} {n}")).collect();
    println!("  redrove {redriven} dead letter(s) once; took {:.1} s", took.as_secs_f64());
    println!(
        "chaos: sent {}, completed {}, lost {}, duplicated {}, dead-lettered {dead} ({})",
        inputs.len(),
        tally.completed,
        tally.lost.len(),
        tally.duplicated.len(),
        if why.is_empty() { "none".to_owned() } else { why.join(", ") }
    );
    if !tally.lost.is_empty() || !tally.duplicated.is_empty() {
        bail!("chaos: {} lost, {} duplicated", tally.lost.len(), tally.duplicated.len());
    }
    Ok(())
}
