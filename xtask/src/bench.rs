//! `cargo xtask bench [--quick]`: every workload three ways, in alternating rounds; and
//! `cargo xtask bench --instructions`: user-space instructions per operation, under callgrind.
//!
//! Contenders: (a) `client_std` built natively (Rust `std::net`), (b) `client_capsock` as a
//! wasm32-wasip2 guest under `host run` (the `capsock` crate), (c) `client_std` as a
//! wasm32-wasip2 guest under the same `host run` (wasi:sockets, as wasmtime-wasi implements
//! it). One native `peer` serves all three. The peer runs on CPU 0 and the contender on CPU 1
//! (`sched_setaffinity` before `exec`). Each run of a contender is paired with a zero-work run
//! of the same contender: the CPU time (user + sys, from `wait4`'s rusage, all threads) of the
//! zero-work run is subtracted, so start-up is excluded. Wall time per operation is what the
//! contender measured around its own loop. Medians over the rounds are reported as a Markdown
//! table and written to `target/bench/results.json`.
//!
//! The harness reports; it asserts no performance target (only that every run did its work).

use std::io::{BufRead as _, BufReader, Read as _};
use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use serde_json::{Value, json};

use crate::{cargo, ensure_wasm_target, root, run};

/// The CPUs the peer and the contender are pinned to: the first two this process may run on.
#[derive(Clone, Copy)]
pub(crate) struct Pins {
    pub(crate) peer: usize,
    pub(crate) contender: usize,
}

impl Pins {
    /// `None` when fewer than two CPUs are available (then nothing is pinned).
    pub(crate) fn choose() -> Option<Pins> {
        // SAFETY: cpu_set_t is plain data; sched_getaffinity fills it.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: a valid pointer to a local of the size passed.
        let r =
            unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
        if r != 0 {
            return None;
        }
        let mut allowed = (0..libc::CPU_SETSIZE as usize).filter(|&cpu| {
            // SAFETY: `cpu` is below CPU_SETSIZE.
            unsafe { libc::CPU_ISSET(cpu, &set) }
        });
        Some(Pins {
            peer: allowed.next()?,
            contender: allowed.next()?,
        })
    }
}

/// Sizes of one benchmark run.
struct Sizes {
    rounds: usize,
    bulk_total: u64,
    pingpong: u64,
    connect: u64,
    udp: u64,
    server: u64,
}

const FULL: Sizes = Sizes {
    rounds: 5,
    bulk_total: 1 << 30,
    pingpong: 30_000,
    connect: 2_000,
    udp: 20_000,
    server: 2_000,
};

const QUICK: Sizes = Sizes {
    rounds: 2,
    bulk_total: 16 << 20,
    pingpong: 2_000,
    connect: 200,
    udp: 2_000,
    server: 200,
};

/// The three contenders, in the order they alternate.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Contender {
    Native,
    Capsock,
    WasiSockets,
}

impl Contender {
    const ALL: [Contender; 3] = [
        Contender::Native,
        Contender::Capsock,
        Contender::WasiSockets,
    ];

    fn key(self) -> &'static str {
        match self {
            Contender::Native => "native",
            Contender::Capsock => "capsock",
            Contender::WasiSockets => "wasi_sockets",
        }
    }
}

/// What the native peer does for a workload.
#[derive(Clone, Copy)]
enum Peer {
    /// `peer sink`, one connection.
    Sink,
    /// `peer echo`, one connection per operation (`per_op`) or just one.
    Echo { per_op: bool },
    /// `peer udp-echo`, one datagram per operation.
    UdpEcho,
    /// `peer client`: the contender is the server; one warm-up connection plus one per op.
    Client,
    /// No peer (start-up).
    None,
}

/// Makes a contender's arguments from the peer's address and the amount of work.
type ArgsFn = Box<dyn Fn(&str, u64) -> Vec<String>>;

/// One workload.
struct Workload {
    name: String,
    /// What one operation is.
    op: &'static str,
    peer: Peer,
    /// Operations in a full run (for bulk: bytes; the client reports its writes as ops).
    n: u64,
    /// The contender's arguments, given the peer's address and the amount of work.
    args: ArgsFn,
    /// The `--allow` rules a user would write for the guest, given the peer's address.
    rules: fn(&str) -> Vec<String>,
    /// Start-up workloads: wipe the compiled-component cache before each guest run.
    cold: bool,
}

fn connect_rule(addr: &str) -> Vec<String> {
    vec![format!("connect tcp://{addr}")]
}

fn udp_rules(addr: &str) -> Vec<String> {
    vec![
        "bind udp://127.0.0.1:*".to_owned(),
        format!("send udp://{addr}"),
        format!("recv udp://{addr}"),
    ]
}

fn server_rules(addr: &str) -> Vec<String> {
    vec![
        format!("bind tcp://{addr}"),
        "accept tcp://127.0.0.0/8:*".to_owned(),
    ]
}

fn no_rules(_: &str) -> Vec<String> {
    Vec::new()
}

fn workloads(s: &Sizes) -> Vec<Workload> {
    let mut w = Vec::new();
    for (label, write) in [
        ("1KiB", 1usize << 10),
        ("64KiB", 64 << 10),
        ("1MiB", 1 << 20),
    ] {
        w.push(Workload {
            name: format!("bulk-{label}-writes"),
            op: "write",
            peer: Peer::Sink,
            n: s.bulk_total,
            args: Box::new(move |addr, n| {
                vec!["bulk".into(), addr.into(), n.to_string(), write.to_string()]
            }),
            rules: connect_rule,
            cold: false,
        });
    }
    let simple = |name: &str, op, peer, n, rules: fn(&str) -> Vec<String>| {
        let verb = name.split('-').next().unwrap_or(name).to_owned();
        Workload {
            name: name.to_owned(),
            op,
            peer,
            n,
            args: Box::new(move |addr, n| vec![verb.clone(), addr.into(), n.to_string()]),
            rules,
            cold: false,
        }
    };
    w.push(simple(
        "pingpong-64B",
        "round trip",
        Peer::Echo { per_op: false },
        s.pingpong,
        connect_rule,
    ));
    w.push(simple(
        "connect-1B-echo-close",
        "connection",
        Peer::Echo { per_op: true },
        s.connect,
        connect_rule,
    ));
    w.push(simple(
        "udp-512B",
        "round trip",
        Peer::UdpEcho,
        s.udp,
        udp_rules,
    ));
    w.push(simple(
        "server-accept-echo",
        "connection",
        Peer::Client,
        s.server,
        server_rules,
    ));
    for cold in [true, false] {
        w.push(Workload {
            name: format!("startup-hello-{}", if cold { "cold" } else { "warm" }),
            op: "process",
            peer: Peer::None,
            n: 1,
            args: Box::new(|_, _| Vec::new()),
            rules: no_rules,
            cold,
        });
    }
    w
}

fn is_startup(w: &Workload) -> bool {
    matches!(w.peer, Peer::None)
}

/// Paths of everything the harness runs.
struct Programs {
    host: PathBuf,
    peer: PathBuf,
    client_native: PathBuf,
    hello_native: PathBuf,
    client_std_wasm: PathBuf,
    client_capsock_wasm: PathBuf,
    hello_wasm: PathBuf,
    /// `XDG_CACHE_HOME` of every `host run`: the compiled-component cache lives below it.
    xdg_cache: PathBuf,
}

impl Programs {
    fn cache_dir(&self) -> PathBuf {
        self.xdg_cache.join("capsock")
    }

    /// Runs each guest once with no work, which fills the compiled-component cache, under
    /// callgrind when `callgrind` names its output file (the engine, so the cache key, differs
    /// there).
    fn compile_guests(&self, callgrind: Option<&Path>) -> Result<()> {
        for wasm in [
            &self.client_capsock_wasm,
            &self.client_std_wasm,
            &self.hello_wasm,
        ] {
            let mut cmd = Command::new(&self.host);
            cmd.env("XDG_CACHE_HOME", &self.xdg_cache)
                .arg("run")
                .arg(wasm)
                .args(["connect", "127.0.0.1:9", "0"]);
            if let Some(out) = callgrind {
                cmd = under_callgrind(&cmd, out);
            }
            run(cmd.stdout(Stdio::null()))
                .with_context(|| format!("warm-up run of {}", wasm.display()))?;
        }
        Ok(())
    }

    /// The command of one run of `contender` for `workload` (peer address `addr`).
    fn command(&self, contender: Contender, w: &Workload, addr: &str, n: u64) -> Option<Command> {
        let args = (w.args)(addr, n);
        let startup = is_startup(w);
        let wasm = match contender {
            Contender::Native => {
                let mut cmd = Command::new(if startup {
                    &self.hello_native
                } else {
                    &self.client_native
                });
                cmd.args(&args);
                return Some(cmd);
            }
            // Start-up: the same host runs the same hello guest either way.
            Contender::WasiSockets if startup => return None,
            Contender::Capsock if startup => &self.hello_wasm,
            Contender::Capsock => &self.client_capsock_wasm,
            Contender::WasiSockets => &self.client_std_wasm,
        };
        let mut cmd = Command::new(&self.host);
        cmd.env("XDG_CACHE_HOME", &self.xdg_cache)
            .args(["run", "--timeout", "120"]);
        for rule in (w.rules)(addr) {
            cmd.arg("--allow").arg(rule);
        }
        cmd.arg(wasm).args(&args);
        Some(cmd)
    }
}

/// Restricts the process about to be executed to one CPU.
pub(crate) fn pin(cmd: &mut Command, cpu: Option<usize>) {
    let Some(cpu) = cpu else { return };
    // SAFETY: the closure runs in the child between fork and exec; it only calls
    // async-signal-safe functions (sched_setaffinity) on a stack-local cpu_set_t.
    unsafe {
        cmd.pre_exec(move || {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut set);
            if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// A child that is killed and reaped when dropped, unless it was reaped already.
pub(crate) struct Proc {
    pub(crate) child: Child,
    reaped: bool,
}

impl Proc {
    pub(crate) fn spawn(cmd: &mut Command) -> Result<Proc> {
        let child = cmd
            .spawn()
            .with_context(|| format!("cannot start {cmd:?}"))?;
        Ok(Proc {
            child,
            reaped: false,
        })
    }

    /// Waits (`wait4`) and returns the exit status and the resource usage of the child.
    fn wait4(&mut self) -> Result<(i32, libc::rusage)> {
        let pid = self.child.id() as libc::pid_t;
        let mut status = 0;
        // SAFETY: rusage is plain data; wait4 fills it.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        loop {
            // SAFETY: valid pointers to locals; `pid` is our own unreaped child.
            let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            if r == pid {
                break;
            }
            let err = std::io::Error::last_os_error();
            if err.kind() != std::io::ErrorKind::Interrupted {
                bail!("wait4: {err}");
            }
        }
        self.reaped = true;
        Ok((status, usage))
    }

    /// Waits at most `limit` for the child to exit successfully.
    pub(crate) fn finish(&mut self, limit: Duration, what: &str) -> Result<()> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                self.reaped = true;
                if !status.success() {
                    bail!("{what} failed: {status}");
                }
                return Ok(());
            }
            if start.elapsed() > limit {
                bail!("{what} did not finish within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if !self.reaped {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One run of one contender.
#[derive(Clone, Copy, Debug, Default)]
struct Sample {
    ops: u64,
    /// Wall time the contender measured around its loop (start-up: the whole process).
    wall_ns: f64,
    bytes: u64,
    /// user + sys of the whole process.
    cpu_ns: f64,
    max_rss_kib: i64,
    nodelay: bool,
    /// User-space instructions of the whole process (all threads), under callgrind.
    instructions: Option<u64>,
}

/// `cmd` run by `valgrind --tool=callgrind`, its counts written to `out`.
fn under_callgrind(cmd: &Command, out: &Path) -> Command {
    let mut wrapped = Command::new("valgrind");
    wrapped
        .args(["-q", "--tool=callgrind"])
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => wrapped.env(key, value),
            None => wrapped.env_remove(key),
        };
    }
    wrapped
}

/// The instruction total of a callgrind output file (its `summary:` line).
fn callgrind_total(out: &Path) -> Result<u64> {
    let text = std::fs::read_to_string(out)
        .with_context(|| format!("cannot read callgrind's output {}", out.display()))?;
    parse_callgrind_summary(&text)
        .with_context(|| format!("no `summary:` line in {}", out.display()))
}

fn parse_callgrind_summary(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix("summary:"))
        .and_then(|n| n.trim().parse().ok())
}

fn tv_ns(tv: libc::timeval) -> f64 {
    tv.tv_sec as f64 * 1e9 + tv.tv_usec as f64 * 1e3
}

pub(crate) fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts a serving peer and reads the address it announces.
fn start_peer(programs: &Programs, pins: Option<Pins>, args: &[String]) -> Result<(Proc, String)> {
    let mut cmd = Command::new(&programs.peer);
    cmd.args(args)
        .args(["--limit", "300"])
        .stdout(Stdio::piped());
    pin(&mut cmd, pins.map(|p| p.peer));
    let mut peer = Proc::spawn(&mut cmd)?;
    let mut line = String::new();
    BufReader::new(peer.child.stdout.take().context("peer stdout")?)
        .read_line(&mut line)
        .context("read the peer's address")?;
    let addr = line.trim().to_owned();
    if addr.is_empty() {
        bail!("the peer ({args:?}) announced no address");
    }
    Ok((peer, addr))
}

/// Runs `contender` once for `w` with `n` units of work.
fn run_once(
    programs: &Programs,
    pins: Option<Pins>,
    contender: Contender,
    w: &Workload,
    n: u64,
) -> Result<Option<Sample>> {
    run_measured(programs, pins, contender, w, n, None)
}

/// [`run_once`], with the contender under `valgrind --tool=callgrind` when `callgrind` names
/// its output file; the sample then carries the instructions the process executed.
fn run_measured(
    programs: &Programs,
    pins: Option<Pins>,
    contender: Contender,
    w: &Workload,
    n: u64,
    callgrind: Option<&Path>,
) -> Result<Option<Sample>> {
    let (mut peer, addr) = match w.peer {
        Peer::Sink => {
            let (p, a) = start_peer(programs, pins, &["sink".into()])?;
            (Some(p), a)
        }
        Peer::Echo { per_op } => {
            let conns = if per_op { n } else { 1 };
            let (p, a) = start_peer(
                programs,
                pins,
                &["echo".into(), "--conns".into(), conns.to_string()],
            )?;
            (Some(p), a)
        }
        Peer::UdpEcho => {
            let (p, a) = start_peer(
                programs,
                pins,
                &["udp-echo".into(), "--datagrams".into(), n.to_string()],
            )?;
            (Some(p), a)
        }
        Peer::Client => (None, format!("127.0.0.1:{}", free_port()?)),
        Peer::None => (None, String::new()),
    };
    let Some(cmd) = programs.command(contender, w, &addr, n) else {
        return Ok(None);
    };
    let mut cmd = match callgrind {
        Some(out) => under_callgrind(&cmd, out),
        None => cmd,
    };
    if w.cold && contender != Contender::Native {
        let dir = programs.cache_dir();
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot empty the cache {}", dir.display()))?;
        }
    }
    cmd.stdout(Stdio::piped());
    pin(&mut cmd, pins.map(|p| p.contender));
    let started = Instant::now();
    let mut proc = Proc::spawn(&mut cmd)?;
    if let Peer::Client = w.peer {
        let mut client = Command::new(&programs.peer);
        client.args([
            "client",
            &addr,
            "--conns",
            &(n + 1).to_string(),
            "--limit",
            "300",
        ]);
        pin(&mut client, pins.map(|p| p.peer));
        peer = Some(Proc::spawn(&mut client)?);
    }
    let mut out = String::new();
    proc.child
        .stdout
        .take()
        .context("contender stdout")?
        .read_to_string(&mut out)?;
    let (status, usage) = proc.wait4()?;
    let elapsed = started.elapsed();
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!(
            "{} {} (n = {n}) failed (wait status {status:#x}); output: {out}",
            w.name,
            contender.key()
        );
    }
    if let Some(peer) = &mut peer {
        peer.finish(Duration::from_secs(60), "the peer")?;
    }
    let mut sample = Sample {
        cpu_ns: tv_ns(usage.ru_utime) + tv_ns(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss,
        instructions: callgrind.map(callgrind_total).transpose()?,
        ..Sample::default()
    };
    if is_startup(w) {
        sample.ops = 1;
        sample.wall_ns = elapsed.as_nanos() as f64;
        if out.trim() != "hello" {
            bail!("the hello program printed {out:?}");
        }
        return Ok(Some(sample));
    }
    let line = out
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .with_context(|| format!("{} {}: no result line in {out:?}", w.name, contender.key()))?;
    let v: Value = serde_json::from_str(line).with_context(|| format!("bad result {line}"))?;
    sample.ops = v["ops"].as_u64().context("ops")?;
    sample.wall_ns = v["wall_ns"].as_f64().context("wall_ns")?;
    sample.bytes = v["bytes"].as_u64().unwrap_or(0);
    sample.nodelay = v["nodelay"].as_bool().unwrap_or(false);
    Ok(Some(sample))
}

/// Per-round figures of one contender on one workload.
#[derive(Default)]
struct Series {
    wall_per_op: Vec<f64>,
    /// CPU time of each full run, with its operation count.
    cpu_full: Vec<(f64, f64)>,
    /// CPU time of each zero-work run (the start-up cost).
    cpu_zero: Vec<f64>,
    /// Filled after the rounds: (full − median zero) / ops, per round.
    cpu_per_op: Vec<f64>,
    rss_kib: Vec<f64>,
    bytes_per_s: Vec<f64>,
    nodelay: bool,
}

pub(crate) fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    })
}

fn fmt_ns(ns: Option<f64>) -> String {
    match ns {
        None => "–".to_owned(),
        Some(ns) if ns.abs() >= 1e6 => format!("{:.2} ms", ns / 1e6),
        Some(ns) if ns.abs() >= 1e3 => format!("{:.1} µs", ns / 1e3),
        Some(ns) => format!("{ns:.0} ns"),
    }
}

pub(crate) fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "–".to_owned(), |r| format!("{r:.2}×"))
}

/// The ratio `a / b` within each round: the contenders of a round ran back to back, so these
/// are paired comparisons, and their range shows how far one run's ratio can be trusted on
/// this machine. Empty unless both contenders have a figure for every round.
pub(crate) fn round_ratios(a: &[f64], b: &[f64]) -> Vec<f64> {
    if a.len() != b.len() || b.iter().any(|&b| b <= 0.0) {
        return Vec::new();
    }
    a.iter().zip(b).map(|(a, b)| a / b).collect()
}

/// A median ratio with the range of the per-round ratios: `1.05× (0.98–1.12)`.
pub(crate) fn fmt_ratio_range(r: Option<f64>, rounds: &[f64]) -> String {
    let lo = rounds.iter().copied().reduce(f64::min);
    let hi = rounds.iter().copied().reduce(f64::max);
    match (r, lo, hi) {
        (Some(r), Some(lo), Some(hi)) => format!("{r:.2}× ({lo:.2}–{hi:.2})"),
        _ => fmt_ratio(r),
    }
}

const USAGE: &str = "usage: cargo xtask bench [--quick] [--rounds N] [--only NAME-PART] | --instructions [--only NAME-PART] | --servers [--quick] [--rounds N]";

/// The command line of `cargo xtask bench`.
#[derive(Debug, Default, PartialEq)]
struct Options {
    /// Small sizes and 2 rounds (what CI runs).
    quick: bool,
    /// Rounds instead of the default (5, or 2 with `--quick`).
    rounds: Option<usize>,
    /// Only the workloads whose name contains this (`pingpong`, `bulk-1KiB`, `udp`…).
    only: Option<String>,
    /// Count instructions per operation under callgrind instead of timing.
    instructions: bool,
    /// The event-loop benchmark (`servers.rs`) instead.
    servers: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self> {
        let mut options = Options::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--rounds" => {
                    let n = args.next().context(USAGE)?;
                    let n = n.parse().ok().filter(|&n| n > 0).with_context(|| {
                        format!("--rounds takes a count of 1 or more, not {n:?}")
                    })?;
                    options.rounds = Some(n);
                }
                "--only" => options.only = Some(args.next().context(USAGE)?.clone()),
                "--instructions" => options.instructions = true,
                "--servers" => options.servers = true,
                other => bail!("unknown option {other:?}; {USAGE}"),
            }
        }
        if options.instructions && (options.quick || options.rounds.is_some()) {
            bail!(
                "--instructions runs each contender once per size (instruction counts hardly \
                 vary from run to run): drop --quick and --rounds; {USAGE}"
            );
        }
        Ok(options)
    }
}

/// Runs the benchmark: `args` is what follows `cargo xtask bench`.
pub fn bench(args: &[String]) -> Result<()> {
    let options = Options::parse(args)?;
    if options.servers {
        return crate::servers::servers(options.quick, options.rounds);
    }
    let quick = options.quick;
    let mut sizes = if quick { QUICK } else { FULL };
    if let Some(rounds) = options.rounds {
        sizes.rounds = rounds;
    }
    let chosen: Vec<Workload> = workloads(&sizes)
        .into_iter()
        .filter(|w| {
            options
                .only
                .as_ref()
                .is_none_or(|o| w.name.contains(o.as_str()))
        })
        .collect();
    if chosen.is_empty() {
        let names: Vec<String> = workloads(&sizes).into_iter().map(|w| w.name).collect();
        bail!("--only matches no workload; they are: {}", names.join(", "));
    }
    ensure_wasm_target()?;
    println!("== building the host and the benchmark programs (release)");
    run(cargo().args(["build", "--release", "-p", "capsock-host", "--bin", "host"]))?;
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "capsock-bench",
        "--bin",
        "peer",
        "--bin",
        "client_std",
        "--bin",
        "hello",
    ]))?;
    run(cargo().args([
        "build",
        "--release",
        "--target",
        "wasm32-wasip2",
        "-p",
        "capsock-bench",
        "--bin",
        "client_std",
        "--bin",
        "client_capsock",
        "--bin",
        "hello",
    ]))?;
    let target = root().join("target");
    let native = target.join("release");
    let wasm = target.join("wasm32-wasip2/release");
    let out_dir = target.join("bench");
    std::fs::create_dir_all(&out_dir)?;
    let programs = Programs {
        host: native.join("host"),
        peer: native.join("peer"),
        client_native: native.join("client_std"),
        hello_native: native.join("hello"),
        client_std_wasm: wasm.join("client_std.wasm"),
        client_capsock_wasm: wasm.join("client_capsock.wasm"),
        hello_wasm: wasm.join("hello.wasm"),
        xdg_cache: out_dir.join("xdg-cache"),
    };
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pins = Pins::choose();
    let pinning = match pins {
        Some(p) => format!("peer on CPU {}, contender on CPU {}", p.peer, p.contender),
        None => "NOT pinned (fewer than 2 CPUs available)".to_owned(),
    };
    let load_before = loadavg();
    if options.instructions {
        println!("== instructions per operation under callgrind, {pinning}");
    } else {
        println!(
            "== {} rounds, {pinning}; load average {load_before}",
            sizes.rounds
        );
    }

    if options.instructions {
        return count_instructions(&programs, pins, options.only.as_deref(), &out_dir);
    }
    // Compile each guest once, so that no measured run pays for compilation (the cold
    // start-up workload empties the cache on purpose).
    programs.compile_guests(None)?;

    println!("{HEADER}");
    let started = Instant::now();
    let mut results = Vec::new();
    let mut table = Vec::new();
    let mut throughput = Vec::new();
    for w in chosen {
        let mut series: Vec<Series> = Contender::ALL.iter().map(|_| Series::default()).collect();
        for round in 0..sizes.rounds {
            // Every contender runs once per round; the order rotates from round to round (A B C,
            // B C A, C A B, …) so that none always follows the same one (the TIME_WAIT sockets
            // and the cache state a run leaves behind land on each contender alike).
            for k in 0..Contender::ALL.len() {
                let i = (round + k) % Contender::ALL.len();
                let c = Contender::ALL[i];
                let startup = is_startup(&w);
                let zero = if startup {
                    None
                } else {
                    run_once(&programs, pins, c, &w, 0)?
                };
                let Some(full) = run_once(&programs, pins, c, &w, w.n)? else {
                    continue;
                };
                if full.ops == 0 {
                    bail!("{} {}: no operations done", w.name, c.key());
                }
                let ops = full.ops as f64;
                let s = &mut series[i];
                s.wall_per_op.push(full.wall_ns / ops);
                s.cpu_full.push((full.cpu_ns, ops));
                s.cpu_zero.extend(zero.map(|z| z.cpu_ns));
                s.rss_kib.push(full.max_rss_kib as f64);
                if full.bytes > 0 && full.wall_ns > 0.0 {
                    s.bytes_per_s.push(full.bytes as f64 / (full.wall_ns / 1e9));
                }
                s.nodelay = full.nodelay;
            }
        }
        // Start-up CPU is subtracted as the median of the zero-work runs: one zero-work run's
        // noise (page faults, a timer tick) would otherwise land on one round alone.
        for s in &mut series {
            let startup = median(&s.cpu_zero).unwrap_or(0.0);
            s.cpu_per_op = s
                .cpu_full
                .iter()
                .map(|(cpu, ops)| (cpu - startup) / ops)
                .collect();
        }
        let med = |i: usize, f: fn(&Series) -> &Vec<f64>| median(f(&series[i]));
        let wall = |i| med(i, |s| &s.wall_per_op);
        let cpu = |i| med(i, |s| &s.cpu_per_op);
        let (n, c, wa) = (0, 1, 2);
        let mut entry = json!({
            "workload": w.name,
            "op": w.op,
        });
        if w.name.starts_with("bulk") {
            entry["bytes_per_run"] = json!(w.n);
        } else {
            entry["ops_per_run"] = json!(w.n);
        }
        for (i, k) in Contender::ALL.iter().enumerate() {
            entry[k.key()] = if series[i].wall_per_op.is_empty() {
                Value::Null
            } else {
                json!({
                    "wall_ns_per_op": wall(i),
                    "cpu_ns_per_op": cpu(i),
                    "startup_cpu_ns": med(i, |s| &s.cpu_zero),
                    "peak_rss_kib": med(i, |s| &s.rss_kib),
                    "bytes_per_s": med(i, |s| &s.bytes_per_s),
                    "tcp_nodelay": series[i].nodelay,
                    "rounds": series[i].wall_per_op.len(),
                    "wall_ns_per_op_rounds": series[i].wall_per_op,
                    "cpu_ns_per_op_rounds": series[i].cpu_per_op,
                })
            };
        }
        // Per-round ratio of contender `a` over contender `b`.
        let paired = |a: usize, b: usize, f: fn(&Series) -> &Vec<f64>| {
            round_ratios(f(&series[a]), f(&series[b]))
        };
        let per_round = |b: usize, f| paired(c, b, f);
        let (wall_cn, cpu_cn) = (
            per_round(n, |s| &s.wall_per_op),
            per_round(n, |s| &s.cpu_per_op),
        );
        let (wall_cw, cpu_cw) = (
            per_round(wa, |s| &s.wall_per_op),
            per_round(wa, |s| &s.cpu_per_op),
        );
        entry["ratio_capsock_native"] = json!({
            "wall": ratio(wall(c), wall(n)),
            "cpu": ratio(cpu(c), cpu(n)),
            "wall_per_round": wall_cn,
            "cpu_per_round": cpu_cn,
        });
        entry["ratio_capsock_wasi_sockets"] = json!({
            "wall": ratio(wall(c), wall(wa)),
            "cpu": ratio(cpu(c), cpu(wa)),
            "wall_per_round": wall_cw,
            "cpu_per_round": cpu_cw,
        });
        // The best capsock/wasi:sockets ratio this run allows: what a capsock whose host calls
        // cost nothing (capsock = native, as it makes the same system calls) would reach.
        entry["ratio_native_wasi_sockets"] = json!({
            "wall": ratio(wall(n), wall(wa)),
            "cpu": ratio(cpu(n), cpu(wa)),
            "wall_per_round": paired(n, wa, |s| &s.wall_per_op),
            "cpu_per_round": paired(n, wa, |s| &s.cpu_per_op),
        });
        let rss = |i| {
            med(i, |s| &s.rss_kib).map_or_else(|| "–".to_owned(), |k| format!("{:.0}", k / 1024.0))
        };
        let row = format!(
            "| {} | {} | {} / {} / {} | {} / {} / {} | {} | {} | {} | {} | {} / {} / {} |",
            w.name,
            w.op,
            fmt_ns(wall(n)),
            fmt_ns(wall(c)),
            fmt_ns(wall(wa)),
            fmt_ns(cpu(n)),
            fmt_ns(cpu(c)),
            fmt_ns(cpu(wa)),
            fmt_ratio_range(ratio(wall(c), wall(n)), &wall_cn),
            fmt_ratio_range(ratio(cpu(c), cpu(n)), &cpu_cn),
            fmt_ratio_range(ratio(wall(c), wall(wa)), &wall_cw),
            fmt_ratio_range(ratio(cpu(c), cpu(wa)), &cpu_cw),
            rss(n),
            rss(c),
            rss(wa),
        );
        println!("{row}");
        table.push(row);
        if w.name.starts_with("bulk") {
            let gib = |i| {
                med(i, |s| &s.bytes_per_s).map_or_else(
                    || "–".to_owned(),
                    |b| format!("{:.2}", b / (1u64 << 30) as f64),
                )
            };
            let bps = |i| med(i, |s| &s.bytes_per_s);
            let row = format!(
                "| {} | {} / {} / {} | {} | {} | {} |",
                w.name,
                gib(n),
                gib(c),
                gib(wa),
                fmt_ratio_range(ratio(bps(c), bps(n)), &per_round(n, |s| &s.bytes_per_s)),
                fmt_ratio_range(ratio(bps(c), bps(wa)), &per_round(wa, |s| &s.bytes_per_s)),
                fmt_ratio_range(ratio(bps(n), bps(wa)), &paired(n, wa, |s| &s.bytes_per_s)),
            );
            println!("{row}");
            throughput.push(row);
        }
        results.push(entry);
    }
    let load_after = loadavg();
    println!(
        "\n== {:.0} s of measuring; load average before {load_before}, after {load_after}\n",
        started.elapsed().as_secs_f64()
    );
    println!("{HEADER}");
    for row in &table {
        println!("{row}");
    }
    if !throughput.is_empty() {
        println!("\n{THROUGHPUT_HEADER}");
        for row in &throughput {
            println!("{row}");
        }
    }
    let report = json!({
        "quick": quick,
        "rounds": sizes.rounds,
        "date": date(),
        "machine": machine(cpus),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "pinning": pinning,
        "workloads": results,
    });
    let path = out_dir.join("results.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!("\n== results written to {}", path.display());
    Ok(())
}

/// The two amounts of work of `--instructions`: the per-operation count is the difference of
/// the two runs' totals over the difference of their operations, so start-up, compilation
/// and the peer's connection set-up cancel out.
const COUNT_SIZES: [Sizes; 2] = [
    Sizes {
        rounds: 1,
        bulk_total: 2 << 20,
        pingpong: 500,
        connect: 50,
        udp: 500,
        server: 50,
    },
    Sizes {
        rounds: 1,
        bulk_total: 12 << 20,
        pingpong: 2_500,
        connect: 250,
        udp: 2_500,
        server: 250,
    },
];

/// `cargo xtask bench --instructions`: user-space instructions per operation of each
/// contender, counted by callgrind. Unlike times, these hardly drift with the machine's load
/// (the same binaries and inputs give the same counts to within a fraction of a percent), so
/// small changes to a host call's path show up; kernel work is not counted.
fn count_instructions(
    programs: &Programs,
    pins: Option<Pins>,
    only: Option<&str>,
    out_dir: &Path,
) -> Result<()> {
    let valgrind = Command::new("valgrind").arg("--version").output();
    if !valgrind.is_ok_and(|o| o.status.success()) {
        bail!("--instructions needs valgrind (Debian: apt-get install valgrind)");
    }
    let [small, large] = &COUNT_SIZES;
    let pairs: Vec<(Workload, Workload)> = workloads(small)
        .into_iter()
        .zip(workloads(large))
        // Cold start-up is compilation: billions of instructions, minutes under callgrind.
        .filter(|(w, _)| w.name != "startup-hello-cold")
        .filter(|(w, _)| only.is_none_or(|o| w.name.contains(o)))
        .collect();
    if pairs.is_empty() {
        bail!("--only matches no workload that --instructions counts");
    }
    let out = out_dir.join("callgrind.out");
    // Under valgrind the CPU reports other features, so the engine, and with it the key of the
    // compiled-component cache, differ from a native run's: compile each guest once under
    // callgrind too, or the first measured run of each would count compilation.
    programs.compile_guests(Some(&out))?;
    println!("{INSTRUCTIONS_HEADER}");
    let mut results = Vec::new();
    for (w_small, w_large) in &pairs {
        let mut per_op = Vec::new();
        for c in Contender::ALL {
            let count = |w: &Workload| -> Result<Option<(u64, u64)>> {
                let Some(s) = run_measured(programs, pins, c, w, w.n, Some(&out))? else {
                    return Ok(None);
                };
                let instructions = s.instructions.context("callgrind counted nothing")?;
                Ok(Some((instructions, s.ops)))
            };
            per_op.push(if is_startup(w_small) {
                count(w_small)?.map(|(i, _)| i as f64)
            } else {
                match (count(w_small)?, count(w_large)?) {
                    (Some(a), Some(b)) => Some(instructions_per_op(a, b).with_context(|| {
                        format!(
                            "{} {}: the larger run did not do more operations and more \
                             instructions than the smaller one",
                            w_small.name,
                            c.key()
                        )
                    })?),
                    _ => None,
                }
            });
        }
        let (n, c, wa) = (per_op[0], per_op[1], per_op[2]);
        let fmt = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format!("{v:.0}"));
        let row = format!(
            "| {} | {} | {} / {} / {} | {} | {} |",
            w_small.name,
            w_small.op,
            fmt(n),
            fmt(c),
            fmt(wa),
            fmt_ratio(ratio(c, n)),
            fmt_ratio(ratio(c, wa)),
        );
        println!("{row}");
        let mut entry = json!({ "workload": w_small.name, "op": w_small.op });
        for (i, k) in Contender::ALL.iter().enumerate() {
            entry[k.key()] = json!(per_op[i]);
        }
        results.push(entry);
    }
    let _ = std::fs::remove_file(&out);
    let path = out_dir.join("instructions.json");
    let report = json!({
        "date": date(),
        "unit": "user-space instructions per operation (callgrind Ir), all threads of the contender",
        "workloads": results,
    });
    std::fs::write(&path, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!("\n== results written to {}", path.display());
    Ok(())
}

/// Instructions per operation from two runs' `(instructions, operations)`; `None` unless the
/// larger run did more operations and more instructions (a smaller run that compiled would
/// otherwise give a negative count).
fn instructions_per_op(small: (u64, u64), large: (u64, u64)) -> Option<f64> {
    let ops = large.1.checked_sub(small.1).filter(|&d| d > 0)?;
    let instructions = large.0.checked_sub(small.0)?;
    Some(instructions as f64 / ops as f64)
}

const INSTRUCTIONS_HEADER: &str = "\
| workload | op | instructions/op native / capsock / wasi:sockets | capsock/native | capsock/wasi |
|---|---|---|---|---|";

const HEADER: &str = "\
| workload | op | wall/op native / capsock / wasi:sockets | CPU/op native / capsock / wasi:sockets | wall capsock/native (rounds) | CPU capsock/native (rounds) | wall capsock/wasi (rounds) | CPU capsock/wasi (rounds) | peak RSS MiB native / capsock / wasi |
|---|---|---|---|---|---|---|---|---|";

const THROUGHPUT_HEADER: &str = "\
| bulk workload | throughput GiB/s native / capsock / wasi:sockets | capsock/native (rounds) | capsock/wasi (rounds) | native/wasi: the capsock/wasi ceiling (rounds) |
|---|---|---|---|---|";

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_owned())
}

fn date() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn machine(cpus: usize) -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("{cpus} CPUs, {model}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options> {
        Options::parse(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn options_parse() {
        assert_eq!(parse(&[]).unwrap(), Options::default());
        let o = parse(&["--only", "pingpong", "--rounds", "9", "--quick"]).unwrap();
        assert_eq!(
            o,
            Options {
                quick: true,
                rounds: Some(9),
                only: Some("pingpong".into()),
                instructions: false,
                servers: false,
            }
        );
        assert!(parse(&["--servers", "--quick"]).unwrap().servers);
        for bad in [
            &["--rounds", "0"][..],
            &["--rounds"],
            &["--only"],
            &["--fast"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn instruction_counts() {
        assert!(
            parse(&["--instructions", "--only", "udp"])
                .unwrap()
                .instructions
        );
        assert!(parse(&["--instructions", "--quick"]).is_err());
        assert!(parse(&["--instructions", "--rounds", "3"]).is_err());
        assert_eq!(
            parse_callgrind_summary("events: Ir\nsummary: 24458996\n\nfn=x\n"),
            Some(24_458_996)
        );
        assert_eq!(parse_callgrind_summary("events: Ir\n"), None);
        assert_eq!(
            instructions_per_op((9_423_237, 2_000), (24_458_996, 12_000)),
            Some(1_503.575_9)
        );
        assert_eq!(instructions_per_op((10, 5), (20, 5)), None);
        // The smaller run compiled the guest: no count rather than a negative one.
        assert_eq!(instructions_per_op((900, 5), (20, 15)), None);
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn round_ratios_pair_the_rounds() {
        assert_eq!(round_ratios(&[2.0, 3.0], &[1.0, 2.0]), vec![2.0, 1.5]);
        // A contender without a figure in some round, or a zero figure: no pairing.
        assert!(round_ratios(&[2.0, 3.0], &[1.0]).is_empty());
        assert!(round_ratios(&[2.0], &[0.0]).is_empty());
    }

    #[test]
    fn ratios_print_with_their_range() {
        assert_eq!(
            fmt_ratio_range(Some(1.05), &[1.12, 0.98, 1.05]),
            "1.05× (0.98–1.12)"
        );
        assert_eq!(fmt_ratio_range(Some(1.05), &[]), "1.05×");
        assert_eq!(fmt_ratio_range(None, &[1.0]), "–");
    }
}
