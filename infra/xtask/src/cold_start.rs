//! `bench cold-start`: how long each function takes from spawn to its first poll of
//! the Lambda Runtime API, against a bare `lambda_runtime` function built the same
//! way in the same run, their starts taken in turns with each function's. Release
//! binaries for this machine; each function starts with the environment the local
//! stack deployed it with (its table, topics, key set: its real init calls go to
//! the emulator), and polls a minimal Runtime API on loopback that notes the
//! moment of the first request and ends the process. The peer a Python team would
//! write (Powertools for AWS Lambda and boto3, the same init calls) is started the
//! same way, in turns with the addressing worker. Each worker is then started once
//! more to measure its peak memory after a real batch (see [`crate::peak_memory`]).
use std::collections::BTreeMap;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::emulator::aws_cli;
use crate::paths;
use crate::process::{cargo, output, run};
use crate::template::{Function, functions, template};

/// The baseline's binary.
const BARE: &str = "cold-start-hello";
/// A start that has not polled by then is a failure.
const PATIENCE: Duration = Duration::from_secs(20);

/// Runs the benchmark: `starts` cold starts of each function against the stack
/// deployed on `port` (see `commands::bench`, which brings it up when needed).
pub fn run_bench(port: u16, starts: usize) -> Result<()> {
    // The binaries of the crates the template's functions are built from (their
    // `CodeUri`), and the baseline's; only those crates, so that features unify as
    // in a function's own build.
    let mut build = cargo();
    build.args(["build", "--release", "--bins", "-p", BARE]);
    for krate in function_crates(&template()?)? {
        build.args(["-p", &krate]);
    }
    run(&mut build)?;
    measure_all(&crate::venv::ensure()?, port, starts)
}

/// The package names of the crates the template's functions are built from.
fn function_crates(template: &serde_yaml::Value) -> Result<std::collections::BTreeSet<String>> {
    functions(template)
        .iter()
        .map(|f| {
            let manifest = std::fs::read_to_string(paths::root().join(&f.code_uri).join("Cargo.toml"))?;
            let manifest: toml::Value = toml::from_str(&manifest)?;
            let name = manifest["package"]["name"].as_str();
            Ok(name.with_context(|| format!("{}/Cargo.toml has no name", f.code_uri))?.to_owned())
        })
        .collect()
}

fn measure_all(bin: &Path, port: u16, starts: usize) -> Result<()> {
    let release = paths::target().join("release");
    let deployed = deployed_functions(bin, port)?;
    let bare = release.join(BARE);
    let (mut worst, mut worst_cpu) = (Worst::default(), Worst::default());
    let (mut bares, mut peaks) = (Vec::new(), Vec::new());
    for f in functions(&template()?) {
        let variables = deployed.get(&f.logical_id).with_context(|| format!("{} is not deployed", f.logical_id))?;
        let (ours, theirs) = side_by_side(&release.join(&f.binary), variables, &bare, port, starts)
            .with_context(|| format!("{} ({})", f.logical_id, f.binary))?;
        let (ms, bare_ms) = (ours.ms, theirs.ms);
        println!(
            "{:<28} {ms:>7.2} ms  {:.2}x bare ({bare_ms:.2} ms alongside); CPU {:.2} ms, {:.2}x bare's {:.2} ms",
            f.binary,
            ms / bare_ms,
            ours.cpu_ms,
            ours.cpu_ms / theirs.cpu_ms,
            theirs.cpu_ms
        );
        bares.push(bare_ms);
        worst.note(&f.binary, ms, bare_ms);
        worst_cpu.note(&f.binary, ours.cpu_ms, theirs.cpu_ms);
        if f.binary.ends_with("-worker") {
            let kib = crate::peak_memory::after_one_batch(&release.join(&f.binary), variables, port)
                .with_context(|| format!("the peak memory of {}", f.binary))?;
            peaks.push((f.binary.clone(), kib));
        }
    }
    bares.sort_by(f64::total_cmp);
    if let (Some(low), Some(high)) = (bares.first(), bares.last()) {
        println!("{BARE:<28} {low:.2}-{high:.2} ms (its median beside each function, {starts} starts each)");
    }
    let worker = deployed.get(PEER_OF).with_context(|| format!("{PEER_OF} is not deployed"))?;
    let peer = against_powertools(&release.join(PEER_BINARY), worker, port, starts)?;
    let (ours, theirs) = (peer.ours, peer.theirs);
    println!("{:<28} {theirs:>7.2} ms  ({PEER_BINARY} {ours:.2} ms beside it)", "powertools-worker (Python)");
    for (name, kib) in &peaks {
        println!("{name:<28} {:>7.1} MiB peak resident after a batch of 10", *kib as f64 / 1024.0);
    }
    println!(
        "{:<28} {:>7.1} MiB peak resident at its first poll, before any batch ({PEER_BINARY} {:.1} MiB then)",
        "powertools-worker (Python)",
        peer.their_peak as f64 / 1024.0,
        peer.our_peak as f64 / 1024.0
    );
    if let Some((name, kib)) = peaks.iter().max_by_key(|(_, kib)| *kib) {
        println!("peak memory: worst {name} {:.1} MiB after a batch of 10 records", *kib as f64 / 1024.0);
    }
    println!(
        "cold start vs Powertools: {PEER_BINARY} {ours:.2} ms vs Powertools (Python) {theirs:.2} ms, {:.1}x as fast",
        theirs / ours
    );
    println!("{}", worst_cpu.line("cold start CPU (spawn to exit, the rest of a start is waiting)")?);
    println!("{}", worst.line("cold start")?);
    Ok(())
}

/// The function with the highest ratio to the bare runtime so far: its name, its
/// median and the bare one's.
#[derive(Default)]
struct Worst(Option<(String, f64, f64)>);

impl Worst {
    fn note(&mut self, name: &str, ms: f64, bare_ms: f64) {
        if self.0.as_ref().is_none_or(|(_, w, b)| ms / bare_ms > w / b) {
            self.0 = Some((name.to_owned(), ms, bare_ms));
        }
    }

    /// `<what>: worst ratio <R> (<function> <X> ms vs bare <Y> ms)`.
    fn line(&self, what: &str) -> Result<String> {
        let (name, ms, bare_ms) = self.0.as_ref().context("the template has no functions")?;
        Ok(format!("{what}: worst ratio {:.2} ({name} {ms:.2} ms vs bare {bare_ms:.2} ms)", ms / bare_ms))
    }
}

/// The function whose deployed environment the Python peer starts with, and its binary.
const PEER_OF: &str = "AddressingWorker";
const PEER_BINARY: &str = "addressing-worker";

/// The worker's and its Powertools peer's cold starts, side by side.
struct AgainstPowertools {
    /// Median start of the worker, and of the peer, in ms.
    ours: f64,
    theirs: f64,
    /// The largest peak resident set at the first poll, in KiB.
    our_peak: u64,
    their_peak: u64,
}

/// `starts` cold starts of the worker `binary` and of its peer written with
/// Powertools for AWS Lambda (Python) and boto3 (`infra/bench/powertools_cold_start.py`:
/// the same init calls), in turns ([`in_turns`]).
fn against_powertools(
    binary: &Path,
    variables: &BTreeMap<String, String>,
    port: u16,
    starts: usize,
) -> Result<AgainstPowertools> {
    let python = crate::venv::ensure_bench_tools()?.join("python");
    let script = paths::root().join("infra/bench/powertools_cold_start.py");
    let (ours, theirs) = in_turns(
        starts,
        || start_once(binary, variables, port),
        || {
            start_with("the Powertools peer", |api| {
                let mut command = Command::new(&python);
                command.arg(&script);
                crate::lambda_process::in_environment(command, "powertools-worker", variables, port, api, "cold-start")
            })
        },
    )?;
    let peak = |starts: &[Start]| starts.iter().map(|s| s.peak_kib).max().unwrap_or_default();
    let ms = |starts: &[Start]| median(starts.iter().map(|s| s.ms).collect());
    Ok(AgainstPowertools { ours: ms(&ours), theirs: ms(&theirs), our_peak: peak(&ours), their_peak: peak(&theirs) })
}

/// The medians of `starts` cold starts of `binary` and as many of the bare runtime
/// (time and CPU, each its own median), taken in turns ([`in_turns`]).
fn side_by_side(
    binary: &Path,
    variables: &BTreeMap<String, String>,
    bare: &Path,
    port: u16,
    starts: usize,
) -> Result<(Start, Start)> {
    let (ours, theirs) = in_turns(
        starts,
        || start_once(binary, variables, port),
        || start_once(bare, &BTreeMap::new(), port).context("the bare function"),
    )?;
    Ok((Start::medians(&ours), Start::medians(&theirs)))
}

/// `pairs` results of `ours` and as many of `theirs`, taken in turns, each pair in
/// the other order than the pair before (ours, theirs, theirs, ours, ...), so that
/// both meet the same moments of a machine whose speed drifts by tens of percent
/// within minutes, and neither always runs right after the other.
fn in_turns<T>(
    pairs: usize,
    mut ours: impl FnMut() -> Result<T>,
    mut theirs: impl FnMut() -> Result<T>,
) -> Result<(Vec<T>, Vec<T>)> {
    let (mut mine, mut other) = (Vec::new(), Vec::new());
    for pair in 0..pairs.max(1) {
        if pair % 2 == 1 {
            other.push(theirs()?);
        }
        mine.push(ours()?);
        if pair % 2 == 0 {
            other.push(theirs()?);
        }
    }
    Ok((mine, other))
}

/// One cold start, as measured (or the medians of several).
#[derive(Clone, Copy, Debug)]
struct Start {
    /// Spawn → first poll of the Runtime API.
    ms: f64,
    /// The process's user and system CPU, from spawn to its exit (it is killed
    /// waiting on its first poll, so this is its start's work and its exit's).
    cpu_ms: f64,
    /// Its peak resident set at the first poll.
    peak_kib: u64,
}

impl Start {
    fn medians(starts: &[Start]) -> Start {
        Start {
            ms: median(starts.iter().map(|s| s.ms).collect()),
            cpu_ms: median(starts.iter().map(|s| s.cpu_ms).collect()),
            peak_kib: starts.iter().map(|s| s.peak_kib).max().unwrap_or_default(),
        }
    }
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// The environment variables each deployed function has, by logical id (each found
/// by its physical id in the stack: a function may have a name of its own).
fn deployed_functions(bin: &Path, port: u16) -> Result<BTreeMap<String, BTreeMap<String, String>>> {
    let listed: Value = serde_json::from_str(&output(aws_cli(bin, port).args(["lambda", "list-functions"]))?)?;
    let all = listed["Functions"].as_array().context("no functions listed")?;
    let stack = crate::samconfig::load("local")?.stack_name;
    let mut by_id = BTreeMap::new();
    for Function { logical_id, .. } in functions(&template()?) {
        let name = crate::emulator::physical_id(bin, port, &stack, &logical_id)?;
        let deployed = all
            .iter()
            .find(|f| f["FunctionName"].as_str() == Some(name.as_str()))
            .with_context(|| format!("no deployed function for {logical_id} ({name})"))?;
        let variables = deployed["Environment"]["Variables"]
            .as_object()
            .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect())
            .unwrap_or_default();
        by_id.insert(logical_id, variables);
    }
    Ok(by_id)
}

/// One cold start of `binary` with its deployed `variables`.
fn start_once(binary: &Path, variables: &BTreeMap<String, String>, port: u16) -> Result<Start> {
    start_with(&binary.display().to_string(), |api| {
        crate::lambda_process::command(binary, variables, port, api, "cold-start")
    })
}

/// One cold start of what `launch` makes for a Runtime API at the given address:
/// spawn → the first request on that API, the process's peak resident set then
/// (read after the time was taken), and the CPU it used.
fn start_with(what: &str, launch: impl FnOnce(std::net::SocketAddr) -> Command) -> Result<Start> {
    let api = TcpListener::bind("127.0.0.1:0")?;
    api.set_nonblocking(true)?;
    let mut command = launch(api.local_addr()?);
    command.stderr(Stdio::piped());
    let cpu_before = crate::child_cpu::reaped_children_ms()?;
    let spawned = Instant::now();
    let mut child = command.spawn().with_context(|| format!("starting {what}"))?;
    let polled = first_request(&api, &mut child);
    let elapsed = spawned.elapsed();
    let peak = polled.as_ref().ok().map(|_poll| crate::peak_memory::peak_kib(child.id()));
    let _ = child.kill();
    let _ = child.wait();
    let cpu_ms = crate::child_cpu::reaped_children_ms()? - cpu_before;
    match polled {
        Ok(_poll) => {
            Ok(Start { ms: elapsed.as_secs_f64() * 1000.0, cpu_ms, peak_kib: peak.transpose()?.unwrap_or_default() })
        }
        Err(e) => {
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                let _ = pipe.read_to_string(&mut stderr);
            }
            bail!("{e}; its output:\n{}", stderr.lines().rev().take(20).collect::<Vec<_>>().join("\n"))
        }
    }
}

/// Waits for the function's first request (its poll for the next invocation).
/// The connection stays open (the poll unanswered) as long as the caller holds it:
/// a process whose poll was closed may end before its memory is read.
fn first_request(api: &TcpListener, child: &mut Child) -> Result<TcpStream> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        match api.accept() {
            Ok((stream, _)) => return request_line(stream),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e.into()),
        }
        if let Some(status) = child.try_wait()? {
            bail!("it exited ({status}) before polling the Runtime API");
        }
        if Instant::now() > deadline {
            bail!("it did not poll the Runtime API within {PATIENCE:?}");
        }
        std::thread::sleep(Duration::from_micros(50));
    }
}

fn request_line(mut stream: TcpStream) -> Result<TcpStream> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head)?;
    let line = String::from_utf8_lossy(&head[..n]);
    if !line.starts_with("GET /2018-06-01/runtime/invocation/next") {
        bail!("its first request was not a poll for the next invocation: {line:?}");
    }
    Ok(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_is_the_highest_ratio_not_the_slowest_start() {
        let mut worst = Worst::default();
        assert!(worst.line("cold start").is_err(), "no function, no line");
        worst.note("slow-but-beside-a-slow-bare", 9.0, 4.5);
        worst.note("fast-beside-a-fast-bare", 6.0, 2.0);
        worst.note("fastest", 2.0, 2.0);
        assert_eq!(
            worst.line("cold start").unwrap(),
            "cold start: worst ratio 3.00 (fast-beside-a-fast-bare 6.00 ms vs bare 2.00 ms)"
        );
    }

    #[test]
    fn turns_alternate_which_side_goes_first() {
        let order = std::cell::RefCell::new(String::new());
        let take = |side: char| {
            order.borrow_mut().push(side);
            Ok(order.borrow().len())
        };
        let (ours, theirs) = in_turns(3, || take('o'), || take('t')).unwrap();
        assert_eq!(order.into_inner(), "ottoot");
        assert_eq!((ours, theirs), (vec![1, 4, 5], vec![2, 3, 6]));
    }

    #[test]
    fn every_function_of_the_template_has_a_crate_to_build() {
        let crates = function_crates(&template().unwrap()).unwrap();
        for expected in ["addressing", "auth", "movers", "moves", "notifications", "platform", "deploy-hook"] {
            assert!(crates.contains(expected), "{expected} missing from {crates:?}");
        }
    }
}
