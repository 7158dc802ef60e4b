//! The guard against an attacker, through the real `host run` with native peers: the decision
//! table (`host policy explain`, the capsock door and the `std::net` door agree, row by row, on
//! every bypass family's spellings), and a live test for each bypass found: a deny rule for a
//! resolved name, datagrams queued before a UDP connect, dual-stack binds, the error queue.
//!
//! Guests that may try any address run in a network namespace the test makes, with only its
//! loopback up: nothing they send can leave it, and their names resolve from the namespace's
//! own hosts file.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use capsock_tests::{
    AuditRow, Netns, POLICY_DUAL_STACK, POLICY_PROTOCOLS, POLICY_SMUGGLE, POLICY_TABLE,
    POLICY_UDP_QUEUE, Scratch, UDP_ERRQUEUE, audit_rows,
};

use super::cli::{host_bin, host_cmd};
use super::peer::Peer;
use super::unix::PY_ACCEPT_ONE;

/// What a finished `host` process printed.
pub(super) struct Ran {
    pub(super) code: Option<i32>,
    pub(super) stdout: String,
    pub(super) stderr: String,
}

/// `cmd` started with its stdout and stderr read to the end by two threads.
struct Reading {
    child: std::process::Child,
    stdout: std::thread::JoinHandle<String>,
    stderr: std::thread::JoinHandle<String>,
}

impl Reading {
    fn spawn(cmd: &mut Command) -> Reading {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the host");
        let read = |mut r: Box<dyn std::io::Read + Send>| {
            std::thread::spawn(move || {
                let mut s = String::new();
                let _ = r.read_to_string(&mut s);
                s
            })
        };
        let stdout = read(Box::new(child.stdout.take().unwrap()));
        let stderr = read(Box::new(child.stderr.take().unwrap()));
        Reading {
            child,
            stdout,
            stderr,
        }
    }

    /// Polls `done` every 20 ms until it gives the exit status (bounded: 120 s, then the child
    /// is killed and the test fails); returns what it printed.
    fn finish<T>(
        mut self,
        mut done: impl FnMut(&mut std::process::Child) -> Option<T>,
    ) -> (T, String, String) {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = done(&mut self.child) {
                break status;
            }
            if started.elapsed() > Duration::from_secs(120) {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("host ran for more than 120 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        (
            status,
            self.stdout.join().unwrap(),
            self.stderr.join().unwrap(),
        )
    }
}

/// Runs `cmd` to completion (bounded: 120 s, then it is killed and the test fails).
fn run_bounded(mut cmd: Command) -> Ran {
    let (status, stdout, stderr) =
        Reading::spawn(&mut cmd).finish(|child| child.try_wait().unwrap());
    Ran {
        code: status.code(),
        stdout,
        stderr,
    }
}

/// `host run --no-cache ARGS… GUEST GUEST_ARGS…`, in `netns` if given.
pub(super) fn host_run(
    netns: Option<&Netns>,
    args: &[String],
    guest: &str,
    guest_args: &[String],
) -> Ran {
    let host = host_bin();
    let mut cmd = match netns {
        Some(ns) => ns.command(&host),
        None => Command::new(&host),
    };
    cmd.env("XDG_CACHE_HOME", super::cli::test_cache());
    cmd.args(["run", "--no-cache", "--timeout", "60"])
        .args(args)
        .arg(guest)
        .args(guest_args);
    run_bounded(cmd)
}

/// `host policy explain FILE VERB TARGET [--resolved-to ADDR] [--v6only]`: the exit status
/// and the `rule:` line.
fn explain(
    file: &Path,
    verb: &str,
    target: &str,
    resolved: Option<&str>,
    v6only: bool,
) -> (i32, String) {
    let mut cmd = host_cmd();
    cmd.args(["policy", "explain"])
        .arg(file)
        .args([verb, target]);
    if let Some(addr) = resolved {
        cmd.args(["--resolved-to", addr]);
    }
    if v6only {
        cmd.arg("--v6only");
    }
    let ran = run_bounded(cmd);
    let code = ran.code.expect("explain exits");
    assert!(
        code == 0 || code == 1,
        "explain {verb} {target}: {}{}",
        ran.stdout,
        ran.stderr
    );
    let rule = ran
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("rule: "))
        .unwrap_or_else(|| panic!("no rule line: {}", ran.stdout))
        .to_owned();
    (code, rule)
}

/// What a row must come to.
#[derive(Clone, Copy, Debug)]
enum Want {
    /// Allowed, with this outcome (`ok`, or the `std::io::ErrorKind` of the OS's answer).
    Allowed(&'static str),
    /// Denied, decided by this (`deny RULE`, `default deny`, `deny-private`): what explain's
    /// `rule:` line says and the audit record names.
    Denied(&'static str),
    /// Refused by the door itself before the guard is asked (wasmtime-wasi refuses
    /// IPv4-mapped addresses on its IPv6-only sockets), with this outcome.
    Refused(&'static str),
}

/// One row of the decision table.
struct Row {
    /// `connect tcp`, `send udp`, `bind tcp`, `bind udp`.
    op: &'static str,
    /// The host the guest names (a name, or any numeric form the C library reads).
    host: &'static str,
    /// The host as `explain` takes it (the grammar's form), or `None`: the same as `host`.
    explain_host: Option<&'static str>,
    /// What both doors come to, and `explain` says.
    want: Want,
    /// Where the `std::net` door differs (its sockets are IPv6-only): what it comes to, and
    /// `explain --v6only` says.
    want_std: Option<Want>,
    /// A native listener waits on the row's address and port (in the namespace).
    listen: bool,
}

const fn row(op: &'static str, host: &'static str, want: Want) -> Row {
    Row {
        op,
        host,
        explain_host: None,
        want,
        want_std: None,
        listen: false,
    }
}

const fn shown(
    op: &'static str,
    host: &'static str,
    explain_host: &'static str,
    want: Want,
) -> Row {
    Row {
        op,
        host,
        explain_host: Some(explain_host),
        want,
        want_std: None,
        listen: false,
    }
}

const fn served(op: &'static str, host: &'static str) -> Row {
    Row {
        op,
        host,
        explain_host: None,
        want: Want::Allowed("ok"),
        want_std: None,
        listen: true,
    }
}

const fn per_door(op: &'static str, host: &'static str, want: Want, std: Want) -> Row {
    Row {
        op,
        host,
        explain_host: None,
        want,
        want_std: Some(std),
        listen: false,
    }
}

/// A row whose address the `std::net` door refuses before the guard: wasmtime-wasi's sockets
/// are IPv6-only (no IPv4-mapped or IPv4-compatible address) and connect to unicast addresses
/// only (no multicast, no broadcast).
const fn mapped(op: &'static str, host: &'static str, want: Want) -> Row {
    per_door(op, host, want, Refused("InvalidInput"))
}

/// The names the table's namespace resolves, and to what.
const NAMES: &[(&str, &str)] = &[
    ("127.0.0.5", "evil.test"),
    ("127.0.0.6", "good.test"),
    ("10.1.2.3", "priv.test"),
    ("93.184.216.35", "api.test"),
    ("192.168.7.7", "home.test"),
];

use Want::{Allowed, Denied, Refused};

const UNREACHABLE: Want = Allowed("NetworkUnreachable");

/// Names, embedded IPv4 and the C library's numeric forms.
#[rustfmt::skip]
const P1: (&str, &[Row]) = (
    r#"
allow = ["resolve *", "connect tcp://*:*", "send udp://*:*", "bind *://127.0.0.0/8:*", "bind *://[::1]:*"]
deny = ["connect tcp://10.0.0.0/8:*", "connect tcp://evil.test:*", "send udp://evil.test:*",
        "send udp://192.168.0.0/16:*", "connect tcp://home.test:*"]
"#,
    &[
        served("connect tcp", "127.0.0.1"),
        served("connect tcp", "good.test"),
        row(
            "connect tcp",
            "evil.test",
            Denied("deny connect tcp://evil.test:*"),
        ),
        row(
            "connect tcp",
            "priv.test",
            Denied("deny connect tcp://10.0.0.0/8:*"),
        ),
        row(
            "connect tcp",
            "home.test",
            Denied("deny connect tcp://home.test:*"),
        ),
        row("connect tcp", "api.test", UNREACHABLE),
        row(
            "connect tcp",
            "10.0.0.1",
            Denied("deny connect tcp://10.0.0.0/8:*"),
        ),
        mapped(
            "connect tcp",
            "::ffff:10.0.0.2",
            Denied("deny connect tcp://10.0.0.0/8:*"),
        ),
        row(
            "connect tcp",
            "64:ff9b::a00:3",
            Denied("deny connect tcp://10.0.0.0/8:*"),
        ),
        row(
            "connect tcp",
            "64:ff9b:1::a00:4",
            Denied("deny connect tcp://10.0.0.0/8:*"),
        ),
        row(
            "connect tcp",
            "64:ff9b:1:a00:5::",
            Denied("deny connect tcp://10.0.0.0/8:*"),
        ),
        row(
            "connect tcp",
            "2002:a00:6::1",
            Denied("deny connect tcp://10.0.0.0/8:*"),
        ),
        row(
            "connect tcp",
            "2001:0:a00:7::1",
            Denied("deny connect tcp://10.0.0.0/8:*"),
        ),
        row(
            "connect tcp",
            "2001:0:5db8:d822::f5ff:fff7",
            Denied("deny connect tcp://10.0.0.0/8:*"),
        ),
        row(
            "connect tcp",
            "::ffff:0:a00:9",
            Denied("deny connect tcp://10.0.0.0/8:*"),
        ),
        row(
            "connect tcp",
            "2001:db8::5efe:a00:a",
            Denied("deny connect tcp://10.0.0.0/8:*"),
        ),
        mapped(
            "connect tcp",
            "::a00:b",
            Denied("deny connect tcp://10.0.0.0/8:*"),
        ),
        shown(
            "connect tcp",
            "10.12",
            "10.0.0.12",
            Denied("deny connect tcp://10.0.0.0/8:*"),
        ),
        shown(
            "connect tcp",
            "0xa00000d",
            "10.0.0.13",
            Denied("deny connect tcp://10.0.0.0/8:*"),
        ),
        shown(
            "connect tcp",
            "012.0.0.14",
            "10.0.0.14",
            Denied("deny connect tcp://10.0.0.0/8:*"),
        ),
        row("connect tcp", "64:ff9b::5db8:d822", UNREACHABLE),
        row("connect tcp", "2606:4700::1", UNREACHABLE),
        row("connect tcp", "93.184.216.34", UNREACHABLE),
        Row { listen: true, ..shown("connect tcp", "127.2", "127.0.0.2", Allowed("ok")) },
        Row { listen: true, ..shown("connect tcp", "0x7f000009", "127.0.0.9", Allowed("ok")) },
        served("connect tcp", "::1"),
        row("send udp", "127.0.0.1", Allowed("ok")),
        row(
            "send udp",
            "evil.test",
            Denied("deny send udp://evil.test:*"),
        ),
        row(
            "send udp",
            "192.168.1.1",
            Denied("deny send udp://192.168.0.0/16:*"),
        ),
        row(
            "send udp",
            "64:ff9b::c0a8:101",
            Denied("deny send udp://192.168.0.0/16:*"),
        ),
        row(
            "send udp",
            "2002:c0a8:102::",
            Denied("deny send udp://192.168.0.0/16:*"),
        ),
        mapped(
            "send udp",
            "::ffff:192.168.1.3",
            Denied("deny send udp://192.168.0.0/16:*"),
        ),
        row("send udp", "93.184.216.34", UNREACHABLE),
        row("bind tcp", "127.0.0.1", Allowed("ok")),
        row("bind udp", "127.0.0.3", Allowed("ok")),
        row("bind udp", "::1", Allowed("ok")),
        row("bind tcp", "10.0.0.1", Denied("default deny")),
        mapped("bind tcp", "::ffff:127.0.0.4", Allowed("ok")),
    ],
);

/// Dual stack: a bind of `[::]` on capsock's (dual-stack) sockets meets IPv4's rules; the
/// `std::net` door's sockets are IPv6-only.
#[rustfmt::skip]
const P2: (&str, &[Row]) = (
    r#"
allow = ["bind tcp://[::]:*", "bind udp://[::]:*", "bind tcp://0.0.0.0:*", "connect tcp://[::1]:*"]
deny = ["bind tcp://0.0.0.0:*", "bind udp://0.0.0.0:0"]
"#,
    &[
        per_door(
            "bind tcp",
            "::",
            Denied("deny bind tcp://0.0.0.0:*"),
            Allowed("ok"),
        ),
        per_door("bind udp", "::", Denied("default deny"), Allowed("ok")),
        row("bind tcp", "0.0.0.0", Denied("deny bind tcp://0.0.0.0:*")),
        row("bind tcp", "::1", Denied("default deny")),
        // The implicit bind of an unbound dual-stack socket is IPv4's too.
        Row { listen: true, ..per_door("connect tcp", "::1", Denied("deny bind tcp://0.0.0.0:*"), Allowed("ok")) },
    ],
);

/// `--deny-private`: the real reason, for addresses and for names.
#[rustfmt::skip]
const P3: (&str, &[Row]) = (
    r#"
allow = ["resolve *", "connect tcp://*:*", "connect tcp://good.test:*", "connect tcp://10.1.0.0/16:*", "send udp://*:*"]
deny-private = true
"#,
    &[
        row("connect tcp", "127.0.0.1", Denied("deny-private")),
        row("connect tcp", "good.test", Denied("deny-private")),
        row("connect tcp", "home.test", Denied("deny-private")),
        row("connect tcp", "priv.test", UNREACHABLE),
        row("connect tcp", "10.1.9.9", UNREACHABLE),
        row("connect tcp", "10.2.0.1", Denied("deny-private")),
        row("connect tcp", "api.test", UNREACHABLE),
        row("connect tcp", "93.184.216.34", UNREACHABLE),
        row("connect tcp", "64:ff9b::a01:203", UNREACHABLE),
        row("connect tcp", "64:ff9b::c0a8:101", Denied("deny-private")),
        row(
            "connect tcp",
            "64:ff9b:1::5db8:d822",
            Denied("deny-private"),
        ),
        row("connect tcp", "2002:c0a8:101::", Denied("deny-private")),
        row("connect tcp", "2001:db8::1", Denied("deny-private")),
        row("connect tcp", "fec0::1", Denied("deny-private")),
        row("connect tcp", "fd00::1", Denied("deny-private")),
        mapped("connect tcp", "224.0.0.1", Denied("deny-private")),
        mapped("connect tcp", "255.255.255.255", Denied("deny-private")),
        row("connect tcp", "0.1.2.3", Denied("deny-private")),
        row("connect tcp", "169.254.169.254", Denied("deny-private")),
        row("send udp", "127.0.0.1", Denied("deny-private")),
        row("send udp", "100.64.0.1", Denied("deny-private")),
        row("send udp", "ff02::1", Denied("deny-private")),
        row("send udp", "93.184.216.34", UNREACHABLE),
    ],
);

/// The address a row's host stands for, as the door resolves it.
fn address_of(row: &Row) -> IpAddr {
    let host = row.explain_host.unwrap_or(row.host);
    if let Some((addr, _)) = NAMES.iter().find(|(_, name)| *name == host) {
        return addr.parse().unwrap();
    }
    host.parse()
        .unwrap_or_else(|_| panic!("row host {host} is neither a name nor an address"))
}

fn is_name(host: &str) -> bool {
    NAMES.iter().any(|(_, name)| *name == host)
}

/// The audit log's last record for each `event target`.
fn by_target(rows: &[AuditRow]) -> HashMap<(String, String), AuditRow> {
    rows.iter()
        .map(|r| ((r[0].clone(), r[1].clone()), r.clone()))
        .collect()
}

fn event_of(op: &str) -> &'static str {
    match op.split_once(' ').map(|(verb, _)| verb) {
        Some("connect") => "socket.connect",
        Some("send") => "socket.sendto",
        Some("bind") => "socket.bind",
        _ => panic!("unknown op {op}"),
    }
}

/// Runs one policy's rows: `explain` for each, then both doors in a namespace, and checks that
/// all three agree with the row (and the audit log and messages name the cause of each
/// denial). Returns how many rows it checked.
fn check_table(tag: &str, (policy, rows): (&str, &[Row]), base_port: u16) -> usize {
    let scratch = Scratch::new(&format!("bypass-{tag}"));
    let file = scratch.file("policy.toml", policy);
    let netns = Netns::new(tag, NAMES);
    let mut listeners = Vec::new();
    let mut args = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let port = base_port + i as u16;
        args.push(format!("{} {} {port}", r.op, r.host));
        if r.listen {
            let addr = SocketAddr::new(address_of(r), port);
            // One connection from each door the row lets through.
            let expected = [Some(r.want), r.want_std.or(Some(r.want))]
                .iter()
                .filter(|w| matches!(w, Some(Allowed(_))))
                .count();
            // Listening before any guest runs; a thread here takes the connections.
            let listener = netns.bind_tcp(addr);
            listeners.push((
                i,
                expected,
                std::thread::spawn(move || accept_bounded(&listener, expected)),
            ));
        }
    }
    let mut outputs = HashMap::new();
    for door in ["capsock", "std"] {
        let audit = scratch.0.join(format!("audit-{door}.jsonl"));
        let mut host_args = vec!["--policy".to_owned(), file.display().to_string()];
        host_args.extend(["--audit".to_owned(), audit.display().to_string()]);
        let mut guest_args = vec![door.to_owned()];
        guest_args.extend(args.iter().cloned());
        let ran = host_run(Some(&netns), &host_args, POLICY_TABLE, &guest_args);
        assert_eq!(ran.code, Some(0), "{door}:\n{}\n{}", ran.stdout, ran.stderr);
        let lines: Vec<String> = ran.stdout.lines().map(str::to_owned).collect();
        assert_eq!(lines.len(), rows.len(), "{door}: {}", ran.stdout);
        let log = std::fs::read_to_string(&audit).unwrap();
        outputs.insert(
            door,
            (lines, by_target(&audit_rows(&log, "policy_table.wasm"))),
        );
    }
    let mut failures = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let port = base_port + i as u16;
        let (verb, proto) = r.op.split_once(' ').unwrap();
        let explain_host = r.explain_host.unwrap_or(r.host);
        let target_host = match explain_host.parse::<IpAddr>() {
            Ok(IpAddr::V6(_)) => format!("[{explain_host}]"),
            _ => explain_host.to_owned(),
        };
        let target = format!("{proto}://{target_host}:{port}");
        let resolved = is_name(r.host).then(|| address_of(r).to_string());
        let addr = SocketAddr::new(address_of(r), port);
        for door in ["capsock", "std"] {
            let want = match (door, r.want_std) {
                ("std", Some(std)) => std,
                _ => r.want,
            };
            let context = format!(
                "{tag} row {i} ({door}): {} {} -> want {want:?}",
                r.op, r.host
            );
            let (code, rule) = explain(&file, verb, &target, resolved.as_deref(), door == "std");
            let (lines, audit) = &outputs[door];
            let (_, outcome) = lines[i].split_once(" -> ").unwrap();
            // wasi:sockets reports an unreachable network as `remote-unreachable`, which
            // wasi-libc makes EHOSTUNREACH.
            let outcome = match (door, outcome) {
                ("std", "HostUnreachable") => "NetworkUnreachable",
                _ => outcome,
            };
            let record = match want {
                // The bind a connect on an unbound socket does by itself is recorded as one.
                Denied(cause) if cause.starts_with("deny bind") && verb != "bind" => {
                    let wildcard = if addr.is_ipv6() {
                        "[::]:0"
                    } else {
                        "0.0.0.0:0"
                    };
                    audit.get(&("socket.bind".to_owned(), format!("{proto}://{wildcard}")))
                }
                _ => audit.get(&(event_of(r.op).to_owned(), format!("{proto}://{addr}"))),
            };
            let mut fail = |what: String| failures.push(format!("{context}: {what}"));
            match want {
                Allowed(result) => {
                    if code != 0 {
                        fail(format!("explain says {rule}"));
                    }
                    if outcome != result {
                        fail(format!("got {outcome}"));
                    }
                }
                Refused(result) => {
                    if outcome != result {
                        fail(format!("got {outcome}"));
                    }
                    if record.is_some() {
                        fail(format!("the guard was asked: {record:?}"));
                    }
                }
                Denied(cause) => {
                    if code != 1 || rule != cause {
                        fail(format!("explain says {rule} (exit {code})"));
                    }
                    if !outcome.starts_with("denied: ") {
                        fail(format!("got {outcome}"));
                        continue;
                    }
                    let named = cause.strip_prefix("deny ").unwrap_or(cause);
                    match record {
                        Some(r) if r[2] == "deny" && r[3] == named => {}
                        other => fail(format!(
                            "the audit record does not name the cause: {other:?}"
                        )),
                    }
                    if door == "capsock" {
                        let says = match cause {
                            "default deny" => "no rule allows".to_owned(),
                            "deny-private" => "--deny-private".to_owned(),
                            rule => format!("\"{rule}\""),
                        };
                        if !outcome.contains(&says) {
                            fail(format!("message {outcome}"));
                        }
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} rows disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for (i, expected, l) in listeners {
        assert_eq!(
            l.join().unwrap(),
            expected,
            "{tag} row {i}: connections the listener took"
        );
    }
    rows.len()
}

/// Takes up to `expected` connections on `l`, for at most 60 s; returns how many came.
fn accept_bounded(l: &TcpListener, expected: usize) -> usize {
    let addr = l.local_addr().unwrap();
    l.set_nonblocking(true).unwrap();
    let started = Instant::now();
    let mut taken = 0;
    while taken < expected && started.elapsed() < Duration::from_secs(60) {
        match l.accept() {
            Ok(_) => taken += 1,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(e) => panic!("accept on {addr}: {e}"),
        }
    }
    taken
}

/// The decision table: every bypass family in its spellings, decided alike by `explain`, the
/// capsock door and the `std::net` door, each denial naming its cause.
#[test]
pub fn policy_table() {
    let mut checked = 0;
    checked += check_table("p1", P1, 31000);
    checked += check_table("p2", P2, 32000);
    checked += check_table("p3", P3, 33000);
    assert!(checked >= 60, "the table has {checked} rows");
}

/// Bypass 1, live: an address the guest reached before is denied once the guest resolved it
/// from a name a deny rule names, though an address rule allows it; in both doors.
#[test]
fn a_denied_name_denies_the_address_it_resolved_to() {
    let scratch = Scratch::new("bypass-names");
    let file = scratch.file(
        "policy.toml",
        "allow = [\"resolve *\", \"connect tcp://127.0.0.0/8:*\"]\ndeny = [\"connect tcp://evil.test:*\"]\n",
    );
    let netns = Netns::new("names", NAMES);
    let port = 34000;
    let listener = netns.bind_tcp(SocketAddr::from(([127, 0, 0, 5], port)));
    let peer = std::thread::spawn(move || accept_bounded(&listener, 2));
    for door in ["capsock", "std"] {
        let rows = [
            format!("connect tcp 127.0.0.5 {port}"),
            format!("connect tcp evil.test {port}"),
            format!("connect tcp 127.0.0.5 {port}"),
        ];
        let mut guest_args = vec![door.to_owned()];
        guest_args.extend(rows.iter().cloned());
        let args = ["--policy".to_owned(), file.display().to_string()];
        let ran = host_run(Some(&netns), &args, POLICY_TABLE, &guest_args);
        assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
        let lines: Vec<&str> = ran.stdout.lines().collect();
        assert_eq!(lines[0], format!("{} -> ok", rows[0]), "{door}");
        assert!(
            lines[1].starts_with(&format!("{} -> denied", rows[1])),
            "{door}: {}",
            lines[1]
        );
        assert!(
            lines[2].starts_with(&format!("{} -> denied", rows[2])),
            "{door}: {}",
            lines[2]
        );
        if door == "capsock" {
            assert!(lines[2].contains("\"deny connect tcp://evil.test:*\" (the guest resolved this address from evil.test)"), "{}", lines[2]);
        }
        // The host says so on stderr too.
        assert!(
            ran.stderr.contains("deny connect tcp://evil.test:*"),
            "{}",
            ran.stderr
        );
    }
    assert_eq!(
        peer.join().unwrap(),
        2,
        "one connection from each door, before the lookup"
    );
}

#[test]
pub fn policy_udp_queue() {
    for door in ["capsock", "std"] {
        let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
        peer.set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let port = peer.local_addr().unwrap().port();
        let evil = UdpSocket::bind("127.0.0.2:0").unwrap();
        let evil_addr = evil.local_addr().unwrap();
        // Queues `evil` and then `go` at the guest's socket, seeing each in the kernel's queue
        // before going on, then tells the guest's control socket; returns what the guest sent.
        let feeder = std::thread::spawn(move || {
            let mut buf = [0u8; 64];
            let mut heard = HashMap::new();
            while heard.len() < 2 {
                let (n, from) = peer
                    .recv_from(&mut buf)
                    .expect("the guest's ready and control");
                heard.insert(String::from_utf8_lossy(&buf[..n]).into_owned(), from);
            }
            let guest = heard["ready"];
            evil.send_to(b"evil", guest).unwrap();
            let queued = capsock_tests::wait_for_socket("udp", "evil queued at the guest", |s| {
                s.local == guest && s.rx_queue > 0
            });
            peer.send_to(b"go", guest).unwrap();
            capsock_tests::wait_for_socket("udp", "go queued behind evil", |s| {
                s.local == guest && s.rx_queue > queued.rx_queue
            });
            peer.send_to(b"queued", heard["control"]).unwrap();
            let mut said: Vec<String> = heard.into_keys().collect();
            said.sort();
            said
        });
        let args = [
            "--allow".to_owned(),
            "bind udp://127.0.0.1:0".to_owned(),
            "--allow".to_owned(),
            format!("connect udp://127.0.0.1:{port}"),
            "--allow".to_owned(),
            format!("send udp://127.0.0.1:{port}"),
        ];
        let ran = host_run(
            None,
            &args,
            POLICY_UDP_QUEUE,
            &[door.to_owned(), port.to_string()],
        );
        assert_eq!(
            capsock_tests::join_within(feeder, "the feeder"),
            ["control", "ready"],
            "{door}: what the guest sent"
        );
        assert_eq!(ran.code, Some(0), "{door}: {}{}", ran.stdout, ran.stderr);
        assert_eq!(ran.stdout, "got: go\n", "{door}: {}", ran.stderr);
        // The refused sender is reported (named as what it is: no rule allows it).
        assert!(
            ran.stderr.contains(&format!(
                "recv from udp://{evil_addr} denied (no rule allows it)"
            )),
            "{door}: {}",
            ran.stderr
        );
    }
}

#[test]
pub fn policy_dual_stack() {
    let port = capsock_tests::free_port("::");
    let args = [
        "--allow".to_owned(),
        format!("bind tcp://[::]:{port}"),
        "--deny".to_owned(),
        "bind tcp://0.0.0.0:*".to_owned(),
        "--allow".to_owned(),
        "accept tcp://[::1]:*".to_owned(),
        "--allow".to_owned(),
        "accept tcp://127.0.0.1:*".to_owned(),
    ];
    let mut child = host_cmd()
        .args(["run", "--no-cache", "--timeout", "60"])
        .args(&args)
        .arg(POLICY_DUAL_STACK)
        .arg(port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || lines.next().expect("a line").expect("read a line");
    let first = next();
    if first == "dual-stack bind -> ok" {
        // The bypass: an IPv4 client reaches a listener the deny rule was meant to forbid.
        assert_eq!(next(), "listening");
        let reached = TcpStream::connect(("127.0.0.1", port)).is_ok();
        let _ = child.kill();
        panic!("a dual-stack bind of [::] was allowed (IPv4 client connected: {reached})");
    }
    assert!(
        first.starts_with("dual-stack bind -> denied: ")
            && first.contains("deny bind tcp://0.0.0.0:*")
            && first.contains("dual-stack"),
        "{first}"
    );
    assert_eq!(next(), "v6only bind -> ok");
    assert_eq!(next(), "listening");
    // IPv6-only: IPv4 clients are refused by the kernel, IPv6 ones accepted.
    let v4 = TcpStream::connect(("127.0.0.1", port));
    assert_eq!(
        v4.map(drop).map_err(|e| e.kind()),
        Err(std::io::ErrorKind::ConnectionRefused)
    );
    let mut v6 = TcpStream::connect((std::net::Ipv6Addr::LOCALHOST, port)).unwrap();
    v6.write_all(b"x").unwrap();
    assert_eq!(next(), "accepted ::1");
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}

/// `MSG_ERRQUEUE` waits without spinning: three one-second waits on a socket whose normal
/// queue is never empty cost the host (CPU time of the whole run, minus a run that does not
/// wait) far less than the three seconds a busy loop would burn. And a refused error peeked
/// from the error queue is dropped from there, not the normal datagram behind it.
#[test]
pub fn udp_errqueue() {
    let scratch = Scratch::new("bypass-errqueue");
    let cache = scratch.0.join("cache");
    let cpu_of = |rounds: &str| {
        let mut cmd = host_cmd();
        cmd.env("XDG_CACHE_HOME", &cache)
            .args([
                "run",
                "--timeout",
                "60",
                "--allow",
                "bind udp://127.0.0.1:0",
            ])
            .args([
                "--allow",
                "send udp://127.0.0.1:*",
                "--allow",
                "recv udp://127.0.0.1:*",
            ])
            .arg(UDP_ERRQUEUE)
            .args(["wait", rounds]);
        let (ran, cpu) = run_measured(cmd);
        assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
        assert_eq!(
            ran.stdout,
            format!("blocking: EAGAIN\ntimeouts: {rounds}\nnormal data: kept\n")
        );
        cpu
    };
    // The first run fills the compiled-component cache; the next two are compared.
    cpu_of("0");
    let baseline = cpu_of("0");
    let waiting = cpu_of("3");
    assert!(
        waiting - baseline < 1.0,
        "three error-queue waits cost {:.2} s of CPU (baseline {baseline:.2} s)",
        waiting - baseline
    );

    let ready = UdpSocket::bind("127.0.0.1:0").unwrap();
    ready
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let ready_port = ready.local_addr().unwrap().port();
    let closed = capsock_tests::free_udp_port("127.0.0.1");
    let feeder = std::thread::spawn(move || {
        let mut buf = [0u8; 16];
        let (n, guest) = ready.recv_from(&mut buf).expect("the guest's ready");
        ready.send_to(b"good", guest).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    });
    let args = [
        "--allow".to_owned(),
        "bind udp://127.0.0.1:0".to_owned(),
        "--allow".to_owned(),
        format!("send udp://127.0.0.1:{closed}"),
        "--allow".to_owned(),
        format!("send udp://127.0.0.1:{ready_port}"),
        "--allow".to_owned(),
        format!("recv udp://127.0.0.1:{ready_port}"),
    ];
    let guest_args = [
        "peek".to_owned(),
        closed.to_string(),
        ready_port.to_string(),
    ];
    let ran = host_run(None, &args, UDP_ERRQUEUE, &guest_args);
    assert_eq!(capsock_tests::join_within(feeder, "the feeder"), "ready");
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    assert_eq!(
        ran.stdout,
        format!("errqueue peek: EAGAIN\nnormal datagram: good from port {ready_port}\n")
    );
    assert!(
        ran.stderr
            .contains(&format!("recv from udp://127.0.0.1:{closed} denied")),
        "{}",
        ran.stderr
    );
}

/// [`run_bounded`], and the user plus system CPU time the child used, in seconds (from
/// `wait4(2)`: that child's alone, whatever other tests run meanwhile).
fn run_measured(mut cmd: Command) -> (Ran, f64) {
    let reading = Reading::spawn(&mut cmd);
    let pid = reading.child.id() as libc::pid_t;
    let ((status, usage), stdout, stderr) = reading.finish(|_| {
        let mut status = 0;
        // SAFETY: wait4 fills the status and the rusage it is given, for our own child (reaped
        // here; std's handle then has nothing left to wait for).
        let (rc, usage) = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            let rc = libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage);
            (rc, usage)
        };
        assert!(rc >= 0, "wait4: {}", std::io::Error::last_os_error());
        (rc == pid).then_some((status, usage))
    });
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let ran = Ran {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        stdout,
        stderr,
    };
    (ran, secs(usage.ru_utime) + secs(usage.ru_stime))
}

/// In the namespace: a UDP-Lite receiver and a TCP listener on 127.0.0.1:argv[1]. Once the
/// guest has connected (its last try), says whether a UDP-Lite datagram came.
const PY_OTHER_PROTOCOLS: &str = r#"
import socket, sys
port = int(sys.argv[1])
lite = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, 136)
lite.bind(("127.0.0.1", port))
tcp = socket.create_server(("127.0.0.1", port))
tcp.settimeout(60)
print("ready", flush=True)
conn, _ = tcp.accept()
lite.setblocking(False)
try:
    print("udplite:", lite.recv(64).decode())
except BlockingIOError:
    print("udplite: nothing")
"#;

/// IP protocols must not pass under rules for another: a UDP-Lite datagram (protocol 136) or
/// an ICMP echo from a ping socket under `send udp://…`, SCTP (a `SOCK_SEQPACKET` IP socket)
/// under `connect tcp://…`. MPTCP, which is TCP on the wire, still connects as TCP; ping
/// sockets work under `icmp://` rules, replies included, over IPv4 and IPv6. Live, through
/// `host run`, in a namespace where ping sockets are allowed to every group (as many
/// distributions do).
#[test]
pub fn policy_protocols() {
    let ns = Netns::new("protocols", &[]);
    ns.allow_ping();
    let port = 5300;
    let peer = Peer::python_in(&ns, PY_OTHER_PROTOCOLS, &[&port.to_string()]).ready();
    let args = [
        "--allow".to_owned(),
        "send udp://127.0.0.1:*".to_owned(),
        "--allow".to_owned(),
        "connect tcp://127.0.0.1:*".to_owned(),
    ];
    let tries = ["2/136", "2/1", "5/0", "5/132", "1/132", "2/17", "1/262"];
    let mut guest_args = vec![port.to_string()];
    guest_args.extend(tries.iter().map(|t| t.to_string()));
    let ran = host_run(Some(&ns), &args, POLICY_PROTOCOLS, &guest_args);
    let rest = peer.output();
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    let refused = |spec: &str, errno: i32, what: &str| {
        format!("{spec} -> socket: errno Some({errno}): capsock: {what}")
    };
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(lines.len(), tries.len(), "{}", ran.stdout);
    for (spec, line) in tries.iter().zip(&lines) {
        let want_prefix = match *spec {
            "2/17" => format!("{spec} -> sent"),
            "1/262" => format!("{spec} -> connected"),
            "2/1" => format!(
                "{spec} -> errno Some({}): capsock policy: send to icmp://127.0.0.1 denied (no rule allows it)",
                libc::EACCES
            ),
            "5/0" | "5/132" => refused(spec, libc::ESOCKTNOSUPPORT, "SOCK_SEQPACKET"),
            _ => refused(spec, libc::EPROTONOSUPPORT, "IP protocol"),
        };
        assert!(
            line.starts_with(&want_prefix),
            "{line}\nwanted {want_prefix}…\nall: {}peer: {rest}",
            ran.stdout
        );
    }
    assert_eq!(rest, "udplite: nothing\n", "a UDP-Lite datagram got out");

    // Ping under icmp:// rules: the echo goes out and its reply comes back.
    let args = [
        "--allow".to_owned(),
        "send icmp://127.0.0.1".to_owned(),
        "--allow".to_owned(),
        "send icmp://[::1]".to_owned(),
    ];
    let tries = ["2/1", "2/58"].map(str::to_owned);
    let mut guest_args = vec![port.to_string()];
    guest_args.extend(tries);
    let ran = host_run(Some(&ns), &args, POLICY_PROTOCOLS, &guest_args);
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    assert_eq!(
        ran.stdout,
        "2/1 -> sent, reply type 0 from 127.0.0.1\n2/58 -> sent, reply type 129 from ::1\n",
        "{}",
        ran.stderr
    );
}

/// After [`PY_ACCEPT_ONE`], in the namespace: prints what each message of the connection
/// carries: its text, and the family of every descriptor in it.
const PY_SMUGGLED: &str = r#"
conn.settimeout(30)
while True:
    msg, fds, _, _ = socket.recv_fds(conn, 100, 4)
    if not msg or msg == b"done":
        break
    families = [socket.socket(fileno=fd).family.name for fd in fds]
    print(msg.decode(), "->", ", ".join(families) or "nothing", flush=True)
"#;

/// A guest may not hand a native process a socket whose powers only the host's checks
/// confine: a netlink socket (the kernel checks the opener's privileges, so a root host's
/// would let anyone change the network), a raw IP or a packet socket (made with the host's
/// `CAP_NET_RAW`, free to go anywhere once out), a ping socket (allowed to the host's group).
/// A TCP socket still passes.
#[test]
pub fn policy_smuggle() {
    let ns = Netns::new("smuggle", &[]);
    ns.allow_ping();
    let dir = Scratch::new("smuggle");
    let path = dir.path("native.sock").display().to_string();
    let peer = Peer::python_in(&ns, &[PY_ACCEPT_ONE, PY_SMUGGLED].concat(), &[&path]).ready();
    let allow = [
        "--allow",
        &format!("connect unix:{path}"),
        "--allow",
        "send netlink:route",
        "--allow",
        "send raw://127.0.0.1:253",
        "--allow",
        "bind packet:lo",
        "--allow",
        "send icmp://127.0.0.1",
    ]
    .map(str::to_owned);
    let ran = host_run(Some(&ns), &allow, POLICY_SMUGGLE, &[path]);
    let said = peer.output();
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    let refused = |what: &str| {
        format!(
            "{what}: errno Some(1): capsock: a {what} socket cannot be passed out: outside the host it would keep the host's privileges without the host's checks"
        )
    };
    assert_eq!(
        ran.stdout,
        format!(
            "{}\n{}\n{}\n{}\ntcp: passed\n",
            refused("netlink"),
            refused("raw IP"),
            refused("packet"),
            refused("ping")
        ),
        "{}",
        ran.stderr
    );
    assert_eq!(said, "tcp -> AF_INET\n");
}
