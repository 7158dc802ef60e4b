//! Timeouts exactly as Python's: blocking by default, `settimeout`/`setblocking`, timeouts on
//! recv/accept/sendall, non-blocking recv/accept/connect, `SOCK_NONBLOCK`, `setdefaulttimeout`
//! and the timeout of accepted sockets, over IPv4 and IPv6.
//! A connect that times out uses a listener (`listen(0)`) whose accept queue is full: Linux
//! drops further SYNs, so the connect waits until its timeout.

use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use capsock_tests::{GUEST_TIME_LIMIT, Guest, TIMEOUT_OPS, join_within};

/// A native server that accepts connections and never reads nor writes: it holds them until
/// the returned sender is dropped (or [`GUEST_TIME_LIMIT`] passes), then says how many it held.
fn holding_server(bind: &str) -> (SocketAddr, mpsc::Sender<()>, JoinHandle<usize>) {
    let listener = TcpListener::bind(bind).expect("bind the native holding server");
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = mpsc::channel::<()>();
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        let started = std::time::Instant::now();
        while started.elapsed() < GUEST_TIME_LIMIT {
            if let Ok((stream, _)) = listener.accept() {
                held.push(stream);
            }
            match stopped.recv_timeout(Duration::from_millis(10)) {
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                _ => break,
            }
        }
        // Connections still queued when the guest finished count too.
        while let Ok((stream, _)) = listener.accept() {
            held.push(stream);
        }
        held.len()
    });
    (addr, stop, handle)
}

#[test]
pub fn timeout_ops() {
    for (bind, host, rule_host) in [
        ("127.0.0.1:0", "127.0.0.1", "127.0.0.1"),
        ("[::1]:0", "::1", "[::1]"),
    ] {
        let (addr, stop, server) = holding_server(bind);
        let out = Guest::new(TIMEOUT_OPS)
            .arg(host)
            .arg(addr.port())
            .allow(&format!("connect tcp://{rule_host}:*"))
            .allow(&format!("bind tcp://{rule_host}:*"))
            .allow(&format!("accept tcp://{rule_host}:*"))
            .run_ok();
        drop(stop);
        // The guest connects to the holding server twice: blocking, then non-blocking.
        assert_eq!(join_within(server, "the holding server"), 2, "{out}");
        for line in [
            "ok: new socket is blocking (gettimeout None, getblocking true)",
            "ok: settimeout(-1.0) -> ValueError (Timeout value out of range)",
            "ok: settimeout(NaN) -> ValueError (Invalid value NaN (not a number))",
            "ok: setdefaulttimeout(-1.0) -> ValueError (Timeout value out of range)",
            "ok: invalid timeouts change nothing",
            "ok: settimeout/setblocking round-trip",
            "ok: accept on a SOCK_NONBLOCK listener, no client -> BlockingIOError errno 11",
            "ok: SOCK_NONBLOCK makes a non-blocking socket",
            "ok: accept non-blocking, no client -> BlockingIOError errno 11",
            "ok: accept with timeout 0.3, no client -> TimeoutError",
            "ok: recv with timeout 0.5, no data -> TimeoutError",
            "ok: recv non-blocking, no data -> BlockingIOError errno 11",
            "ok: recv_into non-blocking, no data -> BlockingIOError errno 11",
            "ok: dup keeps the timeout",
            "ok: recv on a non-blocking dup -> BlockingIOError errno 11",
            "ok: recv with timeout 0.4 beside a non-blocking dup -> TimeoutError",
            "ok: recv on the non-blocking dup again -> BlockingIOError errno 11",
            "ok: sendall 64 MiB with timeout 1.0, peer not reading -> TimeoutError",
            "ok: connect non-blocking -> BlockingIOError errno 115",
            "ok: non-blocking connect completes",
            "ok: connect with timeout 0.5, accept queue full -> TimeoutError",
            "ok: connect_ex with timeout 0.3, accept queue full -> EAGAIN",
            "ok: setdefaulttimeout(2.0): new sockets get 2.0",
            "ok: accepted socket gets the default timeout 2.0",
            "ok: accepted socket of a blocking listener gets the default timeout 2.0",
            "ok: setdefaulttimeout(None) restores blocking for new sockets",
            "ok: listener timeout 1.0, default None: accepted socket is blocking",
            "ok: non-blocking listener, default None: accepted socket is blocking",
        ] {
            assert!(
                out.lines().any(|l| l == line),
                "missing {line:?} in:\n{out}"
            );
        }
        // The runner checks the timing bounds too, from the guest's own measurements.
        for (what, secs) in [
            ("accept with timeout 0.3, no client", 0.3),
            ("recv with timeout 0.5, no data", 0.5),
            ("recv with timeout 0.4 beside a non-blocking dup", 0.4),
            ("connect with timeout 0.5, accept queue full", 0.5),
            ("sendall 64 MiB with timeout 1.0, peer not reading", 1.0),
        ] {
            let elapsed: f64 = out
                .lines()
                .find_map(|l| l.strip_prefix(&format!("elapsed: {what} ")))
                .unwrap_or_else(|| panic!("no elapsed line for {what}:\n{out}"))
                .parse()
                .unwrap();
            assert!(
                elapsed >= 0.9 * secs && elapsed < secs + 5.0,
                "{what}: {elapsed} s"
            );
        }
    }
}
