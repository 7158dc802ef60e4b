//! The real `host` command: help text, command-line errors (exit 2), the guest's exit status,
//! arguments, environment and preopened directories reaching the guest, traps (exit 134 with
//! a wasm backtrace), `--timeout` stopping a guest blocked in a socket call, and the
//! compiled-component cache withstanding a guest that tries to plant code in it.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use capsock_tests::{
    CLI_BLOCK, CLI_BLOCK_STD, CLI_CACHE_PLANT, CLI_EXIT, CLI_TRAP, FN_PURE, STDNET_PROBE,
};

/// The workspace root (the parent of `tests/`).
fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace root")
}

/// `target/debug/host` next to this test executable (`target/debug/deps/guests-…`), built
/// with `cargo build -p capsock-host --bin host` when it is missing or older than the host's
/// sources (bounded: 15 minutes).
fn host_bin() -> PathBuf {
    static HOST: OnceLock<PathBuf> = OnceLock::new();
    static BUILDING: Mutex<()> = Mutex::new(());
    HOST.get_or_init(|| {
        let _one_build = BUILDING.lock().unwrap_or_else(|p| p.into_inner());
        let exe = std::env::current_exe().expect("the test executable's path");
        let deps = exe.parent().expect("the deps directory");
        let profile_dir = deps.parent().expect("the profile directory");
        let host = profile_dir.join("host");
        if !host.is_file() || is_stale(&host) {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let mut child = Command::new(cargo)
                .current_dir(workspace())
                .args(["build", "-p", "capsock-host", "--bin", "host"])
                .env(
                    "CARGO_TARGET_DIR",
                    profile_dir.parent().expect("target dir"),
                )
                .stdout(Stdio::null())
                .spawn()
                .expect("run cargo to build the host binary");
            let status = wait_bounded(&mut child, Duration::from_secs(900))
                .expect("building the host binary took more than 15 minutes");
            assert!(
                status.success(),
                "cargo build -p capsock-host --bin host failed"
            );
        }
        assert!(host.is_file(), "no host binary at {}", host.display());
        host
    })
    .clone()
}

/// Whether a source of the host (`host/src`, `host/Cargo.toml`, `wit/`) is newer than `bin`,
/// which `cargo test -p capsock-tests` does not rebuild by itself.
fn is_stale(bin: &Path) -> bool {
    fn newest(path: &Path) -> std::time::SystemTime {
        let meta = std::fs::metadata(path).ok();
        let mut t = meta
            .as_ref()
            .and_then(|m| m.modified().ok())
            .unwrap_or(std::time::UNIX_EPOCH);
        if meta.is_some_and(|m| m.is_dir()) {
            for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
                t = t.max(newest(&entry.path()));
            }
        }
        t
    }
    let built = std::fs::metadata(bin).and_then(|m| m.modified());
    let root = workspace();
    let sources = ["host/src", "host/Cargo.toml", "wit", "Cargo.lock"]
        .iter()
        .map(|p| newest(&root.join(p)))
        .max()
        .unwrap();
    built.map_or(true, |built| sources > built)
}

/// Waits for `child` at most `limit`; kills it and returns `None` past that.
fn wait_bounded(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            return Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One run of the `host` binary.
#[derive(Debug)]
struct Run {
    /// The exit code (`None`: killed by a signal).
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs `host ARGS…` with no stdin, stopped after 60 s.
fn host(args: &[&str]) -> Run {
    host_env(args, &[])
}

/// Runs `host ARGS…` with no stdin and the variables `env` set, stopped after 60 s.
fn host_env(args: &[&str], env: &[(&str, &Path)]) -> Run {
    let bin = host_bin();
    let start = Instant::now();
    let mut child = Command::new(bin)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the host binary");
    let reader = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let out = reader(Box::new(child.stdout.take().unwrap()));
    let err = reader(Box::new(child.stderr.take().unwrap()));
    let status = wait_bounded(&mut child, Duration::from_secs(60));
    let elapsed = start.elapsed();
    let run = Run {
        code: status.and_then(|s| s.code()),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        elapsed,
    };
    assert!(
        status.is_some(),
        "host {args:?} ran for more than 60 s: {run:?}"
    );
    run
}

/// What `host --help` and `host run --help` must both document.
const DOCUMENTED: &[&str] = &[
    "--allow",
    "--deny",
    "--env",
    "--dir",
    "--max-sockets",
    "--timeout",
    "VERB PROTO://HOST:PORTS",
    "resolve NAME",
    "8000-8099",
    "10.0.0.0/8",
    "[::1]",
    "localhost",
    "deny rule",
];

#[test]
fn cli_help() {
    for args in [&["--help"][..], &["run", "--help"]] {
        let run = host(args);
        assert_eq!(run.code, Some(0), "host {args:?}: {run:?}");
        for word in DOCUMENTED {
            assert!(
                run.stdout.contains(word),
                "host {args:?} does not document {word:?}:\n{}",
                run.stdout
            );
        }
    }
    let run = host(&["--version"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.starts_with("host "), "{run:?}");
}

#[test]
fn cli_bad_command_line() {
    // A rule that does not parse: exit 2, and the parser says what it expected.
    let run = host(&["run", "--allow", "conect tcp://1.2.3.4:80", CLI_EXIT, "0"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    for part in [
        "in --allow",
        "invalid rule \"conect tcp://1.2.3.4:80\"",
        "unknown verb \"conect\" (expected one of connect, bind, accept, send, recv, resolve)",
    ] {
        assert!(run.stderr.contains(part), "stderr lacks {part:?}: {run:?}");
    }
    let run = host(&["run", "--deny", "connect tcp://1.2.3.4", CLI_EXIT, "0"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("in --deny"), "{run:?}");
    assert!(
        run.stderr
            .contains("expected \":\" and a port after the host"),
        "{run:?}"
    );

    // A guest file that does not exist.
    let missing = std::env::temp_dir().join("capsock-no-such-guest.wasm");
    let run = host(&["run", missing.to_str().unwrap()]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr
            .contains(&format!("guest file {} does not exist", missing.display())),
        "{run:?}"
    );

    // A file that is not a component.
    let not_wasm = workspace().join("Cargo.toml");
    let run = host(&["run", not_wasm.to_str().unwrap()]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr.contains("cannot load guest component"),
        "{run:?}"
    );

    // Bad option values and unknown options are clap's errors: also exit 2.
    for args in [
        &["run", "--env", "NOEQUALS", CLI_EXIT, "0"][..],
        &["run", "--timeout", "soon", CLI_EXIT, "0"],
        &["run", "--max-sockets", "-1", CLI_EXIT, "0"],
        &["run", "--no-such-option", CLI_EXIT, "0"],
        &["run"],
    ] {
        let run = host(args);
        assert_eq!(run.code, Some(2), "host {args:?}: {run:?}");
        assert!(!run.stderr.is_empty(), "host {args:?}: {run:?}");
    }
}

/// The guest's exit status is the host's; its arguments (even ones that look like options)
/// and exactly the `--env` variables reach it.
#[test]
pub fn cli_exit() {
    let run = host(&[
        "run",
        "--env",
        "FOO=bar",
        "--env",
        "EMPTY=",
        "--env",
        "EQ=a=b",
        CLI_EXIT,
        "7",
        "alpha",
        "two words",
        "--allow",
    ]);
    assert_eq!(run.code, Some(7), "{run:?}");
    assert_eq!(
        run.stdout,
        "arg: alpha\narg: two words\narg: --allow\nenv: EMPTY=\nenv: EQ=a=b\nenv: FOO=bar\n",
        "{run:?}"
    );
    for code in ["0", "1", "42"] {
        let run = host(&["run", CLI_EXIT, code]);
        assert_eq!(run.code, Some(code.parse().unwrap()), "{run:?}");
        assert_eq!(run.stdout, "", "no args, no env: {run:?}");
    }
}

/// Removes a scratch directory when dropped (also when the test fails).
struct Cleanup<'a>(&'a Path);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.0);
    }
}

/// `--dir HOST::GUEST` preopens a host directory: the guest reads a file the test wrote.
#[test]
fn cli_dir() {
    let dir = std::env::temp_dir().join(format!("capsock-cli-dir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let _cleanup = Cleanup(&dir);
    std::fs::write(dir.join("hello.txt"), "hello from the host\n").unwrap();
    let spec = format!("{}::/data", dir.display());
    let run = host(&[
        "run",
        "--dir",
        &spec,
        "--env",
        "CLI_READ=/data/hello.txt",
        CLI_EXIT,
        "0",
    ]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        run.stdout, "env: CLI_READ=/data/hello.txt\nfile: hello from the host\n",
        "{run:?}"
    );

    // Without --dir the file is out of reach: the guest's read fails, so it panics (a trap).
    let run = host(&["run", "--env", "CLI_READ=/data/hello.txt", CLI_EXIT, "0"]);
    assert_eq!(run.code, Some(134), "{run:?}");
    assert!(run.stderr.contains("read the preopened file"), "{run:?}");
}

/// A trapping guest: exit 134, the trap and its wasm backtrace (naming the guest function)
/// on stderr, what the guest printed before it on stdout.
#[test]
pub fn cli_trap() {
    let run = host(&["run", CLI_TRAP]);
    assert_eq!(run.code, Some(134), "{run:?}");
    assert_eq!(run.stdout, "about to trap\n", "{run:?}");
    assert!(run.stderr.contains("the guest trapped"), "{run:?}");
    assert!(run.stderr.contains("cli_trap: deliberate panic"), "{run:?}");
    assert!(run.stderr.contains("wasm backtrace"), "{run:?}");
    assert!(
        run.stderr.contains("capsock_guest_trap_here"),
        "the backtrace names the guest function: {run:?}"
    );
}

/// Runs `guest` under `host run --timeout 1` against a native server that accepts and never
/// writes, and asserts it was stopped: exit 134 after about a second, stderr naming the time
/// limit, and `printed` (what the guest says before it blocks) on stdout.
fn stopped_by_time_limit(guest: &str, printed: &str) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let server = std::thread::spawn(move || {
        let conn = listener.accept().map(|(c, _)| c);
        // Hold the connection open, silent, until the test is over (at most 60 s).
        let _ = done_rx.recv_timeout(Duration::from_secs(60));
        drop(conn);
    });
    let target = addr.to_string();
    let rule = format!("connect tcp://{addr}");
    let run = host(&["run", "--timeout", "1", "--allow", &rule, guest, &target]);
    done_tx.send(()).unwrap();
    server.join().unwrap();
    assert_eq!(run.code, Some(134), "{run:?}");
    assert_eq!(run.stdout, printed, "{run:?}");
    assert!(run.stderr.contains("time limit"), "{run:?}");
    assert!(
        run.elapsed >= Duration::from_millis(900) && run.elapsed < Duration::from_secs(6),
        "stopped after {:?}",
        run.elapsed
    );
}

/// `--timeout 1` stops a guest blocked forever in `recv` (the native server never writes).
#[test]
pub fn cli_block() {
    stopped_by_time_limit(CLI_BLOCK, "connected; blocking in recv\n");
}

/// `--timeout 1` also stops a std::net guest (wasi:sockets) blocked forever in `read`: its
/// wait is wasi:io's `poll`, which the host ends on cancellation like its own calls.
#[test]
pub fn cli_block_std() {
    stopped_by_time_limit(CLI_BLOCK_STD, "connected; blocking in read\n");
}

/// Denials are printed once each on stderr (`host: capsock policy: …`), whichever door they
/// come from and however often they repeat, and `--quiet` silences them; `--stats` counts the
/// std::net door's sockets, lookups and denials.
#[test]
fn cli_quiet() {
    let unlisted = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let connect = format!("tcp 127.0.0.1:{unlisted}");
    let lookup = "resolve denied-name.invalid:80";
    let probes = [lookup, lookup, &connect, &connect];
    let run = |quiet: bool| {
        let mut args = vec!["run", "--stats"];
        if quiet {
            args.push("--quiet");
        }
        args.push(STDNET_PROBE);
        args.extend(probes);
        host(&args)
    };
    let stdout: String = probes
        .iter()
        .map(|p| format!("{p} -> PermissionDenied\n"))
        .collect();
    let stats = "host: stats: sockets opened: 2, connections: 0, name lookups: 0, denials: 4, \
                 bytes sent: 0, bytes received: 0";
    let lookup_denied =
        "host: capsock policy: resolve denied-name.invalid denied (no rule allows it)";
    let connect_denied = format!(
        "host: capsock policy: connect to tcp://127.0.0.1:{unlisted} denied (no rule allows it)"
    );

    let loud = run(false);
    assert_eq!(loud.code, Some(0), "{loud:?}");
    assert_eq!(loud.stdout, stdout, "{loud:?}");
    let lines: Vec<&str> = loud.stderr.lines().collect();
    assert_eq!(
        lines,
        [lookup_denied, connect_denied.as_str(), stats],
        "each denial once, then the stats: {loud:?}"
    );

    let quiet = run(true);
    assert_eq!(quiet.code, Some(0), "{quiet:?}");
    assert_eq!(quiet.stdout, stdout, "{quiet:?}");
    assert_eq!(
        quiet.stderr.lines().collect::<Vec<_>>(),
        [stats],
        "{quiet:?}"
    );
}

/// A guest given `--dir` over the compiled-component cache cannot make a later `host run` of
/// another guest execute other code: with the cache in a fresh directory, guests A (`fn_pure`)
/// and B (`cli_exit`) are run so that both are cached, then the attacker guest changes B's
/// entry in each way a WASI guest can (A's compiled code under B's header with the header's
/// checksums recomputed, in place or as a new file; A's entry renamed or hard-linked over B's;
/// a flipped byte; appended bytes), and B is run again: it must still print its own output.
#[test]
pub fn cli_cache_plant() {
    let root = std::env::temp_dir().join(format!("capsock-cli-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let _cleanup = Cleanup(&root);
    let env = [("XDG_CACHE_HOME", root.as_path()), ("HOME", root.as_path())];
    let cache = root.join("capsock");
    let entries = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&cache)
            .into_iter()
            .flatten()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".cwasm"))
            .collect();
        names.sort();
        names
    };
    let b_out = "arg: victim-b\n";
    let run_a = || {
        let run = host_env(&["run", FN_PURE], &env);
        assert_eq!(run.code, Some(0), "guest A: {run:?}");
        assert!(
            run.stdout.starts_with("ok: byte order\n"),
            "guest A: {run:?}"
        );
    };
    let run_b = || host_env(&["run", CLI_EXIT, "0", "victim-b"], &env);
    // Fills the cache afresh with A's and B's entries; returns their names.
    let fill = || {
        let _ = std::fs::remove_dir_all(&cache);
        run_a();
        let after_a = entries();
        assert_eq!(
            after_a.len(),
            1,
            "running A cached it (this needs user extended attributes on the file system of \
             {}): {after_a:?}",
            root.display()
        );
        let run = run_b();
        assert_eq!((run.code, run.stdout.as_str()), (Some(0), b_out), "{run:?}");
        let mut after_b = entries();
        after_b.retain(|n| !after_a.contains(n));
        assert_eq!(after_b.len(), 1, "running B cached it: {:?}", entries());
        (after_a[0].clone(), after_b[0].clone())
    };

    let spec = format!("{}::/cache", root.display());
    let steps = [
        ("overwrite", "overwrite: wrote "),
        ("new-file", "new-file: created B's file anew with "),
        ("rename", "rename: moved A's file over B's name"),
        ("link", "link: hard-linked A's file under B's name"),
        (
            "flip",
            "flip: flipped the last payload byte of B's file in place",
        ),
        ("append", "append: appended "),
    ];
    let mut broken = Vec::new();
    for (step, did) in steps {
        let (a, b) = fill();
        let attack = host_env(
            &[
                "run",
                "--dir",
                &spec,
                CLI_CACHE_PLANT,
                "/cache/capsock",
                &a,
                &b,
                step,
            ],
            &env,
        );
        assert_eq!(attack.code, Some(0), "attacker, {step}: {attack:?}");
        assert!(
            attack.stdout.starts_with("found A: ") && attack.stdout.contains(did),
            "the attacker found and changed the files ({step}): {attack:?}"
        );
        let victim = run_b();
        if (victim.code, victim.stdout.as_str()) != (Some(0), b_out) {
            broken.push(format!("after {step}: B ran as {victim:?}"));
        }
        // B's entry is usable again: compiled afresh and stored (a miss or a rejection replaces
        // it), so the next run of B is still B.
        assert!(entries().contains(&b), "B is cached again after {step}");
        let again = run_b();
        if (again.code, again.stdout.as_str()) != (Some(0), b_out) {
            broken.push(format!("after {step}, the next run: B ran as {again:?}"));
        }
    }
    assert!(
        broken.is_empty(),
        "a guest changed the code a later run of B executed:\n{}",
        broken.join("\n")
    );
}
