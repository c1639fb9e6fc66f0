//! `cargo xtask new service <name>`: a new service in one command. It writes the
//! service's contracts (an example task and event, to replace), its crate (domain,
//! catalog, configuration, one handler with its test, a thin worker binary) from
//! `infra/xtask/templates/service/`, registers it wherever services are listed (the
//! workspace, the contracts, the catalog registry, the template's table, worker,
//! outputs, topic policy and canary), then runs `wiring` (its queue, DLQ, queue
//! policy, subscriptions, pre-traffic probe, alarms and dashboard row), `schemas`, `docs`
//! and `cargo fmt`. The result passes `cargo xtask check` and its own tests at once:
//! `cargo xtask test` proves it in a throw-away copy of the repository ([`prove`]).
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::process::run;

/// A file of the new service: where it goes and its template.
const FILES: [(&str, &str); 9] = [
    ("shared/messages/src/contracts/__service__.rs", include_str!("../templates/service/contract.rs.tmpl")),
    ("functions/__service__/Cargo.toml", include_str!("../templates/service/Cargo.toml.tmpl")),
    ("functions/__service__/src/lib.rs", include_str!("../templates/service/lib.rs.tmpl")),
    ("functions/__service__/src/catalog.rs", include_str!("../templates/service/catalog.rs.tmpl")),
    ("functions/__service__/src/config.rs", include_str!("../templates/service/config.rs.tmpl")),
    ("functions/__service__/src/notes.rs", include_str!("../templates/service/notes.rs.tmpl")),
    ("functions/__service__/src/handlers.rs", include_str!("../templates/service/handlers.rs.tmpl")),
    ("functions/__service__/src/bin/worker.rs", include_str!("../templates/service/worker.rs.tmpl")),
    ("functions/__service__/tests/worker.rs", include_str!("../templates/service/worker_test.rs.tmpl")),
];
const TEMPLATE_BLOCK: &str = include_str!("../templates/service/template.yaml.tmpl");
const OUTPUTS_BLOCK: &str = include_str!("../templates/service/outputs.yaml.tmpl");

/// Names a service may not take: the platform's own parts.
const RESERVED: [&str; 6] = ["platform", "canary", "shared", "xtask", "gateway", "identity"];

/// `new service <name>`: writes the service, then what derives from it.
pub fn service(name: &str) -> Result<()> {
    let root = crate::paths::root();
    scaffold(&root, name)?;
    finish(&root, &crate::paths::target())?;
    eprintln!(
        "new service `{name}`: functions/{name}, its contracts, template blocks and registrations are written.\n\
         Next: replace the example note with the service's own messages (shared/messages/src/contracts/{name}.rs),\n\
         then `cargo xtask wiring`, `cargo xtask schemas`, `cargo xtask docs` and `cargo xtask test`."
    );
    Ok(())
}

/// `Parcels` for `parcels`.
fn pascal(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

fn fill(template: &str, name: &str) -> String {
    template.replace("__Service__", &pascal(name)).replace("__service__", name)
}

/// Refuses a name that is not a plain lowercase word, is reserved, or is taken.
fn validate(root: &Path, name: &str) -> Result<()> {
    let well_formed = (2..=24).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !well_formed {
        bail!("`{name}` is not a service name: 2 to 24 lowercase letters and digits, starting with a letter");
    }
    if RESERVED.contains(&name) {
        bail!("`{name}` is reserved by the platform; choose another name");
    }
    for taken in [format!("functions/{name}"), format!("shared/messages/src/contracts/{name}.rs")] {
        if root.join(&taken).exists() {
            bail!("service `{name}` exists already ({taken})");
        }
    }
    Ok(())
}

/// Inserts `text` into `file` before (or after) the first line equal to `anchor`.
fn insert_at_line(root: &Path, file: &str, anchor: &str, text: &str, after: bool) -> Result<()> {
    let path = root.join(file);
    let content = std::fs::read_to_string(&path).with_context(|| format!("reading {file}"))?;
    let line = format!("{anchor}\n");
    let at = content
        .find(&line)
        .with_context(|| format!("{file} has no line `{anchor}` to register the service at; add it by hand"))?;
    let at = if after { at + line.len() } else { at };
    std::fs::write(&path, format!("{}{text}{}", &content[..at], &content[at..]))
        .with_context(|| format!("writing {file}"))
}

/// Appends `,<name>` to the line of `file` that starts with `prefix`.
fn extend_line(root: &Path, file: &str, prefix: &str, addition: &str) -> Result<()> {
    let path = root.join(file);
    let content = std::fs::read_to_string(&path)?;
    let start = content.find(prefix).with_context(|| format!("{file} has no `{}`", prefix.trim()))?;
    let end = start + content[start..].find('\n').unwrap_or(content.len() - start);
    std::fs::write(&path, format!("{}{addition}{}", &content[..end], &content[end..]))?;
    Ok(())
}

/// Writes the service's files and registers it; touches nothing when the name is refused.
pub fn scaffold(root: &Path, name: &str) -> Result<()> {
    validate(root, name)?;
    let service = pascal(name);
    for (path, template) in FILES {
        let path = root.join(fill(path, name));
        std::fs::create_dir_all(path.parent().context("a file has a folder")?)?;
        std::fs::write(&path, fill(template, name)).with_context(|| format!("writing {}", path.display()))?;
    }
    // The workspace: a member, a default member, a workspace dependency.
    insert_at_line(root, "Cargo.toml", "    \"infra/xtask\",", &format!("    \"functions/{name}\",\n"), false)?;
    insert_at_line(root, "Cargo.toml", "default-members = [", &format!("    \"functions/{name}\",\n"), true)?;
    insert_at_line(
        root,
        "Cargo.toml",
        "# Workspace crates",
        &format!("{name} = {{ path = \"functions/{name}\" }}\n"),
        true,
    )?;
    // The contracts and the catalog registry (xtask depends on every service).
    insert_at_line(
        root,
        "shared/messages/src/contracts/mod.rs",
        "pub mod canary;",
        &format!("pub mod {name};\n"),
        true,
    )?;
    insert_at_line(root, "infra/xtask/Cargo.toml", "[dependencies]", &format!("{name}.workspace = true\n"), true)?;
    insert_at_line(
        root,
        "infra/xtask/src/catalog_check.rs",
        "        platform::canary::catalog(),",
        &format!("        {name}::catalog::catalog(),\n"),
        false,
    )?;
    insert_at_line(
        root,
        "infra/xtask/src/database.rs",
        "        (\"notifications\", notifications::table_schema()),",
        &format!("        (\"{name}\", {name}::table_schema()),\n"),
        true,
    )?;
    // The template: table and worker, outputs, the topic policy's queues and the
    // canary's services (the pre-traffic hook is generated by `wiring`).
    let hooks = "  # ---------------------------------------------------------------- pre-traffic hooks";
    insert_at_line(root, "template.yaml", hooks, &fill(TEMPLATE_BLOCK, name), false)?;
    let outputs = std::fs::read_to_string(root.join("template.yaml"))?;
    if !outputs.trim_end().contains("\nOutputs:\n") {
        bail!("template.yaml has no `Outputs:` section to add the service's outputs to");
    }
    std::fs::write(root.join("template.yaml"), format!("{}\n{}", outputs.trim_end(), fill(OUTPUTS_BLOCK, name)))?;
    insert_at_line(
        root,
        "template.yaml",
        "                  - Fn::GetAtt: [CanaryQueue, Arn]",
        &format!("                  - Fn::GetAtt: [{service}Queue, Arn]\n"),
        false,
    )?;
    extend_line(root, "template.yaml", "          CANARY_SERVICES: ", &format!(",{name}"))?;
    Ok(())
}

/// Runs what derives from the new code: wiring (queues, subscriptions, alarms,
/// dashboard), the payload schemas, the AsyncAPI document and system map, and rustfmt; each with the new service compiled in.
fn finish(root: &Path, target: &Path) -> Result<()> {
    let xtask = |command: &str| {
        let mut cmd = crate::process::cargo();
        cmd.current_dir(root).env("CARGO_TARGET_DIR", target).args(["run", "--quiet", "-p", "xtask", "--", command]);
        cmd
    };
    run(&mut xtask("wiring"))?;
    run(&mut xtask("schemas"))?;
    run(&mut xtask("docs"))?;
    run(crate::process::cargo().current_dir(root).args(["fmt", "--all"]))
}

/// Proves in a throw-away copy of the repository that a new service passes
/// `cargo xtask check` and its own tests with no edit: the tracked files are copied,
/// the venv linked, the target directory seeded with hard links of this one (so
/// only the workspace's own crates are compiled again), and the copy removed after.
pub fn prove() -> Result<()> {
    let root = crate::paths::root();
    let copy = crate::paths::local().join("new-service-proof");
    let _ = std::fs::remove_dir_all(&copy);
    let result = prove_in(&root, &copy);
    let _ = std::fs::remove_dir_all(&copy);
    result
}

/// Seeds the copy's target directory from `from`: compiled artifacts as hard links
/// (a build replaces a file rather than writing into it, so this one's stay intact),
/// cargo's fingerprints as real copies (it rewrites those in place), and no
/// incremental caches.
fn seed_target(from: &Path, to: &Path) -> Result<()> {
    if !from.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(to)?;
    let mut linked = Vec::new();
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        match entry.file_name().to_str() {
            Some("incremental") => {}
            Some(".fingerprint") => run(Command::new("cp").arg("-a").arg(entry.path()).arg(to))?,
            _ => linked.push(entry.path()),
        }
    }
    if linked.is_empty() {
        return Ok(());
    }
    run(Command::new("cp").arg("-al").args(&linked).arg(to))
}

fn prove_in(root: &Path, copy: &Path) -> Result<()> {
    let started = std::time::Instant::now();
    let listed = Command::new("git").current_dir(root).args(["ls-files", "-z"]).output()?;
    if !listed.status.success() {
        bail!("git ls-files failed in {}", root.display());
    }
    for file in listed.stdout.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        let relative = std::str::from_utf8(file)?;
        let (from, to) = (root.join(relative), copy.join(relative));
        if from.is_file() {
            std::fs::create_dir_all(to.parent().context("a file has a folder")?)?;
            std::fs::copy(&from, &to)?;
        }
    }
    std::fs::create_dir_all(copy.join(".local"))?;
    for shared in ["venv", "asyncapi"] {
        let path = crate::paths::local().join(shared);
        if path.exists() {
            std::os::unix::fs::symlink(path, copy.join(".local").join(shared))?;
        }
    }
    seed_target(&crate::paths::target().join("debug"), &copy.join("target/debug"))?;
    let cargo = |args: &[&str]| {
        let mut cmd = crate::process::cargo();
        cmd.current_dir(copy).env("CARGO_TARGET_DIR", copy.join("target")).args(args);
        cmd
    };
    // Made by this process in the copy; `finish` builds the copy's own xtask (with the
    // new service) for wiring, schemas and docs, which `check` then reuses.
    scaffold(copy, "parcels")?;
    finish(copy, &copy.join("target"))?;
    run(&mut cargo(&["run", "--quiet", "-p", "xtask", "--", "check"]))?;
    run(&mut cargo(&["test", "--quiet", "-p", "parcels"]))?;
    eprintln!(
        "new service: `parcels`, made in a throw-away copy, passed `cargo xtask check` and its own tests ({} s)",
        started.elapsed().as_secs()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_must_be_a_plain_lowercase_word_that_is_free() {
        let root = crate::paths::root();
        assert!(validate(&root, "parcels").is_ok());
        for bad in ["Parcels", "parcel-tracking", "9lives", "p", "parcel_tracking"] {
            assert!(validate(&root, bad).unwrap_err().to_string().contains("is not a service name"), "{bad}");
        }
        assert!(validate(&root, "canary").unwrap_err().to_string().contains("reserved"));
        assert!(validate(&root, "movers").unwrap_err().to_string().contains("exists already"));
    }

    #[test]
    fn the_templates_name_the_service_everywhere_and_leave_no_placeholder() {
        for (path, template) in FILES.iter().copied().chain([("t", TEMPLATE_BLOCK), ("o", OUTPUTS_BLOCK)]) {
            let filled = fill(template, "parcels");
            assert!(!filled.contains("__service__") && !filled.contains("__Service__"), "{path}");
            assert!(fill(path, "parcels").contains("parcels") || path.len() == 1, "{path}");
        }
        assert!(fill(TEMPLATE_BLOCK, "parcels").contains("  ParcelsWorker:\n"));
        assert_eq!(pascal("parcels"), "Parcels");
    }

    #[test]
    fn every_anchor_the_scaffold_registers_at_is_in_the_repository() {
        let root = crate::paths::root();
        let text = |file: &str| std::fs::read_to_string(root.join(file)).unwrap();
        let anchors = [
            ("Cargo.toml", "    \"infra/xtask\",\n"),
            ("Cargo.toml", "default-members = [\n"),
            ("Cargo.toml", "# Workspace crates\n"),
            ("shared/messages/src/contracts/mod.rs", "pub mod canary;\n"),
            ("infra/xtask/Cargo.toml", "[dependencies]\n"),
            ("infra/xtask/src/catalog_check.rs", "        platform::canary::catalog(),\n"),
            ("infra/xtask/src/database.rs", "        (\"notifications\", notifications::table_schema()),\n"),
            (
                "template.yaml",
                "  # ---------------------------------------------------------------- pre-traffic hooks\n",
            ),
            ("template.yaml", "                  - Fn::GetAtt: [CanaryQueue, Arn]\n"),
            ("template.yaml", "          CANARY_SERVICES: "),
        ];
        for (file, anchor) in anchors {
            assert!(text(file).contains(anchor), "{file} lost the line `{}`", anchor.trim());
        }
    }
}
