//! Marked blocks of template.yaml that a command writes from the code, so that
//! what the code already says is stated once: the services' queues and
//! subscriptions (`cargo xtask wiring`, from the catalogs) and the alarms (`cargo
//! xtask alarms`, from the resources). `check` and `test` fail when a block is stale.
use anyhow::{Context, Result, bail};
use serde_yaml::Value;

use crate::paths;

/// One generated block: its name in the markers and the command that writes it.
pub struct Block {
    /// `alarms`, `wiring`.
    pub name: &'static str,
    /// What the block holds, for the messages.
    pub what: &'static str,
    /// Its text, markers excluded, from the parsed template.
    pub render: fn(&Value) -> Result<String>,
}

impl Block {
    fn begin(&self) -> String {
        format!(
            "  # >>> generated {}: `cargo xtask {}` writes this block from the code; do not edit\n",
            self.name, self.name
        )
    }

    fn end(&self) -> String {
        format!("  # <<< generated {}\n", self.name)
    }

    /// The text of template.yaml with `body` as this block.
    pub fn replace(&self, text: &str, body: &str) -> Result<String> {
        let (begin, end) = (self.begin(), self.end());
        let start = text.find(&begin).with_context(|| format!("template.yaml has no `{}` marker", begin.trim()))?;
        let stop = text[start..]
            .find(&end)
            .map(|i| start + i + end.len())
            .with_context(|| format!("template.yaml has no `{}` marker", end.trim()))?;
        Ok(format!("{}{begin}{body}{end}{}", &text[..start], &text[stop..]))
    }

    /// template.yaml as it is, and as it should be.
    fn current(&self) -> Result<(String, String)> {
        let text = std::fs::read_to_string(paths::root().join("template.yaml"))?;
        let template: Value = serde_yaml::from_str(&text).context("parsing template.yaml")?;
        let wanted = self.replace(&text, &(self.render)(&template)?)?;
        Ok((text, wanted))
    }

    /// Rewrites the block.
    pub fn write(&self) -> Result<()> {
        let (text, wanted) = self.current()?;
        if text == wanted {
            eprintln!("{}: template.yaml is current", self.name);
        } else {
            std::fs::write(paths::root().join("template.yaml"), wanted)?;
            eprintln!("{}: template.yaml updated", self.name);
        }
        Ok(())
    }

    /// Fails when the block differs from what the code calls for.
    pub fn check(&self) -> Result<()> {
        let (text, wanted) = self.current()?;
        if text != wanted {
            bail!("template.yaml's generated {} are stale: run `cargo xtask {}`", self.what, self.name);
        }
        eprintln!("{}: the {} are current", self.name, self.what);
        Ok(())
    }
}
