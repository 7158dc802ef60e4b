//! Policy files, audit log, stats, learn mode and the `host policy` commands.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use capsock_host::Policy;
use capsock_host::audit::{AuditSink, Stats};
use capsock_host::policy::file::PolicyFile;
use capsock_host::policy::learn::Learner;
use capsock_host::run::{Output, RunConfig, Runner};
use capsock_tests::{
    GUEST_TIME_LIMIT, POLICYFILE_CLIENT, audit_row, audit_rows, free_port, tcp_echo_server,
};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

/// A fresh scratch directory under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("capsock-policyfile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `policyfile_client ECHO_PORT OTHER_PORT` with `config`'s extras; returns exit code
/// and stdout.
fn run_client(echo: u16, other: u16, config: RunConfig) -> (i32, String) {
    let runner = Runner::new().unwrap();
    let component = runner.load(Path::new(POLICYFILE_CLIENT)).unwrap();
    let stdout = MemoryOutputPipe::new(1 << 16);
    let config = RunConfig {
        args: vec![
            "policyfile_client.wasm".into(),
            echo.to_string(),
            other.to_string(),
        ],
        timeout: Some(GUEST_TIME_LIMIT),
        stdout: Output::Capture(stdout.clone()),
        stderr: Output::Capture(MemoryOutputPipe::new(1 << 16)),
        ..config
    };
    let code = runner
        .run(&component, config)
        .expect("the guest does not trap");
    (
        code,
        String::from_utf8_lossy(&stdout.contents()).into_owned(),
    )
}

/// Audit records of a run that resolves, connects (allowed) and is denied once; stats too.
#[test]
pub fn policyfile_client() {
    let (echo, server) = tcp_echo_server("127.0.0.1:0", 1);
    let other = free_port("127.0.0.1");
    let dir = scratch("audit");
    let log = dir.join("audit.jsonl");
    let mut policy = Policy::deny_all();
    policy
        .allow("resolve localhost")
        .unwrap()
        .allow(&format!("connect tcp://127.0.0.1:{}", echo.port()))
        .unwrap();
    let stats = Arc::new(Stats::default());
    let (code, out) = run_client(
        echo.port(),
        other,
        RunConfig {
            policy: Arc::new(policy),
            audit: Some(AuditSink::open(&log).unwrap()),
            stats: Some(stats.clone()),
            ..RunConfig::default()
        },
    );
    server.join().unwrap();
    assert_eq!(code, 0, "{out}");
    let denial = format!(
        "other: denied: capsock policy: connect to tcp://127.0.0.1:{other} denied (no rule allows it)"
    );
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["ok: echo", denial.as_str()]
    );

    let text = std::fs::read_to_string(&log).unwrap();
    let got = audit_rows(&text, "policyfile_client.wasm");
    let want = vec![
        audit_row(
            "socket.getaddrinfo",
            "localhost",
            "allow",
            "resolve localhost",
        ),
        audit_row("socket.__new__", "AF_INET/SOCK_STREAM/0", "allow", "null"),
        audit_row(
            "socket.connect",
            &format!("tcp://{echo}"),
            "allow",
            &format!("connect tcp://127.0.0.1:{}", echo.port()),
        ),
        audit_row("socket.__new__", "AF_INET/SOCK_STREAM/0", "allow", "null"),
        audit_row(
            "socket.connect",
            &format!("tcp://127.0.0.1:{other}"),
            "deny",
            "default deny",
        ),
    ];
    assert_eq!(got, want, "{text}");
    assert_eq!(stats.sockets_opened(), 2);
    assert_eq!(stats.connections(), 1);
    assert_eq!(stats.denials(), 1);
    assert_eq!(stats.bytes_sent(), 4);
    assert_eq!(stats.bytes_received(), 4);
}

/// Learn, then enforce the learned file: the same run passes, another destination is denied.
#[test]
fn learn_then_enforce() {
    let (echo, server) = tcp_echo_server("127.0.0.1:0", 3);
    let other = free_port("127.0.0.1");
    let learner = Arc::new(Learner::new());
    let (code, learned_out) = run_client(
        echo.port(),
        other,
        RunConfig {
            learn: Some(learner.clone()),
            ..RunConfig::default()
        },
    );
    assert_eq!(code, 0, "{learned_out}");
    assert!(
        learned_out.starts_with("ok: echo\nother: error"),
        "{learned_out}"
    );
    let dir = scratch("learn");
    let path = dir.join("learned.toml");
    std::fs::write(&path, learner.to_toml()).unwrap();
    let file = PolicyFile::load(&path).unwrap();
    let rules = file.policy.rule_lines();
    // 127.0.0.1 was obtained from "localhost": both connects are written with the name.
    let mut want = vec![
        format!("allow connect tcp://localhost:{other}"),
        format!("allow connect tcp://localhost:{}", echo.port()),
    ];
    want.sort();
    want.push("allow resolve localhost".to_owned());
    assert_eq!(rules, want);
    let policy = Arc::new(file.policy);
    let enforce = |other| {
        run_client(
            echo.port(),
            other,
            RunConfig {
                policy: policy.clone(),
                ..RunConfig::default()
            },
        )
    };
    let (code, out) = enforce(other);
    assert_eq!((code, out.as_str()), (0, learned_out.as_str()));
    let elsewhere = if other == u16::MAX {
        other - 1
    } else {
        other + 1
    };
    let (code, out) = enforce(elsewhere);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        format!(
            "ok: echo\nother: denied: capsock policy: connect to tcp://127.0.0.1:{elsewhere} denied (no rule allows it)\n"
        )
    );
    server.join().unwrap();
}

/// The `host` binary next to this test binary (target/debug/host), built if missing.
fn host_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let debug = exe.parent().and_then(Path::parent).expect("target/debug");
    let host = debug.join("host");
    if !host.is_file() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = Command::new(cargo)
            .args(["build", "-p", "capsock-host", "--bin", "host"])
            .status()
            .expect("run cargo build");
        assert!(
            status.success(),
            "cargo build -p capsock-host --bin host failed"
        );
    }
    host
}

/// Runs `host ARGS…` and returns (exit code, stdout, stderr).
fn host(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(host_binary())
        .args(args)
        .output()
        .expect("run host");
    (
        out.status.code().expect("host exits"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `host policy check` and `host policy explain`: output and exit codes.
#[test]
fn policy_cli() {
    let dir = scratch("cli");
    let good = dir.join("good.toml");
    std::fs::write(
        &good,
        "allow = [\"connect TCP://*:*\", \"resolve Example.COM.\"]\ndeny = [\"connect tcp://10.0.0.0/8:*\"]\n[limits]\nmax-sockets = 8\n",
    )
    .unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "allow = [\"resolve *\", \"connect tcp://1.2.3.4:99999\"]\n",
    )
    .unwrap();
    let unknown = dir.join("unknown.toml");
    std::fs::write(&unknown, "allow = []\n[limits]\nmax-socket = 3\n").unwrap();
    let good = good.to_str().unwrap();

    let (code, out, _) = host(&["policy", "check", good]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "allow = [\n  \"connect tcp://*:*\",\n  \"resolve example.com\",\n]\ndeny = [\n  \"connect tcp://10.0.0.0/8:*\",\n]\n\n[limits]\nmax-sockets = 8\n"
    );
    let (code, _, err) = host(&["policy", "check", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bad.toml: allow[1]: invalid rule \"connect tcp://1.2.3.4:99999\": at 22: port 99999 is out of range (0-65535)"),
        "{err}"
    );
    let (code, _, err) = host(&["policy", "check", unknown.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown field `max-socket`"), "{err}");

    let (code, out, _) = host(&[
        "policy",
        "explain",
        good,
        "connect",
        "tcp://[::ffff:10.0.0.1]:22",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("decision: deny\nrule: deny connect tcp://10.0.0.0/8:*\n"),
        "{out}"
    );
    let (code, out, _) = host(&["policy", "explain", good, "connect", "tcp://127.0.0.1:8080"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("decision: allow\nrule: allow connect tcp://*:*\n"),
        "{out}"
    );
    let (code, out, _) = host(&["policy", "explain", good, "resolve", "example.com"]);
    assert_eq!(
        (code, out.lines().nth(1)),
        (0, Some("rule: allow resolve example.com"))
    );
    let (code, out, _) = host(&["policy", "explain", good, "send", "udp://127.0.0.1:53"]);
    assert_eq!((code, out.lines().nth(1)), (1, Some("rule: default deny")));
    let (code, _, err) = host(&["policy", "explain", good, "connect", "tcp://127.0.0.1"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("expected \":\" and a port after the host"),
        "{err}"
    );
    let (code, _, err) = host(&["policy", "explain", good, "frob", "tcp://127.0.0.1:1"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown verb"), "{err}");
    // A name may begin with '-': no `--` needed, and it is decided, not taken for a flag.
    let (code, out, err) = host(&["policy", "explain", good, "resolve", "-x.example.com"]);
    assert_eq!(
        (code, out.lines().nth(1)),
        (1, Some("rule: default deny")),
        "{err}"
    );
    // What the grammar rejects is bad input, with the grammar's reason.
    let (code, _, err) = host(&["policy", "explain", good, "connect", "tcp://10.1:80"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid IPv4 address"), "{err}");
    // A name's decision for the addresses it resolves to.
    let (code, out, _) = host(&[
        "policy",
        "explain",
        good,
        "connect",
        "tcp://example.com:443",
        "--resolved-to",
        "10.1.2.3",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("rule: deny connect tcp://10.0.0.0/8:*"),
        "{out}"
    );
    let (code, _, _) = host(&[
        "policy",
        "explain",
        bad.to_str().unwrap(),
        "connect",
        "tcp://1.2.3.4:1",
    ]);
    assert_eq!(code, 2);
}
