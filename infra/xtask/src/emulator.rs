//! The local AWS emulator (ministack): started on 127.0.0.1 in its own process
//! group (the Lambda processes it runs are its children), stopped by signalling
//! the whole group.
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::paths;

/// The region every local resource lives in.
pub const REGION: &str = "us-east-1";

/// A running emulator.
#[derive(Debug)]
pub struct Emulator {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Its process group id (= the pid of its main process).
    pub pgid: u32,
    /// Its log file.
    pub log: PathBuf,
}

/// A port that is free on 127.0.0.1 right now.
pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn pid_file(port: u16) -> PathBuf {
    paths::local().join(format!("emulator-{port}.pid"))
}

/// The environment of every AWS client talking to the emulator on `port`. Local
/// profiles and credentials of the user are kept out.
pub fn client_env(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}")),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_SESSION_TOKEN", String::new()),
        ("AWS_REGION", REGION.into()),
        ("AWS_DEFAULT_REGION", REGION.into()),
        ("AWS_CONFIG_FILE", "/dev/null".into()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".into()),
        ("AWS_PAGER", String::new()),
    ]
}

/// The AWS CLI of the venv `bin`, pointed at the emulator on `port`.
pub fn aws_cli(bin: &Path, port: u16) -> Command {
    let mut cmd = Command::new(bin.join("aws"));
    cmd.envs(client_env(port));
    cmd
}

/// The physical id of resource `logical_id` of `stack` on the emulator on `port`.
pub fn physical_id(bin: &Path, port: u16, stack: &str, logical_id: &str) -> Result<String> {
    let id = crate::process::output(aws_cli(bin, port).args([
        "cloudformation",
        "describe-stack-resource",
        "--stack-name",
        stack,
        "--logical-resource-id",
        logical_id,
        "--query",
        "StackResourceDetail.PhysicalResourceId",
        "--output",
        "text",
    ]))?;
    Ok(id.trim().to_owned())
}

/// `GET path` on the emulator; the status code and body.
pub fn http_get(port: u16, path: &str) -> Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).context("malformed HTTP response")?;
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Ok((status, body))
}

impl Emulator {
    /// Starts the emulator from the venv `bin` on `port` and waits until it is ready.
    pub fn start(bin: &Path, port: u16) -> Result<Self> {
        if http_get(port, "/_ministack/health").is_ok() {
            bail!(
                "127.0.0.1:{port} is already in use; stop it (`cargo xtask down --port {port}`) or pick another port"
            );
        }
        let state = paths::local().join(format!("emulator-{port}"));
        let _ = std::fs::remove_dir_all(&state);
        std::fs::create_dir_all(&state)?;
        let log = paths::local().join(format!("emulator-{port}.log"));
        let log_file = std::fs::File::create(&log)?;
        let mut cmd = Command::new(bin.join("ministack"));
        cmd.envs(client_env(port))
            .env("GATEWAY_PORT", port.to_string())
            .env("BIND_HOST", "127.0.0.1")
            .env("IOT_MTLS_ENABLED", "0")
            .env("SFTP_ENABLED", "0")
            .env("S3_DATA_DIR", state.join("s3"))
            .env("TMPDIR", &state)
            .env("MINISTACK_REGION", REGION)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().context("starting ministack")?;
        let emulator = Emulator { port, pgid: child.id(), log };
        std::fs::write(pid_file(port), emulator.pgid.to_string())?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if matches!(http_get(port, "/_ministack/ready"), Ok((200, _))) {
                return Ok(emulator);
            }
            if Instant::now() > deadline || !emulator.alive() {
                emulator.stop();
                bail!("the emulator did not become ready on port {port}; see {}", emulator.log.display());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The emulator `up` started on `port`, if it is still running.
    pub fn attach(port: u16) -> Option<Self> {
        let pgid = std::fs::read_to_string(pid_file(port)).ok()?.trim().parse().ok()?;
        let e = Emulator { port, pgid, log: paths::local().join(format!("emulator-{port}.log")) };
        (e.alive() && http_get(port, "/_ministack/health").is_ok()).then_some(e)
    }

    fn alive(&self) -> bool {
        Command::new("kill")
            .args(["-0", "--", &format!("-{}", self.pgid)])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Stops the whole process group (TERM, then KILL after 5 s) and removes what
    /// it kept on disk for this port (its state and the packaged build), keeping
    /// the log.
    pub fn stop(&self) {
        stop_group(self.pgid);
        let _ = std::fs::remove_file(pid_file(self.port));
        for dir in [format!("emulator-{}", self.port), format!("build-{}", self.port)] {
            let _ = std::fs::remove_dir_all(paths::local().join(dir));
        }
    }
}

/// Signals a process group to stop, escalating to KILL.
pub fn stop_group(pgid: u32) {
    let signal = |sig: &str| {
        Command::new("kill")
            .args([sig, "--", &format!("-{pgid}")])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !signal("-TERM") {
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if !signal("-0") {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    signal("-KILL");
}

/// Stops the emulator when dropped (tests: pass, fail or panic).
pub struct Guard(pub Emulator);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.stop();
    }
}
