//! `cargo xtask`: the project's commands.
//!
//! - `cargo xtask demo`: builds the host and the example guests, then runs a guest echo server
//!   and a guest client under `host run`, printing the policy each one gets.
//! - `cargo xtask test`: makes sure the wasm32-wasip2 target is installed, builds the suite and
//!   runs it in a network namespace of its own (see [`test`]).
//! - `cargo xtask bench [--quick] [--rounds N] [--only NAME-PART]`: native std::net, capsock
//!   and wasi:sockets side by side (see `bench.rs`); `cargo xtask bench --instructions [--only
//!   NAME-PART]`: the same workloads' user-space instructions per operation, under callgrind;
//!   `cargo xtask bench --servers [--quick] [--rounds N]`: the event loop under load, a guest
//!   server against a native epoll one (see `servers.rs`).
//! - `cargo xtask mutants FILE… [--re REGEX] [--resume] [-- TEST-FILTER…]`: mutation testing of host code
//!   against the guest tests (see `mutants.rs`).

mod bench;
mod mutants;
mod servers;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

const USAGE: &str = "usage: cargo xtask <demo | test [-- CARGO TEST ARGS] | bench [--quick] [--rounds N] [--only NAME-PART] | bench --instructions [--only NAME-PART] | bench --servers [--quick] [--rounds N] | mutants FILE… [--re REGEX] [--resume] [-- TEST-FILTER…]>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo(),
        Some("test") => test(&args[1..]),
        Some("bench") => bench::bench(&args[1..]),
        Some("mutants") => mutants::mutants(&args[1..]),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

/// Installs the wasm32-wasip2 target unless it is there (`RUSTUP_AUTO_INSTALL=0` machines do
/// not fetch it from `rust-toolchain.toml` alone).
fn ensure_wasm_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(root())
        .output();
    match installed {
        Ok(out)
            if String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l.trim() == "wasm32-wasip2") =>
        {
            Ok(())
        }
        Ok(_) => run(Command::new("rustup")
            .args(["target", "add", "wasm32-wasip2"])
            .current_dir(root())),
        Err(e) => bail!(
            "cannot run rustup ({e}); install the wasm32-wasip2 target for this toolchain yourself"
        ),
    }
}

/// Builds the suite, then runs it inside a network namespace of its own (`unshare --net
/// --mount`): only a loopback interface, with `127.0.0.1` and `::1` (the run fails, not skips,
/// where IPv6 is missing), and its own `/etc/hosts`, `/etc/resolv.conf` and
/// `/etc/nsswitch.conf` (`localhost` only; a DNS server on the namespace's loopback, where none
/// listens), so no test depends on, or reaches, the machine's network or resolver. The tests
/// that need other interfaces or a DNS server make namespaces of their own inside it.
fn test(extra: &[String]) -> Result<()> {
    ensure_wasm_target()?;
    let args: Vec<&str> = extra
        .iter()
        .map(String::as_str)
        .skip_while(|a| *a == "--")
        .collect();
    // Everything is built first, on the machine's network (cargo may fetch crates): the
    // suite, and the host binary the tests run.
    let cargo_args: Vec<&str> = args.iter().copied().take_while(|a| *a != "--").collect();
    run(cargo()
        .args(["test", "--workspace", "--no-run"])
        .args(&cargo_args))?;
    run(cargo().args(["build", "--package", "capsock-host", "--bin", "host"]))?;

    // Whether a namespace can be made at all, so that a refusal reads as one, not as a
    // failing suite.
    let can = Command::new("unshare")
        .args(["--net", "--mount", "--", "ip", "link", "set", "lo", "up"])
        .status();
    if !can.as_ref().is_ok_and(|s| s.success()) {
        bail!(
            "cannot make a network namespace ({}): cargo xtask test runs the suite in one of its \
             own, which needs root, util-linux's unshare and iproute2's ip; `cargo test \
             --workspace` runs it on this machine's network instead",
            match can {
                Ok(status) => status.to_string(),
                Err(e) => e.to_string(),
            }
        );
    }
    let status = in_test_netns()?
        .arg(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["test", "--workspace", "--offline"])
        .args(&args)
        .current_dir(root())
        .status();
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => bail!("the suite failed ({status}) in its network namespace"),
        Err(e) => bail!("cannot start unshare: {e}"),
    }
}

/// `unshare --net --mount -- sh -c SETUP sh`, to which the caller adds the command to run in
/// the test namespace: `lo` up with `::1` (else it fails, saying so), and the namespace's own
/// `/etc/hosts`, `/etc/resolv.conf` and `/etc/nsswitch.conf`, written to
/// `target/xtask-netns/`.
fn in_test_netns() -> Result<Command> {
    let dir = root().join("target/xtask-netns");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // `localhost` is 127.0.0.1 alone: the result counts the tests assert are this file's.
    let files = [
        (
            "hosts",
            "127.0.0.1 localhost\n::1 ip6-localhost ip6-loopback\n",
        ),
        (
            "resolv.conf",
            "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
        ),
        (
            "nsswitch.conf",
            "hosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n",
        ),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    const SETUP: &str = r#"set -e
ip link set lo up
ip -6 addr show dev lo | grep -q 'inet6 ::1/128' || { echo "xtask: the test namespace's loopback has no ::1: this machine has no IPv6, which the suite needs" >&2; exit 1; }
for f in hosts resolv.conf nsswitch.conf; do
    if [ -e "/etc/$f" ]; then mount --bind "$DIR/$f" "/etc/$f"; fi
done
exec "$@""#;
    let mut cmd = Command::new("unshare");
    cmd.args(["--net", "--mount", "--", "sh", "-c", SETUP, "sh"])
        .env("DIR", &dir);
    Ok(cmd)
}

/// A child process that is killed if it is still running when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn demo() -> Result<()> {
    ensure_wasm_target()?;
    println!("== building the host and the example guests");
    run(cargo().args(["build", "--package", "capsock-host", "--bin", "host"]))?;
    run(cargo().args([
        "build",
        "--release",
        "--target",
        "wasm32-wasip2",
        "--package",
        "capsock",
        "--example",
        "echo_server",
        "--example",
        "echo_client",
    ]))?;
    let target = root().join("target");
    let host = target.join("debug/host");
    let examples = target.join("wasm32-wasip2/release/examples");

    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let server_rules = [
        format!("bind tcp://127.0.0.1:{port}"),
        "accept tcp://127.0.0.0/8:*".to_owned(),
    ];
    let client_rules = [format!("connect tcp://127.0.0.1:{port}")];

    println!("\n== guest echo server, policy:");
    for r in &server_rules {
        println!("     --allow '{r}'");
    }
    let mut server_cmd = Command::new(&host);
    server_cmd.arg("run");
    for r in &server_rules {
        server_cmd.args(["--allow", r]);
    }
    server_cmd
        .args(["--timeout", "60"])
        .arg(examples.join("echo_server.wasm"))
        .arg(format!("127.0.0.1:{port}"))
        .arg("1")
        .stdout(Stdio::piped());
    let mut server = Running(server_cmd.spawn().context("start the guest echo server")?);

    // The server says when it listens; its lines are passed on as they come. No probe
    // connects: the guests' conversation is all the server sees.
    let stdout = server.0.stdout.take().context("the server's stdout")?;
    let (listening_tx, listening_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            if line.starts_with("echo server listening on") {
                let _ = listening_tx.send(());
            }
        }
    });
    if listening_rx.recv_timeout(Duration::from_secs(30)).is_err() {
        match server.0.try_wait()? {
            Some(status) => bail!("the guest echo server exited early: {status}"),
            None => bail!("the guest echo server did not start listening on 127.0.0.1:{port}"),
        }
    }

    println!("\n== guest echo client, policy:");
    for r in &client_rules {
        println!("     --allow '{r}'");
    }
    println!("   (it will also try 127.0.0.1:22, which no rule allows)\n");
    let mut client_cmd = Command::new(&host);
    client_cmd.arg("run");
    for r in &client_rules {
        client_cmd.args(["--allow", r]);
    }
    client_cmd
        .args(["--timeout", "60"])
        .arg(examples.join("echo_client.wasm"))
        .arg(format!("127.0.0.1:{port}"))
        .arg("127.0.0.1:22");
    run(&mut client_cmd).context("the guest echo client failed")?;

    let started = Instant::now();
    loop {
        if let Some(status) = server.0.try_wait()? {
            if !status.success() {
                bail!("the guest echo server failed: {status}");
            }
            break;
        }
        if started.elapsed() > Duration::from_secs(30) {
            bail!("the guest echo server did not finish");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    println!("\n== demo finished: both guests ran under their policies");
    Ok(())
}
