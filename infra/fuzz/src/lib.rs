//! Property-based fuzzing of the decoders at the platform's edges. Each target gets
//! seeded inputs: random bytes, and valid samples mutated (bits flipped, bytes cut,
//! inserted or repeated, JSON and GraphQL tokens spliced in, deep nesting). Every
//! input must be decoded or refused with a reason, never panic, and allocate at
//! most [`ALLOC_PER_INPUT_BYTE`] times its size plus [`ALLOC_BASE`]. A short run is
//! part of `cargo test`; `cargo xtask fuzz --iterations N` runs long.
#![deny(unsafe_code)]

pub mod alloc;
pub mod targets;

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use crate::targets::{Target, Verdict};

/// Bytes a decoder may hold at once per byte of input...
pub const ALLOC_PER_INPUT_BYTE: usize = 256;
/// ...on top of this.
pub const ALLOC_BASE: usize = 2 << 20;

/// What a run of one target saw.
#[derive(Debug, Clone)]
pub struct Report {
    /// The target.
    pub target: &'static str,
    /// Inputs run.
    pub inputs: u64,
    /// Inputs decoded.
    pub accepted: u64,
    /// Inputs refused with a reason.
    pub refused: u64,
    /// The most one input made it allocate at once, in bytes.
    pub peak_bytes: usize,
    /// The longest input, in bytes.
    pub longest_input: usize,
    /// How long the run took.
    pub elapsed: Duration,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "fuzz: {:<12} {:>9} inputs, {:>8} accepted, {:>9} refused, 0 panics, peak allocation {} KiB (inputs up to {} B), {:.1} s",
            self.target,
            self.inputs,
            self.accepted,
            self.refused,
            self.peak_bytes / 1024,
            self.longest_input,
            self.elapsed.as_secs_f64()
        )
    }
}

/// One change to a valid sample.
#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, bit: u8 },
    Cut { at: usize, len: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Splice { at: usize, token: usize },
    Repeat { at: usize, len: usize, times: usize },
    Truncate { at: usize },
}

/// Tokens that tend to reach a decoder's corners.
fn dictionary() -> Vec<String> {
    let words = [
        "\"",
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        "null",
        "true",
        "-1",
        "0",
        "1e309",
        "18446744073709551616",
        "\"\\u0000\"",
        "\"\\ud800\"",
        "\\",
        "\"name\"",
        "\"data\"",
        "\"kind\"",
        "\"authorized_at\"",
        "\"actor\"",
        "\"Notification\"",
        "\"Message\"",
        ".",
        "Bearer ",
        "eyJhbGciOiJub25lIn0",
        "eyJ",
        "__schema",
        "__type",
        "{a{b{c{d{e{f{g{h{i}}}}}}}}}",
        "...F",
        "fragment F on Query { ...F }",
        "a: movers(first: 100) { edges { cursor } }",
        "$n",
        "first: 1000000",
        "mutation",
        "\u{202e}",
        "\r\n",
        "%00",
        "mov_",
        "bkg_",
        "Apt",
        "#",
        "-",
        "PO BOX",
    ];
    let mut all: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
    all.push(targets::nested(200));
    all.push("a".repeat(5_000));
    all
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        (any::<usize>(), 1usize..32).prop_map(|(at, len)| Mutation::Cut { at, len }),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), any::<usize>()).prop_map(|(at, token)| Mutation::Splice { at, token }),
        (any::<usize>(), 1usize..16, 1usize..64).prop_map(|(at, len, times)| Mutation::Repeat { at, len, times }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation], words: &[String]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len();
        let at = |i: usize| if len == 0 { 0 } else { i % (len + 1) };
        match m {
            Mutation::Flip { at: i, bit } if len > 0 => bytes[i % len] ^= 1 << bit,
            Mutation::Cut { at: i, len: n } => {
                let start = at(*i);
                let end = (start + n).min(len);
                bytes.drain(start..end);
            }
            Mutation::Insert { at: i, bytes: new } => {
                let start = at(*i);
                bytes.splice(start..start, new.iter().copied());
            }
            Mutation::Splice { at: i, token } => {
                let start = at(*i);
                let word = words[token % words.len()].as_bytes();
                bytes.splice(start..start, word.iter().copied());
            }
            Mutation::Repeat { at: i, len: n, times } => {
                let start = at(*i);
                let end = (start + n).min(len);
                let piece = bytes[start..end].to_vec();
                for _ in 0..*times {
                    bytes.splice(end..end, piece.iter().copied());
                }
            }
            Mutation::Truncate { at: i } => bytes.truncate(at(*i)),
            Mutation::Flip { .. } => {}
        }
    }
    bytes
}

/// Inputs for a target with these valid `seeds`: a fifth random bytes, the rest
/// mutated samples.
pub fn inputs(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let (seeds, words) = (Arc::new(seeds), Arc::new(dictionary()));
    let count = seeds.len();
    let mutated = (0..count, proptest::collection::vec(mutation(), 1..6))
        .prop_map(move |(i, mutations)| apply(seeds[i].clone(), &mutations, &words));
    prop_oneof![1 => proptest::collection::vec(any::<u8>(), 0..512), 4 => mutated]
}

/// Runs `target` on `iterations` inputs drawn from `seed`; a finding (a panic, a
/// broken promise, an allocation over the bound) is an error naming the smallest
/// input proptest found for it.
pub fn run(target: &Target, iterations: u32, seed: u64) -> Result<Report, String> {
    let config = Config { cases: iterations, failure_persistence: None, max_shrink_iters: 2_000, ..Config::default() };
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&(target.name.len() as u64).to_le_bytes());
    for (slot, byte) in key[16..].iter_mut().zip(target.name.bytes()) {
        *slot = byte;
    }
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &key));
    let (accepted, refused, peak, longest) = (Cell::new(0u64), Cell::new(0u64), Cell::new(0usize), Cell::new(0usize));
    let started = Instant::now();
    let outcome = runner.run(&inputs((target.seeds)()), |input| {
        let (verdict, bytes) = alloc::peak_of(|| (target.run)(&input));
        let bound = ALLOC_PER_INPUT_BYTE * input.len() + ALLOC_BASE;
        if bytes > bound {
            return Err(TestCaseError::fail(format!("allocated {bytes} B for {} B of input", input.len())));
        }
        peak.set(peak.get().max(bytes));
        longest.set(longest.get().max(input.len()));
        match verdict.map_err(TestCaseError::fail)? {
            Verdict::Accepted => accepted.set(accepted.get() + 1),
            Verdict::Refused(_) => refused.set(refused.get() + 1),
        }
        Ok(())
    });
    match outcome {
        Ok(()) => Ok(Report {
            target: target.name,
            inputs: accepted.get() + refused.get(),
            accepted: accepted.get(),
            refused: refused.get(),
            peak_bytes: peak.get(),
            longest_input: longest.get(),
            elapsed: started.elapsed(),
        }),
        Err(TestError::Fail(reason, input)) => Err(format!(
            "{}: {reason}; smallest input ({} B): {:?}",
            target.name,
            input.len(),
            String::from_utf8_lossy(&input)
        )),
        Err(TestError::Abort(reason)) => Err(format!("{}: aborted: {reason}", target.name)),
    }
}
