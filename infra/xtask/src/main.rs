//! `cargo xtask <command>`: the project's developer and operator tooling. The
//! commands and their flags are declared in `cli` (`cargo xtask --help`, and
//! `--help` on each); this file only dispatches them.
#![forbid(unsafe_code)]

mod alarms;
mod asyncapi;
mod bench_peer;
mod bus_tools;
mod catalog_check;
mod chaos;
mod check_verdict;
mod child_cpu;
mod cli;
mod cold_start;
mod commands;
mod criterion_results;
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
mod lambda_process;
mod local_accounts;
mod local_stack;
mod new_service;
mod openapi;
mod paths;
mod peak_memory;
mod pipeline_bench;
mod policy_check;
mod process;
mod runtime_check;
mod saga_bench;
mod saga_check;
mod saga_history;
mod saga_names;
mod samconfig;
mod schemas;
mod system_map;
mod template;
mod template_blocks;
mod token_bench;
mod trace;
mod tracing_check;
mod venv;
mod wiring;

use anyhow::Result;
use clap::Parser;
use cli::{Cli, Command, DlqAction, New};

/// Runs the command; a failure is printed as one line of causes (no backtrace) and
/// ends the process with status 1.
fn main() {
    let cli = Cli::parse();
    if let Err(error) = dispatch(cli.command) {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

fn dispatch(command: Command) -> Result<()> {
    match command {
        Command::Up(p) => commands::up(p.port),
        Command::Down(p) => commands::down(p.port),
        Command::Test => commands::test(),
        Command::Deploy(p) => commands::deploy(p.port),
        Command::E2e(stack) => end_to_end::command(stack.stack.as_deref(), stack.region.as_deref(), stack.local.port),
        Command::Health(p) => commands::health(p.port),
        Command::Check => commands::check(),
        Command::Schemas => schemas::write(),
        Command::Diagrams => diagrams::write(),
        Command::Docs => docs_check::write().and_then(|()| docs_check::validate()),
        Command::Alarms => alarms::BLOCK.write(),
        Command::Dashboard => dashboard::BLOCK.write(),
        Command::Hooks => hooks::BLOCK.write(),
        Command::Wiring => wiring::BLOCK
            .write()
            .and_then(|()| hooks::BLOCK.write())
            .and_then(|()| alarms::BLOCK.write())
            .and_then(|()| dashboard::BLOCK.write()),
        Command::New { prove: true, .. } => new_service::prove(),
        Command::New { what: Some(New::Service { name }), .. } => new_service::service(&name),
        Command::New { what: None, .. } => {
            anyhow::bail!("say what to make: `cargo xtask new service <name>` (or --prove)")
        }
        Command::Publish { name, data, raw, port } => commands::publish(&name, &data, raw, port.port),
        Command::Watch(p) => commands::watch(p.port),
        Command::Dlq { service, action, port } => {
            commands::dlq(&service, if matches!(action, DlqAction::Redrive) { "redrive" } else { "list" }, port.port)
        }
        Command::Db { what } => database::command(what),
        Command::Saga { booking_id, port } => commands::saga(&booking_id, port.port),
        Command::Trace { id, port } => trace::print(port.port, &id),
        Command::Keys { action, aws, port } => commands::keys(action, aws, port.port),
        Command::Release => commands::release(),
        Command::Bench { what } => commands::bench(what),
        Command::Chaos { messages, seed, fault_rate, crash } => {
            chaos::command(chaos::Options { messages, seed, fault_rate, crash })
        }
        Command::Fuzz { args } => commands::fuzz(&args),
    }
}
