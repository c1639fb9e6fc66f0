//! What the emulator's log says happened during a chaos run, counted: the faults
//! injected, the processes ended at crash points, the Lambda timeouts, and the
//! at-least-once moments that can explain a duplicate (an email sent again after
//! an attempt whose outcome was unknown). Printed with the verdict, so a run that
//! finds a duplicate already says which of them it saw.
use std::io::{BufRead, BufReader};
use std::path::Path;

use anyhow::{Context, Result};
use memchr::memmem;

/// The lines counted: what a line contains, and what it is called in the summary.
const MARKERS: [(&str, &str); 6] = [
    ("chaos: injecting a fault", "faults injected"),
    ("chaos: ending the process at a crash point", "crashes"),
    ("Task timed out after", "Lambda timeouts"),
    ("SES did not answer in the time left", "SES calls cut by the deadline"),
    ("an earlier attempt may have sent this email", "emails sent again after an unknown outcome"),
    ("an email went out that the journal could not record", "emails sent but not journaled"),
];

/// Each marker's count in the log at `path` (bytes: not every line is UTF-8).
pub fn count(path: &Path) -> Result<Vec<(&'static str, usize)>> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let finders = MARKERS.map(|(marker, _)| memmem::Finder::new(marker));
    let mut counts = [0usize; MARKERS.len()];
    for line in BufReader::new(file).split(b'\n') {
        let line = line?;
        for (count, finder) in counts.iter_mut().zip(&finders) {
            *count += usize::from(finder.find(&line).is_some());
        }
    }
    Ok(MARKERS.iter().zip(counts).map(|((_, name), n)| (*name, n)).collect())
}

/// One line: `log: 120 faults injected, 3 crashes, ...`.
pub fn line(counts: &[(&str, usize)]) -> String {
    let parts: Vec<String> = counts.iter().map(|(name, n)| format!("{n} {name}")).collect();
    format!("log: {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_marker_once_per_line() {
        let dir = std::env::temp_dir().join(format!("log-summary-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("emulator.log");
        std::fs::write(
            &path,
            b"x chaos: injecting a fault fault=Throttle\n\xff\xfe not utf-8 chaos: injecting a fault\n\
              WARNING Task timed out after 5.00 seconds\n\
              {\"message\":\"an earlier attempt may have sent this email; sending again\"}\n",
        )
        .unwrap();
        let counts = count(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let get = |name: &str| counts.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(get("faults injected"), 2);
        assert_eq!(get("Lambda timeouts"), 1);
        assert_eq!(get("emails sent again after an unknown outcome"), 1);
        assert_eq!(get("crashes"), 0);
        assert!(line(&counts).starts_with("log: 2 faults injected, 0 crashes, 1 Lambda timeouts"));
    }
}
