//! The real `host` command: help text, command-line errors (exit 2), the guest's exit status,
//! arguments, environment and preopened directories reaching the guest, traps (exit 134 with
//! a wasm backtrace), `--timeout` stopping a guest blocked in a socket call, and the
//! compiled-component cache withstanding a guest that tries to plant code in it; bad guest
//! files (exit 2, saying what the file is); the host's exit status when whoever reads its
//! stdout or stderr went away; and the `host run` flags end to end (`--policy`, `--audit`,
//! `--learn`, `--deny-private`, `--no-cache`) against native peers on loopback.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use capsock_tests::{
    CLI_BLOCK, CLI_BLOCK_STD, CLI_CACHE_PLANT, CLI_CHATTY, CLI_EXIT, CLI_HOG, CLI_TRAP, FN_PURE,
    POLICY_LIMITS, POLICY_PROBE, STDNET_PROBE, Scratch, audit_row, audit_rows, free_port,
    tcp_echo_server,
};

/// The workspace root (the parent of `tests/`).
fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace root")
}

/// `target/debug/host` next to this test executable (`target/debug/deps/guests-…`), built
/// with `cargo build -p capsock-host --bin host` when it is missing or older than the host's
/// sources (bounded: 15 minutes), or the binary `CAPSOCK_TEST_HOST` names.
pub(crate) fn host_bin() -> PathBuf {
    static HOST: OnceLock<PathBuf> = OnceLock::new();
    static BUILDING: Mutex<()> = Mutex::new(());
    HOST.get_or_init(|| {
        // Another build of the host, to run these tests against (e.g. the commit before a fix,
        // to see its test fail there).
        if let Some(other) = std::env::var_os("CAPSOCK_TEST_HOST") {
            return PathBuf::from(other);
        }
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

/// The compiled-component cache every `host` the tests run uses: a directory of this test
/// process's own, never the real home's (`XDG_CACHE_HOME`; a test that studies the cache
/// sets its own).
pub(crate) fn test_cache() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("capsock-test-cache-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the test cache directory");
        dir
    })
}

/// `host` as a command, with the tests' own cache ([`test_cache`]).
pub(crate) fn host_cmd() -> Command {
    let mut cmd = Command::new(host_bin());
    cmd.env("XDG_CACHE_HOME", test_cache());
    cmd
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
pub(crate) struct Run {
    /// The exit code (`None`: killed by a signal).
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) elapsed: Duration,
}

/// Runs `host ARGS…` with no stdin, stopped after 60 s.
pub(crate) fn host(args: &[&str]) -> Run {
    host_env(args, &[])
}

/// Runs `host ARGS…` with no stdin and the variables `env` set, stopped after 60 s.
fn host_env(args: &[&str], env: &[(&str, &Path)]) -> Run {
    let bin = host_bin();
    let start = Instant::now();
    let mut child = Command::new(bin)
        .env("XDG_CACHE_HOME", test_cache())
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
    "connect tcp|udp://HOST:PORTS",
    "VERB icmp://HOST",
    "e.g. accept tcp://127.0.0.0/8:*",
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

    // A file that is not WebAssembly (more bad guest files: `cli_bad_guest_files`).
    let not_wasm = workspace().join("Cargo.toml");
    let run = host(&["run", not_wasm.to_str().unwrap()]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "guest file {} is not WebAssembly",
            not_wasm.display()
        )),
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
/// writes, and asserts it was stopped: exit 134 after about a second (the guest compiled
/// beforehand), stderr naming the time limit, and `printed` (what the guest says before it
/// blocks) on stdout.
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
    // Compiled first (a run the policy ends at once), so that the timed run's wall clock is the
    // guest's, not the compiler's.
    let warm = host(&["run", guest, &target]);
    assert!(warm.stderr.contains("denied"), "{warm:?}");
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

/// A path as a `&str` argument.
fn arg(path: &Path) -> &str {
    path.to_str().expect("UTF-8 scratch paths")
}

/// Bad guest files exit 2 with a message saying what the file is (and, for a file that is not
/// a command component, what to build instead); none of them traps (134) or hangs the host.
#[test]
fn cli_bad_guest_files() {
    let dir = Scratch::new("cli-bad-guests");
    let fifo = dir.path("pipe.wasm");
    let status = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", fifo.display());
    let dangling = dir.path("dangling.wasm");
    std::os::unix::fs::symlink(dir.path("gone.wasm"), &dangling).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let empty = write("empty.wasm", b"");
    let text = write("hello.wasm", b"(component)\n");
    // The 8-byte preamble of a core module, and a whole component (`(component)`: no imports,
    // no exports, so no wasi:cli/run).
    let core = write("core.wasm", b"\0asm\x01\0\0\0");
    let library = write("library.wasm", b"\0asm\x0d\0\x01\0");
    // A component importing a function `foo` (no parameters, no results), which this host does
    // not provide, and exporting nothing: a type section with that function type, then an
    // import of it.
    let importer = b"\0asm\x0d\0\x01\0\x07\x05\x01\x40\x00\x01\x00\x0a\x08\x01\x00\x03foo\x01\x00";
    let importer = write("importer.wasm", importer);

    let build = "build the guest for wasm32-wasip2";
    let cases: Vec<(&Path, Vec<String>)> = vec![
        (
            &dir.0,
            vec![format!("guest file {} is a directory", dir.0.display())],
        ),
        (
            &fifo,
            vec![format!(
                "guest file {} is a FIFO (named pipe)",
                fifo.display()
            )],
        ),
        (
            Path::new("/dev/null"),
            vec!["guest file /dev/null is a character device".to_owned()],
        ),
        (
            &dangling,
            vec![format!(
                "guest file {} is a symbolic link to a file that does not exist",
                dangling.display()
            )],
        ),
        (
            &empty,
            vec![
                format!("guest file {} is empty", empty.display()),
                build.into(),
            ],
        ),
        (
            &text,
            vec![
                format!("guest file {} is not WebAssembly", text.display()),
                build.into(),
            ],
        ),
        (
            &core,
            vec![
                format!(
                    "guest file {} is a core WebAssembly module, not a component",
                    core.display()
                ),
                build.into(),
            ],
        ),
        (
            &library,
            vec![format!(
                "guest file {} is a component but exports no wasi:cli/run (is it a command? \
                 build a binary for wasm32-wasip2, not a library)",
                library.display()
            )],
        ),
        (
            &importer,
            vec![
                format!(
                    "guest component {} imports something this host does not provide",
                    importer.display()
                ),
                "function `foo`".to_owned(),
            ],
        ),
    ];
    // Through the compiled-component cache (in a scratch directory) and without it.
    let cache = Scratch::new("cli-bad-guests-cache");
    let env = [
        ("XDG_CACHE_HOME", cache.0.as_path()),
        ("HOME", cache.0.as_path()),
    ];
    for (path, parts) in &cases {
        for no_cache in [true, false] {
            let mut args = vec!["run"];
            if no_cache {
                args.push("--no-cache");
            }
            args.extend([arg(path), "guest-arg"]);
            let run = host_env(&args, &env);
            assert_eq!(run.code, Some(2), "host {args:?}: {run:?}");
            assert!(run.stdout.is_empty(), "host {args:?}: {run:?}");
            assert!(
                run.elapsed < Duration::from_secs(20),
                "host {args:?} took {:?}",
                run.elapsed
            );
            let first = run.stderr.lines().next().unwrap_or_default();
            assert!(first.starts_with("host: "), "host {args:?}: {run:?}");
            for part in parts {
                assert!(
                    run.stderr.contains(part.as_str()),
                    "host {args:?}: stderr lacks {part:?}: {run:?}"
                );
            }
            assert!(!run.stderr.contains("trapped"), "host {args:?}: {run:?}");
        }
    }
    // The missing file, and a good command component next to the bad ones, for contrast.
    let missing = dir.path("missing.wasm");
    let run = host(&["run", "--no-cache", arg(&missing)]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr
            .contains(&format!("guest file {} does not exist", missing.display())),
        "{run:?}"
    );
    let run = host(&["run", "--no-cache", CLI_EXIT, "4"]);
    assert_eq!(run.code, Some(4), "{run:?}");
}

/// What a test does with one of the host's output pipes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reader {
    /// Reads it to the end.
    All,
    /// Closes its read end at once, before the host has started (let alone written).
    Closed,
    /// Reads one line, then closes it, as `host … | head -1` does.
    FirstLine,
}

/// One run of the `host` binary with its output pipes read or closed.
#[derive(Debug)]
struct PipeRun {
    status: ExitStatus,
    /// What was read of stdout (nothing when it was closed).
    stdout: String,
    /// What was read of stderr.
    stderr: String,
}

impl PipeRun {
    /// Asserts the host exited with `code`: not by a signal (SIGPIPE), not by a panic (101).
    fn assert_code(&self, code: i32, what: &str) {
        assert_eq!(
            (self.status.code(), self.status.signal()),
            (Some(code), None),
            "{what}: expected exit status {code} (101 is a panic): {self:?}"
        );
        // A trapping guest's own panic message is on the stderr it inherits; no other run
        // prints one.
        if code != 134 {
            assert!(!self.stderr.contains("panicked"), "{what}: {self:?}");
        }
    }
}

/// Runs `host ARGS…` with no stdin and its stdout and stderr handled as told, stopped after
/// 60 s.
fn host_pipes(args: &[&str], stdout: Reader, stderr: Reader) -> PipeRun {
    let mut child = host_cmd()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the host binary");
    let out: Box<dyn Read + Send> = Box::new(child.stdout.take().unwrap());
    let err: Box<dyn Read + Send> = Box::new(child.stderr.take().unwrap());
    let reader = |pipe: Box<dyn Read + Send>, how: Reader| {
        if how == Reader::Closed {
            drop(pipe);
            return std::thread::spawn(String::new);
        }
        std::thread::spawn(move || {
            let mut text = String::new();
            let mut pipe = BufReader::new(pipe);
            let _ = match how {
                Reader::FirstLine => pipe.read_line(&mut text),
                _ => pipe.read_to_string(&mut text),
            };
            text
        })
    };
    let out = reader(out, stdout);
    let err = reader(err, stderr);
    let status = wait_bounded(&mut child, Duration::from_secs(60));
    let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
    let status = status.unwrap_or_else(|| {
        panic!("host {args:?} ran for more than 60 s; stdout {stdout:?}, stderr {stderr:?}")
    });
    PipeRun {
        status,
        stdout,
        stderr,
    }
}

/// `cli_chatty N [stdout|stderr]`: N lines, exit 0; when the stream fails, it says so on the
/// other one and exits 3.
#[test]
pub fn cli_chatty() {
    let run = host_pipes(
        &["run", "--no-cache", CLI_CHATTY, "3"],
        Reader::All,
        Reader::All,
    );
    run.assert_code(0, "all read");
    assert_eq!(
        run.stdout, "line 1 of 3\nline 2 of 3\nline 3 of 3\n",
        "{run:?}"
    );
    assert_eq!(run.stderr, "", "{run:?}");
    let run = host_pipes(
        &["run", "--no-cache", CLI_CHATTY, "2", "stderr"],
        Reader::All,
        Reader::All,
    );
    run.assert_code(0, "all read");
    assert_eq!(run.stderr, "line 1 of 2\nline 2 of 2\n", "{run:?}");

    // `host run cli_chatty.wasm 100000 | head -1`: the guest writes 2 MB, far more than a pipe
    // holds, so its writes fail once the reader is gone. The guest gets the error, not the host.
    let many = "100000";
    let run = host_pipes(
        &["run", "--no-cache", CLI_CHATTY, many],
        Reader::FirstLine,
        Reader::All,
    );
    run.assert_code(3, "stdout closed after one line");
    assert_eq!(run.stdout, "line 1 of 100000\n", "{run:?}");
    assert!(
        run.stderr.starts_with("cli_chatty: writing line ")
            && run.stderr.contains("to stdout failed"),
        "the guest saw its write fail: {run:?}"
    );
    let run = host_pipes(
        &["run", "--no-cache", CLI_CHATTY, many, "stderr"],
        Reader::All,
        Reader::FirstLine,
    );
    run.assert_code(3, "stderr closed after one line");
    assert_eq!(run.stderr, "line 1 of 100000\n", "{run:?}");
    assert!(run.stdout.contains("to stderr failed"), "{run:?}");
    for stream in ["stdout", "stderr"] {
        let run = host_pipes(
            &["run", "--no-cache", "--stats", CLI_CHATTY, many, stream],
            Reader::Closed,
            Reader::Closed,
        );
        run.assert_code(3, &format!("both closed, the guest writing to {stream}"));
    }
}

/// The host never dies because whoever reads its stdout or stderr went away (`println!` would
/// panic there: exit 101): its exit status stays the documented one for its help, usage
/// errors, bad guest files, traps, denials printed on stderr, `--stats`, `--audit -`, and the
/// `policy` commands' output.
#[test]
fn cli_closed_pipes() {
    use Reader::{All, Closed, FirstLine};
    let dir = Scratch::new("cli-closed-pipes");
    let rules: String = (0..4000)
        .map(|i| {
            format!(
                "  \"connect tcp://10.{}.{}.1:{}\",\n",
                i / 256,
                i % 256,
                1000 + i
            )
        })
        .collect();
    let big = dir.path("big.toml");
    std::fs::write(
        &big,
        format!("allow = [\n{rules}]\n[limits]\nmax-sockets = 9\n"),
    )
    .unwrap();
    let bad = dir.path("bad.toml");
    std::fs::write(&bad, "allow = [\"conect tcp://1.2.3.4:80\"]\n").unwrap();
    let unlisted = free_port("127.0.0.1");
    let probe = format!("connect tcp 127.0.0.1:{unlisted}");
    let (big, bad) = (arg(&big), arg(&bad));

    // (arguments, expected exit status, and the status when stdout is closed): each is run
    // with stdout and stderr closed at once, and with each closed alone while the other is
    // read. A guest that prints with `println!` panics when its write fails (a trap, 134).
    let cases: &[(&[&str], i32, i32)] = &[
        (&["--help"], 0, 0),
        (&["run", "--help"], 0, 0),
        (&["--version"], 0, 0),
        (&["run", "--no-such-option", CLI_EXIT, "0"], 2, 2),
        (&[], 2, 2),
        (
            &["run", "--allow", "conect tcp://1.2.3.4:80", CLI_EXIT, "0"],
            2,
            2,
        ),
        (&["run", "--no-cache", "/dev/null"], 2, 2),
        (&["run", "--no-cache", "--stats", CLI_EXIT, "5"], 5, 5),
        (
            &["run", "--no-cache", "--stats", CLI_EXIT, "5", "printed"],
            5,
            134,
        ),
        (&["run", "--no-cache", CLI_TRAP], 134, 134),
        (
            &["run", "--no-cache", "--stats", POLICY_PROBE, &probe],
            0,
            134,
        ),
        (
            &["run", "--no-cache", "--audit", "-", POLICY_PROBE, &probe],
            0,
            134,
        ),
        (&["policy", "check", big], 0, 0),
        (&["policy", "check", bad], 2, 2),
        (
            &["policy", "explain", big, "connect", "tcp://10.0.5.1:1005"],
            0,
            0,
        ),
        (
            &["policy", "explain", big, "connect", "tcp://10.0.5.1:1006"],
            1,
            1,
        ),
        (
            &["policy", "explain", big, "conect", "tcp://10.0.5.1:1005"],
            2,
            2,
        ),
    ];
    for &(args, code, closed_code) in cases {
        for (stdout, stderr) in [(Closed, Closed), (Closed, All), (All, Closed)] {
            let run = host_pipes(args, stdout, stderr);
            let code = if stdout == Closed { closed_code } else { code };
            run.assert_code(
                code,
                &format!("host {args:?}, stdout {stdout:?}, stderr {stderr:?}"),
            );
        }
    }

    // What the open stream still carries: help on stdout with stderr closed; the guest's result
    // with the denial (and audit records) going to a closed stderr; the usage error on stderr
    // with stdout closed.
    let run = host_pipes(&["--help"], All, Closed);
    assert!(
        run.stdout.contains("connect tcp|udp://HOST:PORTS"),
        "{run:?}"
    );
    let run = host_pipes(&["run", "--no-such-option", CLI_EXIT, "0"], Closed, All);
    assert!(run.stderr.contains("--no-such-option"), "{run:?}");
    for extra in ["--stats", "--audit"] {
        let mut args = vec!["run", "--no-cache", extra];
        if extra == "--audit" {
            args.push("-");
        }
        args.extend([POLICY_PROBE, &probe]);
        let run = host_pipes(&args, All, Closed);
        run.assert_code(0, &format!("host {args:?}"));
        assert_eq!(
            run.stdout,
            format!(
                "{probe} -> errno 13: capsock policy: connect to tcp://127.0.0.1:{unlisted} \
                 denied (no rule allows it)\n"
            ),
            "host {args:?}"
        );
    }
    // `host policy check big.toml | head -1`: the normal form (about 140 kB) overflows the
    // pipe, so the host's writes after the first line fail.
    let run = host_pipes(&["policy", "check", big], FirstLine, All);
    run.assert_code(0, "policy check | head -1");
    assert_eq!(run.stdout, "allow = [\n", "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    let run = host_pipes(&["policy", "check", big], All, Closed);
    run.assert_code(0, "policy check, all read");
    assert!(
        run.stdout.len() > 100_000 && run.stdout.ends_with("max-sockets = 9\n"),
        "the whole normal form: {} bytes",
        run.stdout.len()
    );
}

/// `--policy FILE.toml`: its rules and its `[limits] max-sockets` take effect (`--max-sockets`
/// overrides the file's); a bad file exits 2 naming the file and the rule's index.
#[test]
fn cli_policy_file() {
    let dir = Scratch::new("cli-policy-file");
    let (echo, server) = tcp_echo_server("127.0.0.1:0", 1);
    let other = free_port("127.0.0.1");
    let file = dir.path("policy.toml");
    std::fs::write(
        &file,
        format!("allow = [\"connect tcp://127.0.0.1:{}\"]\n", echo.port()),
    )
    .unwrap();
    let allowed = format!("echo tcp {echo}");
    let denied = format!("connect tcp 127.0.0.1:{other}");
    let run = host(&[
        "run",
        "--no-cache",
        "--policy",
        arg(&file),
        POLICY_PROBE,
        &allowed,
        &denied,
    ]);
    server.join().unwrap();
    assert_eq!(run.code, Some(0), "{run:?}");
    let message =
        format!("capsock policy: connect to tcp://127.0.0.1:{other} denied (no rule allows it)");
    assert_eq!(
        run.stdout,
        format!("{allowed} -> ok\n{denied} -> errno 13: {message}\n"),
        "{run:?}"
    );
    assert_eq!(run.stderr, format!("host: {message}\n"), "{run:?}");

    // `policy_limits` passes only when exactly 3 sockets may be open at once.
    let limits = |n: usize| {
        let path = dir.path(&format!("limits-{n}.toml"));
        std::fs::write(&path, format!("[limits]\nmax-sockets = {n}\n")).unwrap();
        path
    };
    let (three, one) = (limits(3), limits(1));
    let run = host(&["run", "--no-cache", "--policy", arg(&three), POLICY_LIMITS]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stdout.contains(
            "4th socket: errno 24 OSError: capsock limit: this guest may hold at most 3 sockets \
             open (raise it with --max-sockets)"
        ),
        "{run:?}"
    );
    let run = host(&[
        "run",
        "--no-cache",
        "--policy",
        arg(&one),
        "--max-sockets",
        "3",
        POLICY_LIMITS,
    ]);
    assert_eq!(
        run.code,
        Some(0),
        "--max-sockets overrides the file: {run:?}"
    );
    let run = host(&["run", "--no-cache", "--policy", arg(&one), POLICY_LIMITS]);
    assert_eq!(run.code, Some(134), "the file's limit of 1: {run:?}");
    assert!(run.stdout.is_empty(), "the 2nd socket failed: {run:?}");
    assert!(run.stderr.contains("socket 2"), "{run:?}");

    // Bad files: exit 2, nothing run, the message naming the file and the rule's place.
    let bad = |name: &str, text: &str| {
        let path = dir.path(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let cases = [
        (
            bad(
                "allow.toml",
                "allow = [\"connect tcp://127.0.0.1:80\", \"conect tcp://1.2.3.4:80\"]\n",
            ),
            "allow[1]: invalid rule \"conect tcp://1.2.3.4:80\"",
        ),
        (
            bad("deny.toml", "deny = [\"connect tcp://1.2.3.4:99999\"]\n"),
            "deny[0]: invalid rule \"connect tcp://1.2.3.4:99999\"",
        ),
        (bad("key.toml", "alow = []\n"), "alow"),
        (dir.path("missing.toml"), "cannot read the policy file"),
    ];
    for (path, part) in &cases {
        let run = host(&[
            "run",
            "--no-cache",
            "--policy",
            arg(path),
            CLI_EXIT,
            "0",
            "ran",
        ]);
        assert_eq!(run.code, Some(2), "{run:?}");
        assert!(run.stdout.is_empty(), "the guest did not run: {run:?}");
        let want = format!("host: {}: ", path.display());
        assert!(
            run.stderr.starts_with(&want),
            "stderr starts with {want:?}: {run:?}"
        );
        assert!(run.stderr.contains(part), "stderr lacks {part:?}: {run:?}");
    }
}

/// The `reason` field of each record of an audit log.
fn audit_reasons(log: &str) -> Vec<String> {
    log.lines()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            record["reason"].as_str().unwrap_or("null").to_owned()
        })
        .collect()
}

/// `--audit FILE` writes one JSON line per decision (event, target, decision, rule, reason),
/// for an allowed connect and a denied one; `--audit -` writes the same lines on stderr.
#[test]
fn cli_audit() {
    let dir = Scratch::new("cli-audit");
    let (echo, server) = tcp_echo_server("127.0.0.1:0", 2);
    let other = free_port("127.0.0.1");
    let rule = format!("connect tcp://127.0.0.1:{}", echo.port());
    let allowed = format!("echo tcp {echo}");
    let denied = format!("connect tcp 127.0.0.1:{other}");
    let want = vec![
        audit_row("socket.__new__", "AF_INET/SOCK_STREAM/0", "allow", "null"),
        audit_row("socket.connect", &format!("tcp://{echo}"), "allow", &rule),
        audit_row("socket.__new__", "AF_INET/SOCK_STREAM/0", "allow", "null"),
        audit_row(
            "socket.connect",
            &format!("tcp://127.0.0.1:{other}"),
            "deny",
            "default deny",
        ),
    ];
    let check = |log: &str| {
        assert_eq!(audit_rows(log, "policy_probe.wasm"), want, "{log}");
        let reasons = audit_reasons(log);
        assert!(
            reasons[1].starts_with("allowed") && reasons[1].contains(&rule),
            "{reasons:?}"
        );
        assert_eq!(reasons[3], "denied (no rule allows it)", "{reasons:?}");
    };
    let denial = format!(
        "host: capsock policy: connect to tcp://127.0.0.1:{other} denied (no rule allows it)"
    );

    let log = dir.path("audit.jsonl");
    let run = host(&[
        "run",
        "--no-cache",
        "--audit",
        arg(&log),
        "--allow",
        &rule,
        POLICY_PROBE,
        &allowed,
        &denied,
    ]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stdout.starts_with(&format!("{allowed} -> ok\n")),
        "{run:?}"
    );
    assert_eq!(
        run.stderr.lines().collect::<Vec<_>>(),
        [denial.as_str()],
        "{run:?}"
    );
    check(&std::fs::read_to_string(&log).unwrap());

    let run = host(&[
        "run",
        "--no-cache",
        "--audit",
        "-",
        "--allow",
        &rule,
        POLICY_PROBE,
        &allowed,
        &denied,
    ]);
    server.join().unwrap();
    assert_eq!(run.code, Some(0), "{run:?}");
    let (records, others): (Vec<&str>, Vec<&str>) =
        run.stderr.lines().partition(|line| line.starts_with('{'));
    check(&records.join("\n"));
    assert_eq!(others, [denial.as_str()], "{run:?}");

    // An audit log that cannot be created: exit 2 before the guest runs.
    let nowhere = dir.path("no-such-dir/audit.jsonl");
    let run = host(&[
        "run",
        "--no-cache",
        "--audit",
        arg(&nowhere),
        CLI_EXIT,
        "0",
        "ran",
    ]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "cannot create the audit log {}",
            nowhere.display()
        )),
        "{run:?}"
    );
}

/// `--learn FILE` writes a policy file that `host policy check` accepts; a run under it
/// (`--policy`) does what the learning run did, while a run under an empty policy is denied.
#[test]
fn cli_learn() {
    let dir = Scratch::new("cli-learn");
    let (echo, server) = tcp_echo_server("127.0.0.1:0", 2);
    let probe = format!("echo tcp {echo}");
    let ok = format!("{probe} -> ok\n");
    let learned = dir.path("learned.toml");
    let run = host(&[
        "run",
        "--no-cache",
        "--learn",
        arg(&learned),
        POLICY_PROBE,
        &probe,
    ]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (Some(0), ok.as_str()),
        "{run:?}"
    );
    assert_eq!(
        run.stderr,
        format!("host: learned policy written to {}\n", learned.display()),
        "{run:?}"
    );
    let rule = format!("connect tcp://127.0.0.1:{}", echo.port());
    let text = std::fs::read_to_string(&learned).unwrap();
    assert!(text.contains(&format!("\"{rule}\"")), "{text}");

    let check = host(&["policy", "check", arg(&learned)]);
    assert_eq!(check.code, Some(0), "{check:?}");
    assert!(check.stdout.contains(&format!("\"{rule}\"")), "{check:?}");

    let run = host(&[
        "run",
        "--no-cache",
        "--policy",
        arg(&learned),
        POLICY_PROBE,
        &probe,
    ]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (Some(0), ok.as_str()),
        "{run:?}"
    );
    assert_eq!(run.stderr, "", "no denial: {run:?}");

    let empty = dir.path("empty.toml");
    std::fs::write(&empty, "").unwrap();
    let run = host(&[
        "run",
        "--no-cache",
        "--policy",
        arg(&empty),
        POLICY_PROBE,
        &probe,
    ]);
    server.join().unwrap();
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        run.stdout,
        format!(
            "{probe} -> errno 13: capsock policy: connect to tcp://{echo} denied (no rule allows \
             it)\n"
        ),
        "{run:?}"
    );

    // Learning allows everything, so it cannot be combined with rules: a usage error.
    let run = host(&[
        "run",
        "--learn",
        arg(&learned),
        "--policy",
        arg(&empty),
        CLI_EXIT,
        "0",
    ]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("cannot be used with"), "{run:?}");
}

/// `--deny-private`: a connect to 127.0.0.1 is denied, even under `connect tcp://*:*`, with a
/// message naming `--deny-private` and the range; an allow rule naming the address allows it.
#[test]
fn cli_deny_private() {
    let (echo, server) = tcp_echo_server("127.0.0.1:0", 1);
    let connect = format!("connect tcp {echo}");
    let run = host(&[
        "run",
        "--no-cache",
        "--deny-private",
        "--allow",
        "connect tcp://*:*",
        POLICY_PROBE,
        &connect,
    ]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let message = format!(
        "capsock policy: connect to tcp://{echo} denied by --deny-private (127.0.0.1 is in \
         127.0.0.0/8, loopback;"
    );
    assert!(
        run.stdout
            .starts_with(&format!("{connect} -> errno 13: {message}")),
        "{run:?}"
    );
    assert!(
        run.stderr.starts_with(&format!("host: {message}")),
        "{run:?}"
    );

    let echoed = format!("echo tcp {echo}");
    let rule = format!("connect tcp://127.0.0.1:{}", echo.port());
    let run = host(&[
        "run",
        "--no-cache",
        "--deny-private",
        "--allow",
        &rule,
        POLICY_PROBE,
        &echoed,
    ]);
    server.join().unwrap();
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, format!("{echoed} -> ok\n"), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
}

/// `--no-cache`: with the cache in a scratch directory, a run without it stores the compiled
/// guest there, a run with it stores nothing and does not take (or mark) the stored entry.
#[test]
fn cli_no_cache() {
    let root = Scratch::new("cli-no-cache");
    let env = [
        ("XDG_CACHE_HOME", root.0.as_path()),
        ("HOME", root.0.as_path()),
    ];
    let cache = root.path("capsock");
    let files = || -> Vec<(String, SystemTime)> {
        let mut files: Vec<_> = std::fs::read_dir(&cache)
            .into_iter()
            .flatten()
            .map(|e| e.unwrap())
            .map(|e| {
                let name = e.file_name().into_string().unwrap();
                (name, e.metadata().unwrap().modified().unwrap())
            })
            .collect();
        files.sort();
        files
    };
    let run_b = |no_cache: bool, word: &str| {
        let mut args = vec!["run"];
        if no_cache {
            args.push("--no-cache");
        }
        args.extend([CLI_EXIT, "0", word]);
        let run = host_env(&args, &env);
        assert_eq!(run.code, Some(0), "{run:?}");
        assert_eq!(run.stdout, format!("arg: {word}\n"), "{run:?}");
    };

    run_b(true, "uncached");
    assert_eq!(files(), [], "--no-cache stored nothing");
    run_b(false, "cached");
    let stored = files();
    assert!(
        stored.len() == 1 && stored[0].0.ends_with(".cwasm"),
        "the run without --no-cache stored the guest (this needs user extended attributes on \
         the file system of {}): {stored:?}",
        root.0.display()
    );
    // Age the entry: a run that takes it from the cache marks it used (its time changes).
    let entry = cache.join(&stored[0].0);
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let set_old = || {
        std::fs::File::options()
            .write(true)
            .open(&entry)
            .and_then(|f| f.set_modified(old))
            .unwrap();
    };
    set_old();
    let aged = files();
    run_b(true, "uncached again");
    assert_eq!(files(), aged, "--no-cache neither took nor stored anything");
    run_b(false, "from the cache");
    let after = files();
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0].0, stored[0].0, "the same entry");
    assert!(
        after[0].1 > old,
        "a cached run took the entry and marked it used"
    );
}

/// `--timeout 1` stops a guest spinning in wasm that never calls the host: the epoch deadline
/// interrupts running code, exit 134, with the time limit named.
#[test]
pub fn cli_hog() {
    let run = host(&["run", "--timeout", "1", CLI_HOG, "spin"]);
    assert_eq!(run.code, Some(134), "{run:?}");
    assert_eq!(run.stdout, "spinning\n", "{run:?}");
    assert!(
        run.stderr.contains("the run exceeded its time limit of 1s"),
        "{run:?}"
    );
}

/// `--max-memory` bounds the guest's linear memory: growing past it fails, the Rust guest
/// aborts (exit 134), and the host says which limit it reached and how to raise it. Under the
/// limit the guest gets what it asks; the policy file's `max-memory` applies when the command
/// line sets none; a bad size is refused before the run.
#[test]
fn cli_max_memory() {
    let run = host(&["run", "--max-memory", "64MiB", CLI_HOG, "grow", "200"]);
    assert_eq!(run.code, Some(134), "{run:?}");
    assert!(run.stdout.starts_with("holding 16 MiB\n"), "{run:?}");
    assert!(!run.stdout.contains("holding 64 MiB"), "{run:?}");
    assert!(
        run.stderr
            .contains("the guest reached its memory limit (--max-memory 64 MiB): it asked for"),
        "{run:?}"
    );
    assert!(run.stderr.contains("raise --max-memory"), "{run:?}");

    let run = host(&["run", "--max-memory", "128MiB", CLI_HOG, "grow", "96"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.ends_with("held 96 MiB\n"), "{run:?}");

    let dir = Scratch::new("max-memory");
    let file = dir.file("p.toml", "[limits]\nmax-memory = \"32MiB\"\n");
    let run = host(&[
        "run",
        "--policy",
        file.to_str().unwrap(),
        CLI_HOG,
        "grow",
        "64",
    ]);
    assert_eq!(run.code, Some(134), "{run:?}");
    assert!(run.stderr.contains("(--max-memory 32 MiB)"), "{run:?}");

    let run = host(&["run", "--max-memory", "64 parsecs", CLI_HOG, "grow", "1"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr.contains("invalid size \"64 parsecs\""),
        "{run:?}"
    );
    assert_eq!(run.stdout, "", "{run:?}");
}

/// A guest that makes more distinct denials than the host prints (256) floods nobody: the
/// first 256 are printed once each, then one line says further ones are counted, and the end
/// of the run says how many were not printed. `--audit` still records them all.
#[test]
pub fn cli_denials_bounded() {
    let ops: Vec<String> = (0..260)
        .map(|n| format!("bind tcp 127.0.0.1:{}", 20000 + n))
        .collect();
    let mut args = vec!["run", "--audit", "-", POLICY_PROBE];
    args.extend(ops.iter().map(String::as_str));
    let run = host(&args);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout.lines().count(), 260, "{run:?}");
    let printed = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("host: capsock policy: bind to tcp://127.0.0.1:"))
        .count();
    assert_eq!(printed, 256, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "host: capsock: more than 256 distinct denials; further ones are counted, not printed"
        ),
        "{}",
        run.stderr
    );
    let last = run.stderr.lines().last().unwrap_or_default();
    assert_eq!(
        last, "host: capsock: 4 further distinct denials were not printed",
        "{}",
        run.stderr
    );
    let recorded = run
        .stderr
        .lines()
        .filter(|l| l.starts_with('{') && l.contains(r#""decision":"deny""#))
        .count();
    assert_eq!(recorded, 260, "{}", run.stderr);
}
