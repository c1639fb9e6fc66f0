//! `cargo xtask fuzz --iterations N [--target NAME] [--seed S]`: every decoder
//! target for N inputs each, one line per target, and a failure with the smallest
//! input found for anything a decoder must not do.
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: decoder_fuzz::alloc::Counting = decoder_fuzz::alloc::Counting;

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let iterations: u32 = flag(&args, "--iterations").and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let seed: u64 = flag(&args, "--seed").and_then(|n| n.parse().ok()).unwrap_or(1);
    let only = flag(&args, "--target");
    let targets: Vec<_> =
        decoder_fuzz::targets::all().into_iter().filter(|t| only.is_none_or(|o| o == t.name)).collect();
    if targets.is_empty() {
        let names: Vec<_> = decoder_fuzz::targets::all().iter().map(|t| t.name).collect();
        eprintln!("no target {only:?}; the targets are {names:?}");
        return ExitCode::FAILURE;
    }
    // Panics are findings, reported with their input: keep their default noise short.
    std::panic::set_hook(Box::new(|info| eprintln!("panic: {info}")));
    let mut failed = false;
    for target in &targets {
        match decoder_fuzz::run(target, iterations, seed) {
            Ok(report) => println!("{report}"),
            Err(finding) => {
                println!("fuzz: FINDING {finding}");
                failed = true;
            }
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
