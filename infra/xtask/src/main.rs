//! `cargo xtask <command>`: the project's developer and operator tooling.
//!
//! - `up`: venv with the emulator, host build, emulator on 127.0.0.1, deploy the real template.
//! - `down`: stop what `up` started.
//! - `test`: every test — unit, lint, catalog and schema checks, then the stack tests
//!   against an emulator of their own on a free port, stopped at the end.
//! - `deploy`: redeploy to the emulator `up` started.
//! - `health`: run the canary once against `up`'s stack.
//! - `e2e [--stack NAME] [--region R]`: the stack tests against `up`'s stack, or the
//!   black-box ones against a stack in AWS.
//! - `check`: lint and the catalog/template and schema checks only.
//! - `schemas`: regenerate `docs/schemas`.
//! - `docs`: regenerate `docs/asyncapi.yaml` and `docs/system.md`, and validate the former.
//! - `alarms`: regenerate the alarms of `template.yaml` from its queues, functions and state machines.
//! - `dashboard`: regenerate the CloudWatch dashboard of `template.yaml` from its resources.
//! - `hooks`: regenerate the pre-traffic hook of `template.yaml` from its functions.
//! - `wiring`: regenerate each service's queues and subscriptions from its catalog (then the hook, alarms and dashboard).
//! - `diagrams`: regenerate the Mermaid diagrams of `statemachines/` in `docs/statemachines`.
//! - `new service <name>`: a new service in one command (see `new_service`).
//! - `publish <name> <json>` / `watch`: talk to the local bus.
//! - `dlq <service> [list|redrive]`: inspect or replay a service's dead letters.
//! - `db reset <service> [--keep-schema]`, `db migrate --dry-run`: a service's table (see `database`).
//! - `chaos --messages N --seed S [--fault-rate R] [--crash C]`: a seeded fault-injection run.
#![forbid(unsafe_code)]

mod alarms;
mod asyncapi;
mod bus_tools;
mod catalog_check;
mod chaos;
mod cold_start;
mod commands;
mod cycle_check;
mod dashboard;
mod database;
mod deploy;
mod deploy_check;
mod diagrams;
mod docs_check;
mod emulator;
mod emulator_gaps;
mod emulator_patches;
mod end_to_end;
mod flow_bench;
mod health;
mod hooks;
mod keys;
mod local_stack;
mod new_service;
mod paths;
mod pipeline_bench;
mod policy_check;
mod process;
mod saga_bench;
mod saga_check;
mod saga_history;
mod saga_names;
mod samconfig;
mod schemas;
mod system_map;
mod template;
mod template_blocks;
mod venv;
mod wiring;

use anyhow::{Result, bail};

/// Runs the command; a failure is printed as one line of causes (no backtrace) and
/// ends the process with status 1.
fn main() {
    if let Err(error) = run_command() {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

fn run_command() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = &args.get(1..).unwrap_or_default();
    match args.first().map(String::as_str) {
        Some("up") => commands::up(rest),
        Some("down") => commands::down(rest),
        Some("test") => commands::test(rest),
        Some("deploy") => commands::deploy(rest),
        Some("e2e") => commands::e2e(rest),
        Some("health") => commands::health(rest),
        Some("check") => commands::check(),
        Some("schemas") => schemas::write(),
        Some("diagrams") => diagrams::write(),
        Some("docs") => docs_check::write().and_then(|()| docs_check::validate()),
        Some("alarms") => alarms::BLOCK.write(),
        Some("dashboard") => dashboard::BLOCK.write(),
        Some("hooks") => hooks::BLOCK.write(),
        Some("wiring") => wiring::BLOCK
            .write()
            .and_then(|()| hooks::BLOCK.write())
            .and_then(|()| alarms::BLOCK.write())
            .and_then(|()| dashboard::BLOCK.write()),
        Some("dlq") => commands::dlq(rest),
        Some("db") => commands::db(rest),
        Some("saga") => commands::saga(rest),
        Some("publish") => commands::publish(rest),
        Some("watch") => commands::watch(rest),
        Some("bench") => commands::bench(rest),
        Some("chaos") => chaos::command(rest),
        Some("new") => new_service::command(rest),
        Some("fuzz") => commands::fuzz(rest),
        Some("release") => commands::release(rest),
        Some("keys") => commands::keys(rest),
        _ => bail!(
            "usage: cargo xtask <up|down|test|deploy|e2e|health|check|schemas|diagrams|docs|alarms|dashboard|hooks|wiring|new|publish|watch|dlq|db|saga|keys|release|bench|chaos|fuzz>\n\
             \n  up [--port N]          run the whole system locally (emulator + deployed stack)\
             \n  down [--port N]        stop what `up` started\
             \n  test [--keep-going]    run every test (starts and stops its own emulator)\
             \n  deploy [--port N]      rebuild and redeploy to the running emulator\
             \n  e2e [--stack NAME] [--region R]  the stack tests against `up`'s stack, or the black-box ones against a stack in AWS\
             \n  health [--port N]      run the canary once: does every service answer?\
             \n  check                  cfn-lint, catalog/template, schema and diagram checks\
             \n  schemas                regenerate docs/schemas from the payload types\
             \n  diagrams               regenerate docs/statemachines (Mermaid) from statemachines/*.asl.json\
             \n  docs                   regenerate docs/asyncapi.yaml and docs/system.md from the catalogs, and validate\
             \n  alarms                 regenerate the alarms of template.yaml from its resources\n  dashboard              regenerate the CloudWatch dashboard of template.yaml from its resources\n  hooks                  regenerate the pre-traffic hook of template.yaml from its functions\n  wiring                 regenerate each service's queues and subscriptions from its catalog\
             \n  new service <name>     a new service: crate, contracts, template blocks, registrations\
             \n  publish <name> <json> [--raw]\
             \n                         publish one message (envelope and attributes made for you); a name no\
             \n                         catalog declares, or data that fails its schema, is refused unless --raw\
             \n  watch                  print what the local stack publishes\
             \n  dlq <service> [list|redrive] [--port N]\
             \n  db reset <service> [--keep-schema] | db migrate --dry-run [<service>]  [--port N | --stack NAME [--region R]]\
             \n                         empty a service's table (migrations run again), or show pending migrations\
             \n  saga <booking_id>      the booking saga's execution history, summarized\
             \n  keys init|rotate [--aws] the auth signing keys (local emulator, or AWS)\
             \n  chaos --messages N --seed S [--fault-rate R] [--crash C]\
             \n                         inputs through the local stack with seeded faults; counts lost and duplicated\
             \n  fuzz --iterations N [--target NAME] [--seed S]\
             \n                         every decoder (envelope, SQS record, SNS body, JWT, address, REST, GraphQL) on N inputs\
             \n  release                arm64 release binaries for AWS (cargo-lambda + zig from PyPI)\
             \n  bench [pipeline|peers|cold-start [--starts N]|flow|saga [--runs N]|batch-latency]\
             \n                         benchmarks; `pipeline`: the consumer on one core;\
             \n                         `peers`: the same records through Powertools for AWS Lambda (Python), and the ratio;\
             \n                         `cold-start`: spawn to first Runtime API poll, release builds, against a bare lambda_runtime;\
             \n                         `flow`: mover address reconciliation latency;\
             \n                         `saga`: booking saga latency (happy path and compensation paths);\
             \n                         `batch-latency`: a batch of 10 against a single record when each AWS call takes 5 ms"
        ),
    }
}
