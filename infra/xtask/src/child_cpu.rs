//! The CPU time a child process used (part of `bench cold-start`): the growth of
//! this process's `RUSAGE_CHILDREN` across the spawn and reaping of one child, so
//! a cold start's wall-clock time can be split into the function's own work and
//! its waiting (on the emulator's answers, most of all).
use anyhow::{Context, Result};
use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::TimeValLike;

/// User and system CPU of every child reaped so far, in ms.
pub fn reaped_children_ms() -> Result<f64> {
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).context("getrusage")?;
    let micros = usage.user_time().num_microseconds() + usage.system_time().num_microseconds();
    Ok(micros as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reaped_child_that_spins_adds_its_cpu_time() {
        let before = reaped_children_ms().unwrap();
        // About 50 ms of CPU in a shell loop, then reaped by `status`.
        let status = std::process::Command::new("sh")
            .args(["-c", "end=$(($(date +%s%N) + 50000000)); while [ $(date +%s%N) -lt $end ]; do :; done"])
            .status()
            .unwrap();
        assert!(status.success());
        let used = reaped_children_ms().unwrap() - before;
        assert!(used >= 10.0, "the child used {used} ms");
    }
}
