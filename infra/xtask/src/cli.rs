//! The command line of `cargo xtask`, declared with clap: `--help` on every
//! command, suggestions for a mistyped one, and usage errors in clap's words.
use clap::{Args, Parser, Subcommand, ValueEnum};

/// The project's developer and operator tooling.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", arg_required_else_help = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The local emulator's port.
#[derive(Debug, Clone, Copy, Args)]
pub struct Port {
    /// Port of the local emulator on 127.0.0.1.
    #[arg(long, env = "UPDATER_PORT", default_value_t = 4566)]
    pub port: u16,
}

/// A stack: the local one (on `--port`) unless one in AWS is named.
#[derive(Debug, Clone, Args)]
pub struct StackChoice {
    /// A stack in AWS (your credentials), instead of the local one.
    #[arg(long)]
    pub stack: Option<String>,
    /// The AWS region of `--stack` (default: your configuration's).
    #[arg(long, requires = "stack")]
    pub region: Option<String>,
    #[command(flatten)]
    pub local: Port,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole system locally, offline: the emulator on 127.0.0.1 and the real template deployed.
    Up(Port),
    /// Stop what `up` started.
    Down(Port),
    /// Every test: lint, consistency checks, unit and stack tests on an emulator of their own, a chaos run.
    Test,
    /// Rebuild and redeploy to the emulator `up` started.
    Deploy(Port),
    /// The stack tests against `up`'s stack, or the black-box ones against a stack in AWS.
    E2e(StackChoice),
    /// Run the canary once: does every service answer?
    Health(Port),
    /// cfn-lint, actionlint, the catalog, template, schema, document and diagram checks, rustfmt and clippy.
    Check,
    /// Regenerate docs/schemas from the payload types.
    Schemas,
    /// Regenerate docs/statemachines (Mermaid) from statemachines/*.asl.json.
    Diagrams,
    /// Regenerate docs/asyncapi.yaml and docs/system.md from the catalogs, and validate them.
    Docs,
    /// Regenerate the alarms of template.yaml from its resources.
    Alarms,
    /// Regenerate the CloudWatch dashboard of template.yaml from its resources.
    Dashboard,
    /// Regenerate the pre-traffic hook of template.yaml from its functions.
    Hooks,
    /// Regenerate each service's queues and subscriptions from its catalog, then the hook, alarms and dashboard.
    Wiring,
    /// A new service in one command.
    #[command(args_conflicts_with_subcommands = true)]
    New {
        /// What to make.
        #[command(subcommand)]
        what: Option<New>,
        /// Make one in a throw-away copy of the repository and run its checks and tests.
        #[arg(long)]
        prove: bool,
    },
    /// Publish one message to the local bus (envelope and attributes made for you).
    Publish {
        /// The message name (`address.received`, `addressing.address.reconcile`).
        name: String,
        /// Its data, as JSON.
        data: String,
        /// Publish even a name no catalog declares, or data that fails its schema.
        #[arg(long)]
        raw: bool,
        #[command(flatten)]
        port: Port,
    },
    /// Print every event and task the local stack publishes, until Ctrl-C.
    Watch(Port),
    /// Inspect or replay a service's dead letters.
    Dlq {
        /// The service (`addressing`, `movers`, `moves`, `notifications`).
        service: String,
        /// What to do with its dead letters.
        #[arg(value_enum, default_value_t = DlqAction::List)]
        action: DlqAction,
        #[command(flatten)]
        port: Port,
    },
    /// A service's table: reset it, or show the migrations pending.
    Db {
        /// What to do.
        #[command(subcommand)]
        what: Db,
    },
    /// The booking saga's execution history, summarized.
    Saga {
        /// The booking.
        booking_id: String,
        #[command(flatten)]
        port: Port,
    },
    /// One flow of the local stack from its functions' logs, as a tree with timings.
    Trace {
        /// A W3C trace id (32 hex digits), a correlation id, or any id the flow's log lines carry (message, booking, mover).
        id: String,
        #[command(flatten)]
        port: Port,
    },
    /// The auth signing keys, in the local emulator or in AWS.
    Keys {
        /// Create the key set, or rotate it.
        #[arg(value_enum)]
        action: KeysAction,
        /// In AWS (your credentials) instead of the local emulator.
        #[arg(long)]
        aws: bool,
        #[command(flatten)]
        port: Port,
    },
    /// Each function's arm64 bootstrap.zip for AWS (cargo-lambda and zig from PyPI).
    Release,
    /// Benchmarks (without one named: the consumer pipeline's criterion benchmark).
    Bench {
        /// Which benchmark.
        #[command(subcommand)]
        what: Option<Bench>,
    },
    /// Inputs through a local stack of its own with seeded faults; counts the lost and the duplicated.
    Chaos {
        /// Inputs to send.
        #[arg(long, default_value_t = 200)]
        messages: usize,
        /// Seed of the inputs and the faults.
        #[arg(long, default_value_t = 11)]
        seed: u64,
        /// Share of AWS calls faulted.
        #[arg(long, default_value_t = 0.1)]
        fault_rate: f64,
        /// Probability of a crash at each crash point.
        #[arg(long, default_value_t = 0.02)]
        crash: f64,
    },
    /// Every decoder (envelope, SQS record, SNS body, JWT, address, REST, GraphQL) on many inputs.
    Fuzz {
        /// The fuzz runner's arguments: `--iterations N [--target NAME] [--seed S]`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

/// What `new` makes.
#[derive(Debug, Subcommand)]
pub enum New {
    /// A service: crate, contracts, template blocks, registrations.
    Service {
        /// Its name: 2 to 24 lowercase letters and digits, starting with a letter.
        name: String,
    },
}

/// What `dlq` does.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DlqAction {
    /// Print the dead letters without consuming them.
    List,
    /// Put them back on the service's queue.
    Redrive,
}

/// What `keys` does.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KeysAction {
    /// Create the signing key set and its JWKS.
    Init,
    /// Add a new key and retire the oldest.
    Rotate,
}

/// What `db` does.
#[derive(Debug, Subcommand)]
pub enum Db {
    /// Empty a service's table and run its migrations again.
    Reset {
        /// The service.
        service: String,
        /// Keep the migrations' records: nothing runs again.
        #[arg(long)]
        keep_schema: bool,
        #[command(flatten)]
        stack: StackChoice,
    },
    /// Show the migrations the next cold starts would apply (migrations only run at cold start).
    Migrate {
        /// Show, apply nothing (the only mode: migrations run at each service's cold start).
        #[arg(long, required = true)]
        dry_run: bool,
        /// One service (default: all).
        service: Option<String>,
        #[command(flatten)]
        stack: StackChoice,
    },
}

/// The benchmarks.
#[derive(Debug, Subcommand)]
pub enum Bench {
    /// The consumer on one core, records per second.
    Pipeline,
    /// The same records through Powertools for AWS Lambda (Python), and the ratio.
    Peers,
    /// Spawn to first Runtime API poll, release builds, against a bare lambda_runtime.
    ColdStart {
        /// Starts per function (and as many of the bare runtime beside it). The
        /// worst of the functions' ratios is a maximum of noisy medians: fewer
        /// starts bias it upward.
        #[arg(long, default_value_t = 100)]
        starts: usize,
        #[command(flatten)]
        port: Port,
    },
    /// A mover's address reconciliation latency in the local stack.
    Flow {
        /// Runs.
        #[arg(long, default_value_t = 20)]
        runs: usize,
        #[command(flatten)]
        port: Port,
    },
    /// The booking saga's latency (happy path and compensations) in the local stack.
    Saga {
        /// Runs.
        #[arg(long, default_value_t = 10)]
        runs: usize,
        #[command(flatten)]
        port: Port,
    },
    /// A batch of 10 against a single record when each AWS call takes 5 ms.
    BatchLatency,
    /// Issuing, publishing and verifying tokens, against jsonwebtoken and PyJWT.
    Tokens,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_mistyped_command_is_answered_with_the_nearest() {
        let error = Cli::try_parse_from(["cargo xtask", "dpeloy"]).unwrap_err().to_string();
        assert!(error.contains("similar subcommand exists: 'deploy'"), "{error}");
    }

    #[test]
    fn the_commands_the_readme_and_workflows_show_parse() {
        for line in [
            "bench saga --runs 3",
            "bench cold-start --starts 5 --port 4570",
            "bench tokens",
            "chaos --messages 2000 --seed 11 --fault-rate 0.1 --crash 0.02",
            "dlq addressing redrive",
            "e2e --stack updater-pr-7 --region eu-west-1",
            "fuzz --iterations 1000000 --target jwt --seed 3",
            "keys rotate --aws",
            "new service parcels",
            "new --prove",
            "publish address.received {} --raw",
            "db reset movers --keep-schema --stack updater-pr-7",
            "db migrate --dry-run movers",
        ] {
            let args = std::iter::once("cargo xtask").chain(line.split(' '));
            if let Err(e) = Cli::try_parse_from(args) {
                panic!("`{line}`: {e}");
            }
        }
        let fuzz = Cli::try_parse_from(["x", "fuzz", "--iterations", "10"]).unwrap();
        assert!(matches!(fuzz.command, Command::Fuzz { args } if args == ["--iterations", "10"]));
    }

    #[test]
    fn flags_are_typed_and_defaulted() {
        let cli = Cli::try_parse_from(["x", "chaos", "--messages", "10000", "--seed", "11"]).unwrap();
        assert!(matches!(cli.command, Command::Chaos { messages: 10000, seed: 11, .. }));
        assert!(Cli::try_parse_from(["x", "chaos", "--messages", "many"]).is_err());
        assert!(Cli::try_parse_from(["x", "db", "migrate"]).is_err(), "--dry-run is required");
        assert!(Cli::try_parse_from(["x", "e2e", "--region", "eu-west-1"]).is_err(), "a region needs a stack");
    }
}
