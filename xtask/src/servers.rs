//! `cargo xtask bench --servers [--quick] [--rounds N]`: the event loop under load. The guest
//! `mux_echo_server` example (capsock's `DefaultSelector` over the host's epoll) against the
//! same server written natively over epoll (`bench/src/bin/mux_native.rs`), in alternating
//! rounds, the server pinned to one CPU and the load generator (`bench/src/bin/load.rs`, one
//! thread over epoll) to the other:
//!
//! - at 100 and 1,000 concurrent connections, each with one 64-byte request outstanding:
//!   requests per second, p99 latency, and the server's CPU per request (user + sys from
//!   `/proc/PID/stat` around the load, over every request the load made);
//! - host memory per idle connection: the server's resident memory with N connections held
//!   (each having made one round trip) minus its resident memory listening, over N.
//!
//! The harness reports (and writes `target/bench/servers.json`); it asserts no target.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use serde_json::{Value, json};

use crate::bench::{Pins, Proc, fmt_ratio_range, median, pin, ratio, round_ratios};
use crate::{cargo, ensure_wasm_target, root, run};

/// The two servers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Server {
    Native,
    Capsock,
}

impl Server {
    fn key(self) -> &'static str {
        match self {
            Server::Native => "native",
            Server::Capsock => "capsock",
        }
    }
}

struct Paths {
    host: PathBuf,
    native: PathBuf,
    load: PathBuf,
    guest: PathBuf,
    xdg_cache: PathBuf,
}

/// A server started and listening on `addr`.
fn start(p: &Paths, server: Server, addr: &str, pins: Option<Pins>) -> Result<Proc> {
    let mut cmd = match server {
        Server::Native => {
            let mut cmd = Command::new(&p.native);
            cmd.arg(addr);
            cmd
        }
        Server::Capsock => {
            let mut cmd = Command::new(&p.host);
            cmd.env("XDG_CACHE_HOME", &p.xdg_cache)
                .args([
                    "run",
                    "--timeout",
                    "900",
                    "--max-sockets",
                    "20000",
                    "--allow",
                ])
                .arg(format!("bind tcp://{addr}"))
                .args(["--allow", "accept tcp://127.0.0.0/8:*"])
                .arg(&p.guest)
                .arg(addr);
            cmd
        }
    };
    cmd.stdout(Stdio::piped());
    pin(&mut cmd, pins.map(|p| p.contender));
    let mut proc = Proc::spawn(&mut cmd)?;
    let mut line = String::new();
    BufReader::new(proc.child.stdout.take().context("server stdout")?)
        .read_line(&mut line)
        .context("read the server's first line")?;
    if !line.contains("listening on") {
        bail!("the {} server did not start: {line:?}", server.key());
    }
    Ok(proc)
}

/// User + sys CPU time of a running process, in nanoseconds (`/proc/PID/stat`).
fn cpu_ns(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')').context("a stat line")? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Ok(ticks / hz * 1e9)
}

/// Resident memory of a running process, in bytes (`VmRSS` of `/proc/PID/status`).
fn rss_bytes(pid: u32) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .context("VmRSS")?
        .parse()?;
    Ok(kib * 1024.0)
}

/// One loaded run: requests per second, p99 in µs, CPU ns per request.
fn loaded(
    p: &Paths,
    server: Server,
    conns: usize,
    ms: (u64, u64),
    pins: Option<Pins>,
) -> Result<[f64; 3]> {
    let addr = format!("127.0.0.1:{}", crate::bench::free_port()?);
    let srv = start(p, server, &addr, pins)?;
    let before = cpu_ns(srv.child.id())?;
    let mut cmd = Command::new(&p.load);
    cmd.args([
        &addr,
        &conns.to_string(),
        &ms.0.to_string(),
        &ms.1.to_string(),
    ]);
    pin(&mut cmd, pins.map(|p| p.peer));
    let out = cmd.output().context("run the load generator")?;
    let after = cpu_ns(srv.child.id())?;
    drop(srv);
    if !out.status.success() {
        bail!(
            "the load generator failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let v: Value = serde_json::from_slice(&out.stdout).context("the load generator's JSON")?;
    let get = |k: &str| v[k].as_f64().unwrap_or(0.0);
    if get("errors") > 0.0 || get("requests") == 0.0 {
        bail!("the {} server at {conns} connections: {v}", server.key());
    }
    Ok([
        get("requests") / get("seconds"),
        get("p99_us"),
        (after - before) / get("all_requests"),
    ])
}

/// Resident bytes per idle connection: with `n` held, minus listening, over `n`.
fn per_connection(p: &Paths, server: Server, n: usize, pins: Option<Pins>) -> Result<f64> {
    let addr = format!("127.0.0.1:{}", crate::bench::free_port()?);
    let srv = start(p, server, &addr, pins)?;
    std::thread::sleep(Duration::from_millis(200));
    let idle = rss_bytes(srv.child.id())?;
    let mut cmd = Command::new(&p.load);
    cmd.args([&addr, "hold", &n.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    pin(&mut cmd, pins.map(|p| p.peer));
    let mut load = Proc::spawn(&mut cmd)?;
    let mut line = String::new();
    BufReader::new(load.child.stdout.take().context("load stdout")?).read_line(&mut line)?;
    if line.trim() != format!("held {n}") {
        bail!("the load generator did not hold {n} connections: {line:?}");
    }
    let held = rss_bytes(srv.child.id())?;
    drop(load.child.stdin.take());
    load.finish(Duration::from_secs(60), "the load generator")?;
    drop(srv);
    Ok((held - idle) / n as f64)
}

/// Runs the event-loop benchmark.
pub fn servers(quick: bool, rounds: Option<usize>) -> Result<()> {
    ensure_wasm_target()?;
    println!("== building the host, the servers and the load generator (release)");
    run(cargo().args(["build", "--release", "-p", "capsock-host", "--bin", "host"]))?;
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "capsock-bench",
        "--bin",
        "mux_native",
        "--bin",
        "load",
    ]))?;
    run(cargo().args([
        "build",
        "--release",
        "--target",
        "wasm32-wasip2",
        "-p",
        "capsock",
        "--example",
        "mux_echo_server",
    ]))?;
    let target = root().join("target");
    let out_dir = target.join("bench");
    std::fs::create_dir_all(&out_dir)?;
    let p = Paths {
        host: target.join("release/host"),
        native: target.join("release/mux_native"),
        load: target.join("release/load"),
        guest: target.join("wasm32-wasip2/release/examples/mux_echo_server.wasm"),
        xdg_cache: out_dir.join("xdg-cache"),
    };
    let pins = Pins::choose();
    let rounds = rounds.unwrap_or(if quick { 1 } else { 3 });
    let ms = if quick { (100, 300) } else { (500, 3000) };
    let held = if quick { 1000 } else { 10_000 };
    // Compiled once, so that no measured run pays for compilation.
    drop(start(
        &p,
        Server::Capsock,
        &format!("127.0.0.1:{}", crate::bench::free_port()?),
        None,
    )?);

    println!(
        "== {rounds} rounds, {} ms of load after {} ms of warm-up; {}",
        ms.1,
        ms.0,
        match pins {
            Some(p) => format!("server on CPU {}, load on CPU {}", p.contender, p.peer),
            None => "NOT pinned".to_owned(),
        }
    );
    let mut results = Vec::new();
    println!(
        "| connections | requests/s native / capsock | capsock/native | p99 µs native / capsock | capsock/native | CPU/request native / capsock | capsock/native |\n|---|---|---|---|---|---|---|"
    );
    for conns in [100usize, 1000] {
        let mut runs: [Vec<[f64; 3]>; 2] = [Vec::new(), Vec::new()];
        for round in 0..rounds {
            let order = if round % 2 == 0 {
                [Server::Native, Server::Capsock]
            } else {
                [Server::Capsock, Server::Native]
            };
            for s in order {
                runs[s as usize].push(loaded(&p, s, conns, ms, pins)?);
            }
        }
        let col =
            |s: Server, k: usize| -> Vec<f64> { runs[s as usize].iter().map(|r| r[k]).collect() };
        // capsock/native: the ratio of the medians, with the range of the rounds' ratios.
        let ratios = |k: usize| {
            let (c, n) = (col(Server::Capsock, k), col(Server::Native, k));
            fmt_ratio_range(ratio(median(&c), median(&n)), &round_ratios(&c, &n))
        };
        let med = |s, k| median(&col(s, k)).unwrap_or(0.0);
        println!(
            "| {conns} | {:.0} / {:.0} | {} | {:.0} / {:.0} | {} | {:.1} µs / {:.1} µs | {} |",
            med(Server::Native, 0),
            med(Server::Capsock, 0),
            ratios(0),
            med(Server::Native, 1),
            med(Server::Capsock, 1),
            ratios(1),
            med(Server::Native, 2) / 1e3,
            med(Server::Capsock, 2) / 1e3,
            ratios(2),
        );
        results.push(json!({
            "connections": conns,
            "requests_per_second": {"native": col(Server::Native, 0), "capsock": col(Server::Capsock, 0)},
            "p99_us": {"native": col(Server::Native, 1), "capsock": col(Server::Capsock, 1)},
            "cpu_ns_per_request": {"native": col(Server::Native, 2), "capsock": col(Server::Capsock, 2)},
        }));
    }
    let native = per_connection(&p, Server::Native, held, pins)?;
    let capsock = per_connection(&p, Server::Capsock, held, pins)?;
    println!(
        "\nresident memory per idle connection ({held} held): native {:.0} B, capsock {:.0} B; capsock beyond native {:.0} B",
        native,
        capsock,
        capsock - native
    );
    let report = json!({
        "rounds": rounds,
        "load_ms": ms.1,
        "loaded": results,
        "memory_per_idle_connection_bytes": {"held": held, "native": native, "capsock": capsock},
    });
    let path = out_dir.join("servers.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!("== results written to {}", path.display());
    Ok(())
}
