//! The verdict of a consistency check of `cargo xtask check`: every problem found,
//! under the check's heading, fails it; none, and it says what holds.
use anyhow::{Result, bail};

/// Fails listing `found` under `heading`, or prints `holds` when nothing was found.
pub fn verdict(heading: &str, found: &[String], holds: &str) -> Result<()> {
    if !found.is_empty() {
        bail!("{heading}:\n  {}", found.join("\n  "));
    }
    eprintln!("{holds}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_fail_the_check_each_on_its_line() {
        let failed = verdict("runtime", &["a: one".into(), "b: two".into()], "fine").unwrap_err();
        assert_eq!(failed.to_string(), "runtime:\n  a: one\n  b: two");
        assert!(verdict("runtime", &[], "fine").is_ok());
    }
}
