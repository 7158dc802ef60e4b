//! Native peers the tests start: python3 scripts (in the test's network namespace or not),
//! socat, redis-server. Each is killed and reaped when dropped; its stdout is the test's.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use capsock_tests::Netns;

/// A native program run by a test.
pub(super) struct Peer {
    child: Child,
    out: BufReader<ChildStdout>,
}

impl Peer {
    /// python3 running `script` with `args`.
    pub(super) fn python(script: &str, args: &[&str]) -> Peer {
        let mut command = Command::new("python3");
        command.arg("-c").arg(script).args(args);
        Peer::run(command)
    }

    /// python3 running `script` with `args` inside `ns`.
    pub(super) fn python_in(ns: &Netns, script: &str, args: &[&str]) -> Peer {
        let mut command = ns.command("python3");
        command.arg("-c").arg(script).args(args);
        Peer::run(command)
    }

    /// Any program, its stdout read by the test.
    pub(super) fn run(mut command: Command) -> Peer {
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("run {command:?}: {e}"));
        let out = BufReader::new(child.stdout.take().expect("piped"));
        Peer { child, out }
    }

    /// Its standard input, when the command asked for it to be piped.
    pub(super) fn stdin(&mut self) -> ChildStdin {
        self.child.stdin.take().expect("a piped stdin")
    }

    /// Its next line of output (bounded by the test's own read of a live child: the caller's
    /// peer must print it).
    pub(super) fn line(&mut self) -> String {
        let mut line = String::new();
        self.out
            .read_line(&mut line)
            .expect("a line of the peer's output");
        line
    }

    /// Waits for the `ready` line a server prints once it listens; returns the peer.
    pub(super) fn ready(mut self) -> Peer {
        let mut line = String::new();
        self.out
            .read_line(&mut line)
            .expect("the peer's first line");
        assert_eq!(line, "ready\n", "the peer did not start");
        self
    }

    /// Waits (bounded: 60 s) for it to exit successfully, and returns what it printed (after
    /// `ready`, when that was read).
    pub(super) fn output(mut self) -> String {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for the peer") {
                break status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the peer ran too long"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut out = String::new();
        self.out
            .read_to_string(&mut out)
            .expect("the peer's output");
        assert!(status.success(), "the peer failed: {out}");
        out
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
