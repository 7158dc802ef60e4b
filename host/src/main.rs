//! `host`: run a WebAssembly guest with real sockets under a capability policy.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use capsock_host::Policy;
use capsock_host::run::{RunConfig, Runner};
use clap::{Args, Parser, Subcommand};
use wasmtime::{Result, bail};

/// Run WebAssembly guests with real operating-system sockets (Python's socket API), allowed
/// exactly the network access you grant.
#[derive(Parser)]
#[command(name = "host", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a guest component (built for wasm32-wasip2) to completion; exits with its status.
    #[command(after_help = RUN_HELP)]
    Run(RunArgs),
}

const RUN_HELP: &str = "\
Policy rules (default: everything is denied):
  VERB PROTO://HOST:PORTS     VERB is connect, bind, accept, send (UDP datagrams to)
                              or recv (UDP datagrams from); PROTO is tcp, udp or *
  resolve NAME                allow looking NAME up (exact, *.suffix, or *)
  HOST: 10.0.0.1, [::1], 10.0.0.0/8, [fd00::/8], localhost, *
  PORTS: 443, 8000-8099, *
  A rule names the remote end, except bind, which names the local address; a deny rule
  beats every allow rule.

Examples:
  host run client.wasm --allow 'connect tcp://127.0.0.1:6379'
  host run server.wasm --allow 'bind tcp://127.0.0.1:8080' --allow 'accept tcp://127.0.0.0/8:*'
  host run job.wasm --allow 'connect tcp://*:443' --deny 'connect tcp://10.0.0.0/8:*'

Exit status: the guest's own; 134 when the guest traps (the trap and its wasm backtrace
are printed); 2 when the command line or the guest file is wrong.";

#[derive(Args)]
struct RunArgs {
    /// Allow what RULE describes (repeatable), e.g. 'connect tcp://127.0.0.1:8080'.
    #[arg(long = "allow", value_name = "RULE")]
    allow: Vec<String>,
    /// Deny what RULE describes (repeatable); deny beats allow.
    #[arg(long = "deny", value_name = "RULE")]
    deny: Vec<String>,
    /// Set an environment variable for the guest (repeatable); the guest sees no others.
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_env)]
    env: Vec<(String, String)>,
    /// Give the guest a host directory (repeatable): HOST_DIR, or HOST_DIR::GUEST_DIR.
    #[arg(long = "dir", value_name = "HOST_DIR[::GUEST_DIR]", value_parser = parse_dir)]
    dirs: Vec<(PathBuf, String)>,
    /// The most sockets the guest may hold open at once (past it: EMFILE).
    #[arg(long, value_name = "N", default_value_t = capsock_host::run::RunConfig::default().max_sockets)]
    max_sockets: usize,
    /// Stop the guest after this many seconds (a trap, even inside a blocking socket call).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    timeout: Option<Duration>,
    /// The guest component (.wasm).
    guest: PathBuf,
    /// Arguments passed to the guest.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}

fn parse_dir(s: &str) -> Result<(PathBuf, String), String> {
    let (host, guest) = match s.split_once("::") {
        Some((h, g)) => (h, g),
        None => (s, s),
    };
    if host.is_empty() || guest.is_empty() {
        return Err(format!(
            "expected HOST_DIR or HOST_DIR::GUEST_DIR, got {s:?}"
        ));
    }
    Ok((PathBuf::from(host), guest.to_owned()))
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("expected a number of seconds, got {s:?}"))?;
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{s} is not a valid duration in seconds"))
}

/// Builds the policy from the command line; a bad rule is reported with what was expected.
fn policy(args: &RunArgs) -> Result<Policy> {
    let mut policy = Policy::default();
    for rule in &args.allow {
        policy
            .allow(rule)
            .map_err(|e| wasmtime::Error::from(e).context("in --allow"))?;
    }
    for rule in &args.deny {
        policy
            .deny(rule)
            .map_err(|e| wasmtime::Error::from(e).context("in --deny"))?;
    }
    Ok(policy)
}

fn run(args: RunArgs) -> Result<ExitCode> {
    let policy = policy(&args)?;
    if !args.guest.is_file() {
        bail!("guest file {} does not exist", args.guest.display());
    }
    let runner = Runner::new()?;
    let component = runner.load(&args.guest)?;
    let mut argv = vec![args.guest.display().to_string()];
    argv.extend(args.args);
    let config = RunConfig {
        args: argv,
        env: args.env,
        dirs: args.dirs,
        policy: Arc::new(policy),
        max_sockets: args.max_sockets,
        timeout: args.timeout,
        inherit_stdin: true,
        ..RunConfig::default()
    };
    match runner.run(&component, config) {
        Ok(code) => Ok(ExitCode::from(code.clamp(0, 255) as u8)),
        Err(trap) => {
            eprintln!("host: the guest trapped: {trap:?}");
            Ok(ExitCode::from(134))
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("host: {e:#}");
            ExitCode::from(2)
        }
    }
}
