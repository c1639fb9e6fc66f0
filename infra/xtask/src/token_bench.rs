//! `bench tokens`: what access tokens cost, against the peers a team would
//! otherwise pick, in one run: issuing one (every login, refresh and
//! `auth.user.authorize`), publishing the key set's public half (every auth
//! function's cold start) and verifying one (every gateway request; the first time
//! the verifier meets it, and again), by the
//! platform (`platform_identity`'s `KeySet` and `Verifier`), by `jsonwebtoken` as
//! its documentation shows, and by PyJWT on `cryptography`
//! (`infra/bench/pyjwt_signing.py`, from the benchmarks' venv), on one key set.
use anyhow::Result;

use crate::bench_peer;
use crate::criterion_results::{bench_dir, mean_nanos};
use crate::process::cargo;

const GROUP: &str = "token_signing";

/// Runs the criterion benchmark, then the Python peer on the key set, claims and
/// token it wrote, and prints one line for each use of the keys.
pub fn run() -> Result<()> {
    let dir = bench_dir();
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("token-bench.json");
    run_criterion(&file)?;
    let micros = |name: &str| mean_nanos(GROUP, name).map(|nanos| nanos / 1_000.0);
    let (sign, jsonwebtoken_sign) = (micros("platform_sign")?, micros("jsonwebtoken_sign")?);
    let (jwks, jsonwebtoken_jwks) = (micros("platform_jwks")?, micros("jsonwebtoken_jwks")?);
    let (verify, jsonwebtoken_verify) = (micros("platform_verify")?, micros("jsonwebtoken_verify")?);
    let verify_seen = micros("platform_verify_seen")?;

    let lines = bench_peer::run("pyjwt_signing.py", &[file.as_os_str()])?;
    let micros_of = |label| bench_peer::figure(&lines, label, "us");
    let (pyjwt_sign, pyjwt_jwks, pyjwt_verify) =
        (micros_of("pyjwt sign")?, micros_of("pyjwt jwks")?, micros_of("pyjwt verify")?);
    println!("{}", compared("tokens: a token issued", sign, jsonwebtoken_sign, pyjwt_sign));
    println!("{}", compared("jwks: a key set of 2 published", jwks, jsonwebtoken_jwks, pyjwt_jwks));
    println!("{}", compared("verify: a token verified", verify, jsonwebtoken_verify, pyjwt_verify));
    println!("{}", compared("verify seen: a token verified before", verify_seen, jsonwebtoken_verify, pyjwt_verify));
    Ok(())
}

fn run_criterion(file: &std::path::Path) -> Result<()> {
    crate::process::run(
        cargo()
            .args(["bench", "-p", "platform-identity", "--bench", GROUP])
            .env("CRITERION_HOME", bench_dir())
            .env("TOKEN_BENCH_FILE", file),
    )
}

/// `<what>: platform <X> µs, jsonwebtoken <Y> µs (<r>x as fast), PyJWT <Z> µs (<r>x as fast)`.
fn compared(what: &str, ours: f64, jsonwebtoken: f64, pyjwt: f64) -> String {
    format!(
        "{what}: platform {ours:.1} µs, jsonwebtoken {jsonwebtoken:.1} µs ({:.2}x as fast), PyJWT {pyjwt:.1} µs \
         ({:.2}x as fast)",
        jsonwebtoken / ours,
        pyjwt / ours
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_use_is_compared_as_a_speed_up_over_each_peer() {
        assert_eq!(
            compared("tokens: a token issued", 500.0, 1000.0, 750.0),
            "tokens: a token issued: platform 500.0 µs, jsonwebtoken 1000.0 µs (2.00x as fast), PyJWT 750.0 µs (1.50x \
             as fast)"
        );
    }
}
