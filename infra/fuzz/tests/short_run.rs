//! The short seeded run of every decoder target that `cargo xtask test` includes
//! (the long run: `cargo xtask fuzz --iterations N`), and proof that the harness
//! finds what it looks for.
use decoder_fuzz::targets::{Target, Verdict, all};

#[global_allocator]
static ALLOCATOR: decoder_fuzz::alloc::Counting = decoder_fuzz::alloc::Counting;

const ITERATIONS: u32 = 3_000;

#[test]
fn every_decoder_decodes_or_refuses_any_input_within_its_allocation_bound() {
    for target in all() {
        let report = decoder_fuzz::run(&target, ITERATIONS, 7).unwrap_or_else(|finding| panic!("{finding}"));
        eprintln!("{report}");
        assert_eq!(report.inputs, u64::from(ITERATIONS), "{report}");
        assert!(report.refused > 0, "mutations reach the refusals: {report}");
    }
}

#[test]
fn the_valid_samples_are_accepted() {
    for target in all() {
        for seed in (target.seeds)() {
            assert_eq!(
                (target.run)(&seed),
                Ok(Verdict::Accepted),
                "{}: {}",
                target.name,
                String::from_utf8_lossy(&seed)
            );
        }
    }
}

#[test]
fn a_panic_a_broken_promise_and_a_greedy_decoder_are_findings() {
    // The planted panic repeats while proptest shrinks its input: keep it quiet.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.to_string().contains("a decoder that panics") {
            previous(info);
        }
    }));
    let panics = Target {
        name: "panics",
        seeds: || vec![b"{}".to_vec()],
        run: |input| {
            assert!(!input.contains(&b'}'), "a decoder that panics");
            Ok(Verdict::Refused("no".into()))
        },
    };
    let finding = decoder_fuzz::run(&panics, 200, 1).unwrap_err();
    assert!(finding.contains("a decoder that panics"), "{finding}");

    let silent =
        Target { name: "silent", seeds: || vec![b"x".to_vec()], run: |_| Err("a refusal without a reason".into()) };
    assert!(decoder_fuzz::run(&silent, 10, 1).unwrap_err().contains("without a reason"));

    let greedy = Target {
        name: "greedy",
        seeds: || vec![b"x".to_vec()],
        run: |input| {
            let hoard =
                vec![1u8; decoder_fuzz::ALLOC_BASE + (decoder_fuzz::ALLOC_PER_INPUT_BYTE + 1) * (input.len() + 1)];
            Ok(if hoard.is_empty() { Verdict::Accepted } else { Verdict::Refused("kept it".into()) })
        },
    };
    assert!(decoder_fuzz::run(&greedy, 10, 1).unwrap_err().contains("allocated"));
}
