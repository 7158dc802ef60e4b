//! `host`: run a WebAssembly guest with real sockets under a capability policy.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use std::fmt;
use std::io::Write as _;
use std::net::IpAddr;

use capsock_host::audit::{AuditSink, Stats, host_eprintln};
use capsock_host::guard::explain::{Assume, explain_code};
use capsock_host::policy::file::PolicyFile;
use capsock_host::policy::learn::Learner;
use capsock_host::policy::{End, Proto, Verb};
use capsock_host::run::{RunConfig, Runner};
use clap::{Args, Parser, Subcommand};
use wasmtime::Result;

/// Run WebAssembly guests with real operating-system sockets (Python's socket API), allowed
/// exactly the network access you grant.
#[derive(Parser)]
#[command(name = "host", version, about, long_about = None, flatten_help = true, after_help = run_help())]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a guest component (built for wasm32-wasip2) to completion; exits with its status.
    #[command(after_help = run_help())]
    Run(Box<RunArgs>),
    /// Check policy files and explain their decisions.
    #[command(subcommand)]
    Policy(PolicyCommand),
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Validate a policy file and print its normalised rules and limits (exit 0; 2 if invalid).
    Check {
        /// The policy file (TOML).
        file: PathBuf,
    },
    /// Decide VERB TARGET as `host run` would, print the decision and the deciding rule; exit
    /// 0 allowed, 1 denied, 2 bad input.
    #[command(
        after_help = "TARGET is one target in the rule grammar: PROTO://HOST:PORT with one protocol \
(tcp or udp), one port and one address or host name, or a NAME for resolve. A socket is taken \
as a guest makes one by default: unbound (a connect or send also binds it implicitly) and, for \
IPv6, dual-stack. A host name is resolved by the guest first: the resolve rules decide the \
lookup, then the rules for the name and the address it resolved to decide the use; give those \
addresses with --resolved-to for the exact answer.\n\nExamples:\n  host policy explain p.toml connect 'tcp://[::ffff:10.0.0.1]:22'\n  host policy explain p.toml resolve api.example.com\n  host policy explain p.toml connect tcp://api.example.com:443 --resolved-to 93.184.216.34"
    )]
    Explain {
        /// The policy file (TOML).
        file: PathBuf,
        /// connect, bind, accept, send, recv or resolve.
        #[arg(allow_hyphen_values = true)]
        verb: String,
        /// PROTO://HOST:PORT, or a host NAME for resolve.
        #[arg(allow_hyphen_values = true)]
        target: String,
        /// An address the host name in TARGET resolves to (repeatable): the decision is then
        /// the run's for a guest that resolved the name and uses that address.
        #[arg(long = "resolved-to", value_name = "ADDR")]
        resolved_to: Vec<IpAddr>,
        /// Decide for an IPv6-only socket (IPV6_V6ONLY set, as every std::net socket is): a
        /// bind of [::] binds IPv6 alone.
        #[arg(long)]
        v6only: bool,
    },
}

/// The rules part of `host run --help`, from each verb's facts (one line per verb, with its
/// protocols and an example), then the grammar of hosts and ports and the exit status.
fn run_help() -> String {
    let mut help = String::from(
        "Policy rules (default: everything is denied; a deny rule beats every allow rule):\n",
    );
    for verb in Verb::ALL {
        let facts = verb.facts();
        let form = match facts.end {
            End::Name => format!("{} NAME", facts.name),
            _ => {
                // icmp and raw have lines of their own below: they name no port.
                let protos: Vec<&str> = facts
                    .protos
                    .iter()
                    .filter(|&&p| !matches!(p, Proto::Icmp | Proto::Raw))
                    .map(|p| p.as_str())
                    .collect();
                format!("{} {}://HOST:PORTS", facts.name, protos.join("|"))
            }
        };
        help.push_str(&format!("  {form:<30}{}\n", facts.help));
        help.push_str(&format!("  {:<30}e.g. {}\n", "", facts.example));
    }
    let icmp: Vec<&str> = Verb::ALL
        .iter()
        .filter(|v| v.facts().protos.contains(&Proto::Icmp))
        .map(|v| v.as_str())
        .collect();
    help.push_str(&format!(
        "  {:<30}ICMP echo (ping) sockets: send echo requests to HOST and hear\n  {:<30}its replies (VERB: {}), e.g. send icmp://10.0.0.0/8\n",
        "VERB icmp://HOST",
        "",
        icmp.join(", ")
    ));
    help.push_str(&format!(
        "  {:<30}raw IP sockets (SOCK_RAW) carrying IP protocols PROTOS (1-254,\n  {:<30}e.g. 47 for GRE) to and from HOST (VERB: connect, bind, send, recv)\n",
        "VERB raw://HOST:PROTOS", ""
    ));
    help.push_str(&format!(
        "  {:<30}AF_NETLINK sockets of NETLINK_ROUTE, for reading: interfaces,\n  {:<30}addresses, routes, neighbours (the kernel's answers only)\n",
        "send netlink:route", ""
    ));
    help.push_str(&format!(
        "  {:<30}AF_VSOCK connections (VERB: connect, bind, accept); CID is a\n  {:<30}number, hypervisor, local, host, any or *, e.g. connect vsock://host:1024\n",
        "VERB vsock://CID:PORTS", ""
    ));
    help.push_str(&format!(
        "  {:<30}AF_PACKET frames, AF_CAN (CAN_RAW) frames: bind hears an interface,\n  {:<30}send sends out of it; IFACE is a name, a prefix (veth*) or * (every one)\n",
        "bind|send packet:IFACE", "bind|send can:IFACE"
    ));
    let unix: Vec<&str> = Verb::ALL
        .iter()
        .filter(|v| v.facts().unix)
        .map(|v| v.as_str())
        .collect();
    help.push_str(&format!(
        "  {:<30}AF_UNIX sockets: one socket file, every socket under a directory,\n  {:<30}an abstract name or names with a prefix (VERB: {})\n",
        "VERB unix:/path | unix:/dir/",
        "| unix:@name | unix:@prefix*",
        unix.join(", ")
    ));
    help.push_str(
        "  HOST: 10.0.0.1, [::1], 10.0.0.0/8, [fd00::/8], name, *.suffix, localhost, *
  PORTS: 443, 8000-8099, *; PROTO * is tcp and udp
  A rule names the remote end, except bind, which names the local address.

Examples:
  host run client.wasm --allow 'connect tcp://127.0.0.1:6379'
  host run server.wasm --allow 'bind tcp://127.0.0.1:8080' --allow 'accept tcp://127.0.0.0/8:*'
  host run job.wasm --allow 'connect tcp://*:443' --deny 'connect tcp://10.0.0.0/8:*'

Exit status: the guest's own; 134 when the guest traps (the trap and its wasm backtrace
are printed); 2 when the command line or the guest file is wrong.",
    );
    help
}

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
    /// A policy file (TOML: allow = [..], deny = [..], [limits] max-sockets = N), merged with
    /// --allow/--deny; command-line limits override the file's.
    #[arg(long = "policy", value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Deny loopback, private (RFC 1918), link-local, CGNAT and ULA remote addresses unless an
    /// allow rule names them explicitly.
    #[arg(long)]
    deny_private: bool,
    /// What gethostname() tells the guest [default: the policy file's hostname, else
    /// localhost: the host's own name is not revealed].
    #[arg(long, value_name = "NAME", value_parser = parse_hostname)]
    hostname: Option<String>,
    /// Let the guest learn every network interface of the host (if_nameindex …); otherwise
    /// only lo and the interfaces its packet: and can: rules name.
    #[arg(long)]
    reveal_interfaces: bool,
    /// Do not print policy denials on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Write one JSON line per policy decision to FILE ('-' for stderr).
    #[arg(long, value_name = "FILE")]
    audit: Option<PathBuf>,
    /// Print sockets opened, connections, name lookups, denials and bytes sent and received
    /// (capsock's door and std::net's together) on stderr at exit.
    #[arg(long)]
    stats: bool,
    /// Run with everything allowed and write the smallest policy file allowing what the guest did.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["policy", "allow", "deny"])]
    learn: Option<PathBuf>,
    /// The most sockets the guest may hold open at once, capsock's and std::net's together
    /// (past it: EMFILE) [default: the policy file's max-sockets, else 1024].
    #[arg(long, value_name = "N")]
    max_sockets: Option<usize>,
    /// Compile the guest afresh: neither read nor write the compiled-component cache
    /// ($XDG_CACHE_HOME/capsock, else ~/.cache/capsock).
    #[arg(long)]
    no_cache: bool,
    /// Stop the guest after this many seconds (a trap, even inside a blocking socket call).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    timeout: Option<Duration>,
    /// Send the guest's name lookups (capsock's and std::net's) to this DNS server instead of
    /// the system resolver (no /etc/hosts; names under localhost stay local) [port: 53].
    #[arg(long, value_name = "ADDR[:PORT]", value_parser = parse_dns)]
    dns: Option<std::net::SocketAddr>,
    /// The most linear memory the guest may have, e.g. 64MiB (past it, growing memory fails;
    /// a Rust guest then aborts) [default: the policy file's max-memory, else 4 GiB, wasm32's].
    #[arg(long, value_name = "SIZE", value_parser = capsock_host::policy::file::parse_size)]
    max_memory: Option<u64>,
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

fn parse_hostname(s: &str) -> Result<String, String> {
    capsock_host::policy::file::check_hostname(s).map(|()| s.to_owned())
}

fn parse_dns(s: &str) -> Result<std::net::SocketAddr, String> {
    if let Ok(addr) = s.parse() {
        return Ok(addr);
    }
    match s.parse::<std::net::IpAddr>() {
        Ok(ip) => Ok(std::net::SocketAddr::new(ip, 53)),
        Err(_) => Err(format!(
            "expected a DNS server's address, e.g. 127.0.0.1, 127.0.0.1:5353 or [::1]:5353, got {s:?}"
        )),
    }
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("expected a number of seconds, got {s:?}"))?;
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{s} is not a valid duration in seconds"))
}

/// Builds the policy from the policy file and the command line; a bad rule is reported with
/// what was expected. Returns the file's limits too.
fn policy(args: &RunArgs) -> Result<PolicyFile> {
    let mut file = match &args.policy {
        Some(path) => PolicyFile::load(path)?,
        None => PolicyFile::default(),
    };
    let policy = &mut file.policy;
    if args.deny_private {
        policy.set_deny_private(true);
    }
    if let Some(name) = &args.hostname {
        policy.set_hostname(name.clone());
    }
    if args.reveal_interfaces {
        policy.set_reveal_interfaces(true);
    }
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
    Ok(file)
}

fn run(args: RunArgs) -> Result<ExitCode> {
    let file = policy(&args)?;
    let max_sockets = args
        .max_sockets
        .or(file.limits.max_sockets)
        .unwrap_or(RunConfig::default().max_sockets);
    // The guest file is checked (its type, then its contents) and compiled before anything is
    // created: a wrong file leaves no empty audit log behind.
    let cache = match args.no_cache {
        true => None,
        false => Runner::default_cache_dir(),
    };
    let runner = Runner::new()?.with_cache(cache);
    let component = runner.load(&args.guest)?;
    let audit = match &args.audit {
        Some(path) => Some(AuditSink::open(path).map_err(|e| {
            wasmtime::Error::from(e)
                .context(format!("cannot create the audit log {}", path.display()))
        })?),
        None => None,
    };
    let learner = args.learn.as_ref().map(|_| Arc::new(Learner::new()));
    let stats = Arc::new(Stats::default());
    let mut argv = vec![args.guest.display().to_string()];
    argv.extend(args.args);
    let config = RunConfig {
        args: argv,
        env: args.env,
        dirs: args.dirs,
        policy: Arc::new(file.policy),
        max_sockets,
        timeout: args.timeout,
        max_memory: args.max_memory.or(file.limits.max_memory),
        dns: args.dns,
        inherit_stdin: true,
        audit,
        print_denials: !args.quiet,
        learn: learner.clone(),
        stats: Some(stats.clone()),
        ..RunConfig::default()
    };
    let result = runner.run(&component, config);
    if args.stats {
        host_eprintln(format_args!("host: stats: {stats}"));
    }
    if let (Some(path), Some(learner)) = (&args.learn, &learner) {
        std::fs::write(path, learner.to_toml()).map_err(|e| {
            wasmtime::Error::from(e).context(format!("cannot write {}", path.display()))
        })?;
        host_eprintln(format_args!(
            "host: learned policy written to {}",
            path.display()
        ));
    }
    match result {
        Ok(code) => Ok(ExitCode::from(code.clamp(0, 255) as u8)),
        Err(trap) => {
            host_eprintln(format_args!("host: the guest trapped: {trap:?}"));
            Ok(ExitCode::from(134))
        }
    }
}

fn policy_command(command: PolicyCommand) -> Result<ExitCode> {
    match command {
        PolicyCommand::Check { file } => {
            let file = PolicyFile::load(&file)?;
            print_out(format_args!("{}", file.to_toml()));
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Explain {
            file,
            verb,
            target,
            resolved_to,
            v6only,
        } => {
            let file = PolicyFile::load(&file)?;
            let assume = Assume {
                resolved_to,
                v6only,
            };
            let (code, text) = explain_code(&file.policy, &verb, &target, &assume);
            if code == 2 {
                host_eprintln(format_args!("host: {text}"));
            } else {
                print_out(format_args!("{text}\n"));
            }
            Ok(ExitCode::from(code as u8))
        }
    }
}

fn main() -> ExitCode {
    // Not `Cli::parse()`: clap's help, version and usage errors are printed here, ignoring a
    // closed stream, with clap's exit codes (0 for --help and --version, 2 for a usage error).
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let result = match cli.command {
        Command::Run(args) => run(*args),
        Command::Policy(command) => policy_command(command),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            host_eprintln(format_args!("host: {e:#}"));
            ExitCode::from(2)
        }
    }
}

/// Writes to the host's standard output, ignoring a closed or failing stream (`println!`
/// panics there; the exit status must stay the documented one).
fn print_out(text: fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_fmt(text).and_then(|()| out.flush());
}
