//! A function's release binary started the way Lambda starts it: with its deployed
//! environment, the local stack's endpoint and credentials, and the variables of
//! the Lambda execution environment, polling a Runtime API at `runtime_api` (the
//! benches' own, on loopback).
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::emulator::client_env;

/// The command that starts `binary` with the deployed `variables` against the stack
/// on `port`; `stream` names its log stream (which bench started it). Its standard
/// output is discarded, its standard error left to the caller.
pub fn command(
    binary: &Path,
    variables: &BTreeMap<String, String>,
    port: u16,
    runtime_api: SocketAddr,
    stream: &str,
) -> Command {
    let name = binary.file_name().and_then(|n| n.to_str()).unwrap_or("function");
    in_environment(Command::new(binary), name, variables, port, runtime_api, stream)
}

/// `command` (an interpreter and its script, say) given the environment [`command`]
/// gives a binary, as the function `name`.
pub fn in_environment(
    mut command: Command,
    name: &str,
    variables: &BTreeMap<String, String>,
    port: u16,
    runtime_api: SocketAddr,
    stream: &str,
) -> Command {
    command
        .env_clear()
        .envs(variables)
        .envs(client_env(port))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", stream)
        .stdout(Stdio::null());
    command
}
