//! The subcommands.
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::emulator::{self, Emulator, Guard, client_env};
use crate::process::{cargo, run};
use crate::{
    alarms, bus_tools, catalog_check, deploy, diagrams, paths, policy_check, saga_check, samconfig, schemas, venv,
};

fn write_outputs(port: u16, outputs: &std::collections::BTreeMap<String, String>) -> Result<std::path::PathBuf> {
    let file = paths::local().join(format!("stack-{port}.json"));
    std::fs::write(&file, serde_json::to_string_pretty(outputs)?)?;
    Ok(file)
}

/// `up`: the whole system, locally and offline.
pub fn up(port: u16) -> Result<()> {
    let started = Instant::now();
    let bin = venv::ensure()?;
    let env = samconfig::load("local")?;
    deploy::build_all()?;
    let (emulator, fresh) = match Emulator::attach(port) {
        Some(e) => {
            eprintln!("Reusing the emulator already running on 127.0.0.1:{port} (pid {}).", e.pgid);
            (e, false)
        }
        None => (Emulator::start(&bin, port)?, true),
    };
    let outputs = match deploy::deploy(&bin, port, &env) {
        Ok(o) => o,
        Err(e) if fresh => {
            emulator.stop();
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    let file = write_outputs(port, &outputs)?;
    let endpoint = format!("http://127.0.0.1:{port}");
    println!("\nThe local stack is ready ({:.1} s).", started.elapsed().as_secs_f64());
    println!("  endpoint:   {endpoint}   (AWS_ENDPOINT_URL; any access key, region {})", emulator::REGION);
    println!("  stack:      {}", env.stack_name);
    println!("  outputs:    {}", file.display());
    for (k, v) in &outputs {
        println!("    {k:<22} {v}");
    }
    println!("  emulator:   pid {} (log {})", emulator.pgid, emulator.log.display());
    if let Some(api) = crate::local_stack::api_base(port, &outputs) {
        println!("  API:        {api}");
        println!("\nLog in (local accounts: system@, mover@, client@, business@updater.local / local-dev-password):");
        println!(
            "  curl -s -X POST {api}/auth/token -H 'Content-Type: application/json' \\\n       -d '{{\"email\":\"mover@updater.local\",\"password\":\"local-dev-password\"}}'"
        );
    }
    println!("\nPublish an event:");
    println!(
        "  cargo xtask publish address.received '{{\"ref\":\"demo-1\",\"address\":{{\"line1\":\"123 North Main Street Apt 4\",\"city\":\"Springfield\",\"state\":\"Illinois\",\"zip\":\"62701\"}}}}'"
    );
    println!("Watch what the system publishes:  cargo xtask watch");
    println!("Book a move (saga), then follow it: POST /moves (see README), cargo xtask saga <booking_id>");
    println!("Emails sent:                      curl -s http://127.0.0.1:{port}/_ministack/ses/messages");
    match std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").ok().filter(|e| !e.trim().is_empty()) {
        Some(endpoint) => println!("Spans (OTLP/HTTP JSON) go to:      {endpoint}"),
        None => println!(
            "Export spans to a local collector: OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 cargo xtask deploy"
        ),
    }
    println!("Stop everything:                  cargo xtask down");
    Ok(())
}

/// `down`: stops what `up` started.
pub fn down(port: u16) -> Result<()> {
    match Emulator::attach(port) {
        Some(e) => {
            e.stop();
            println!("Stopped the emulator on 127.0.0.1:{port} and its functions.");
        }
        None => println!("No emulator started by `cargo xtask up` is running on port {port}."),
    }
    Ok(())
}

/// `deploy`: rebuild and redeploy to the emulator `up` started.
pub fn deploy(port: u16) -> Result<()> {
    let bin = venv::ensure()?;
    if Emulator::attach(port).is_none() {
        bail!("no emulator on port {port}: run `cargo xtask up` first");
    }
    deploy::build_all()?;
    let outputs = deploy::deploy(&bin, port, &samconfig::load("local")?)?;
    write_outputs(port, &outputs)?;
    println!("Deployed.");
    Ok(())
}

/// cfn-lint on the templates, actionlint on the GitHub Actions workflows.
fn lint(bin: &Path) -> Result<()> {
    run(Command::new(bin.join("cfn-lint"))
        .current_dir(paths::root())
        .args(["template.yaml", "infra/deploy-role.yaml"]))?;
    eprintln!("cfn-lint: template.yaml and infra/deploy-role.yaml are clean");
    if !bin.join("actionlint").exists() && !cfg!(target_os = "linux") {
        eprintln!("actionlint: no build for this platform on PyPI; the workflows are checked on Linux (CI)");
        return Ok(());
    }
    run(Command::new(bin.join("actionlint")).current_dir(paths::root()).arg("-no-color"))?;
    eprintln!("actionlint: .github/workflows is clean");
    Ok(())
}

/// Rust style and lints: `cargo fmt --check` and clippy with warnings as errors,
/// `large_futures` included: a future of 16 KB or more held inline (an init's SDK
/// requests were 127 KB in a worker's `main` frame) is boxed, or the check fails.
fn rust_lint() -> Result<()> {
    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo()
        .args(["clippy", "--workspace", "--all-targets", "--quiet", "--"])
        .args(["-D", "warnings"])
        .args(["-W", "clippy::large_futures"]))
}

/// `check`: lint, catalog/template and schema checks.
pub fn check() -> Result<()> {
    lint(&venv::ensure()?)?;
    consistency_checks()?;
    rust_lint()
}

/// The checks that the catalogs, template, schemas, diagrams, alarms, saga,
/// policies and module graph agree with the code.
fn consistency_checks() -> Result<()> {
    let template = crate::template::template()?;
    catalog_check::check(&template)?;
    schemas::check()?;
    diagrams::check()?;
    crate::docs_check::check()?;
    crate::wiring::BLOCK.check()?;
    crate::hooks::BLOCK.check()?;
    alarms::BLOCK.check()?;
    crate::dashboard::BLOCK.check()?;
    saga_check::check(&template)?;
    crate::deploy_check::check(&template)?;
    policy_check::check(&template)?;
    crate::tracing_check::check(&template)?;
    crate::runtime_check::check(&template)?;
    crate::cycle_check::check()
}

/// `test`: every test. The stack tests get an emulator of their own on a free port.
pub fn test() -> Result<()> {
    let t0 = Instant::now();
    let bin = venv::ensure()?;
    let t_venv = t0.elapsed();
    lint(&bin)?;
    consistency_checks()?;
    crate::docs_check::validate()?;
    rust_lint()?;

    let t1 = Instant::now();
    deploy::build_all()?;
    let t_build = t1.elapsed();

    let t2 = Instant::now();
    let port = emulator::free_port()?;
    let guard = Guard(Emulator::start(&bin, port)?);
    let pgid = guard.0.pgid;
    ctrlc::set_handler(move || {
        emulator::stop_group(pgid);
        std::process::exit(130);
    })?;
    eprintln!("Emulator for the tests on 127.0.0.1:{port} (pid {pgid}, log {}).", guard.0.log.display());
    let t_emulator = t2.elapsed();
    let t3 = Instant::now();
    // The functions export their spans to a collector of the tests' own.
    let spans = paths::local().join(format!("otlp-spans-{port}.jsonl"));
    let collector = platform_testkit::otlp_collector::OtlpCollector::start_writing(&spans)?;
    let mut env = samconfig::load("local")?;
    env.set("OtlpEndpoint", collector.endpoint());
    let outputs = deploy::deploy(&bin, port, &env)?;
    let file = write_outputs(port, &outputs)?;
    let t_deploy = t3.elapsed();

    // Unit, doc and stack tests in one invocation: one feature resolution, no rebuild.
    let t4 = Instant::now();
    let result = run(cargo()
        .args(["test", "--workspace"])
        .envs(client_env(port))
        .env(platform_testkit::OUTPUTS_ENV, &file)
        .env(platform_testkit::OTLP_SPANS_ENV, &spans));
    // The canary, as `cargo xtask health` runs it, on the same stack; then a flow
    // followed through the functions' logs, as `cargo xtask trace` does.
    let result = result.and_then(|()| {
        let stack = samconfig::load("local")?.stack_name;
        crate::health::print(&crate::health::run(&bin, port, &stack)?)
    });
    let result = result.and_then(|()| crate::trace::check(port, &crate::local_stack::outputs(port)?));
    let t_tests = t4.elapsed();
    drop(guard);
    drop(collector);

    // A short seeded chaos run on a stack of its own, faults on.
    let t5 = Instant::now();
    let chaos = result.and_then(|()| crate::chaos::on_fresh_stack(&bin, crate::chaos::Options::SHORT));
    let t_chaos = t5.elapsed();

    // A new service, made in a throw-away copy, passes `check` and its own tests.
    let t6 = Instant::now();
    let proved = chaos.and_then(|()| crate::new_service::prove());
    let t_new_service = t6.elapsed();
    eprintln!(
        "\ntimings: venv {:.1}s, build {:.1}s, emulator start {:.1}s, deploy {:.1}s, tests {:.1}s, chaos {:.1}s, new service {:.1}s, total {:.1}s",
        t_venv.as_secs_f64(),
        t_build.as_secs_f64(),
        t_emulator.as_secs_f64(),
        t_deploy.as_secs_f64(),
        t_tests.as_secs_f64(),
        t_chaos.as_secs_f64(),
        t_new_service.as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
    proved
}

/// `health [--port N]`: the canary once, against the stack of `cargo xtask up`.
pub fn health(port: u16) -> Result<()> {
    let bin = venv::ensure()?;
    if Emulator::attach(port).is_none() {
        bail!("no local stack on port {port}: start one with `cargo xtask up`");
    }
    crate::health::print(&crate::health::run(&bin, port, &samconfig::load("local")?.stack_name)?)
}

/// `saga <booking_id>`: the history of one booking's saga.
pub fn saga(booking: &str, port: u16) -> Result<()> {
    crate::saga_history::print(&venv::ensure()?, port, &crate::local_stack::outputs(port)?, booking)
}

/// `dlq <service> [list|redrive]`: inspect or replay a service's dead letters.
pub fn dlq(service: &str, action: &str, port: u16) -> Result<()> {
    bus_tools::dlq(port, &crate::local_stack::outputs(port)?, service, action)
}

/// `publish <name> <data-json>`: publishes one message to the local stack.
pub fn publish(name: &str, data: &str, raw: bool, port: u16) -> Result<()> {
    bus_tools::publish(port, &crate::local_stack::outputs(port)?, name, data, raw).map(|_| ())
}

/// `watch`: prints every event the local stack publishes until interrupted.
pub fn watch(port: u16) -> Result<()> {
    bus_tools::watch(port, &crate::local_stack::outputs(port)?)
}

/// `release`: each function's arm64 `bootstrap.zip` for AWS, built with cargo-lambda;
/// prints each zip's size and fails when one is over [`ARTIFACT_BUDGET`].
pub fn release() -> Result<()> {
    let bin = venv::ensure_release_tools()?;
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let functions = crate::template::functions(&crate::template::template()?);
    let mut cmd = cargo();
    cmd.env("PATH", &path).args(["lambda", "build", "--release", "--arm64", "--output-format", "zip"]);
    for f in &functions {
        cmd.args(["--bin", &f.binary]);
    }
    run(&mut cmd)?;
    let mut largest: Option<(String, u64)> = None;
    for f in &functions {
        let zip = paths::target().join("lambda").join(&f.binary).join("bootstrap.zip");
        let size = std::fs::metadata(&zip).with_context(|| zip.display().to_string())?.len();
        println!("{:<24} {:>5.2} MiB  {}", f.binary, mib(size), zip.display());
        if largest.as_ref().is_none_or(|(_, l)| size > *l) {
            largest = Some((f.binary.clone(), size));
        }
    }
    let (name, size) = largest.context("the template has no functions")?;
    println!(
        "release: {} functions, largest {name} {:.2} MiB zipped (budget {:.0} MiB)",
        functions.len(),
        mib(size),
        mib(ARTIFACT_BUDGET)
    );
    if size > ARTIFACT_BUDGET {
        bail!("{name}'s bootstrap.zip is over the artifact budget");
    }
    Ok(())
}

/// The most a function's zipped artifact may weigh.
const ARTIFACT_BUDGET: u64 = 4 * 1024 * 1024;

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// `keys init|rotate [--aws]`: the auth signing keys, locally or in AWS.
pub fn keys(action: crate::cli::KeysAction, aws: bool, port: u16) -> Result<()> {
    use crate::cli::KeysAction;
    use crate::keys::Target;
    let target = if aws { Target::Aws } else { Target::Local(port) };
    let (bin, template) = (venv::ensure()?, crate::template::template()?);
    match action {
        KeysAction::Init => {
            let arn = crate::keys::ensure(&bin, target, &template)?;
            println!("The signing key set and its JWKS are in place ({target:?}).");
            println!("Deploy with the parameter SigningKeysSecretArn={arn}");
            println!("(add it to `parameter_overrides` in samconfig.toml for `sam deploy`).");
            Ok(())
        }
        KeysAction::Rotate => crate::keys::rotate(&bin, target, &template),
    }
}

/// `bench`: the criterion benchmarks; `bench flow [--runs N]`: the end-to-end
/// latency of a mover's address reconciliation in the local stack;
/// `bench batch-latency`: what a batch of 10 costs when each AWS call takes 5 ms;
/// `bench tokens`: issuing, publishing and verifying tokens, against peers.
pub fn bench(what: Option<crate::cli::Bench>) -> Result<()> {
    use crate::cli::Bench;
    match what {
        Some(Bench::Pipeline) => crate::pipeline_bench::pipeline().map(|_| ()),
        Some(Bench::Peers) => crate::pipeline_bench::peers(),
        Some(Bench::ColdStart { starts, port }) => {
            let port = port.port;
            let bring_up = Emulator::attach(port).is_none() || crate::local_stack::outputs(port).is_err();
            if bring_up {
                up(port)?;
            }
            let measured = crate::cold_start::run_bench(port, starts);
            if bring_up {
                down(port)?;
            }
            measured
        }
        Some(Bench::BatchLatency) => {
            run(cargo().args(["bench", "-p", "platform-consumer", "--bench", "batch_latency"]))
        }
        Some(Bench::Tokens) => crate::token_bench::run(),
        Some(Bench::Flow { runs, port }) => {
            crate::flow_bench::run(port.port, &crate::local_stack::outputs(port.port)?, runs)
        }
        Some(Bench::Saga { runs, port }) => {
            crate::saga_bench::run(port.port, &crate::local_stack::outputs(port.port)?, runs)
        }
        None => run(cargo().args(["bench", "-p", "platform-consumer", "--bench", "consumer_pipeline"])),
    }
}

/// `fuzz --iterations N [--target NAME] [--seed S]`: the decoder fuzz targets run
/// long (`infra/fuzz`); the short seeded run is part of `cargo test`.
pub fn fuzz(args: &[String]) -> Result<()> {
    run(cargo().args(["run", "--quiet", "-p", "decoder-fuzz", "--"]).args(args))
}
