//! Python's timeout model (argv: `HOST`, and the port of a native server that accepts and never
//! reads nor writes): blocking by default, settimeout/recv raising TimeoutError after the timeout,
//! non-blocking recv/accept/connect (EAGAIN, EINPROGRESS), invalid timeouts, SOCK_NONBLOCK,
//! setdefaulttimeout and the timeout accepted and duplicated sockets get, and sendall bounded by
//! its timeout against a peer that does not read.
use std::fmt::Debug;
use std::time::{Duration, Instant};

use capsock::errno::{EAGAIN, EINPROGRESS, ENOTCONN};
use capsock::{
    AF_INET, AF_INET6, Error, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_STREAM, Socket, getdefaulttimeout,
    setdefaulttimeout,
};

/// Asserts that `r` is Python's `TimeoutError("timed out")` and that it came after `secs`
/// (at least 0.9 × the timeout, less than the timeout + 5 s).
fn expect_timeout<T: Debug>(r: capsock::Result<T>, started: Instant, secs: f64, what: &str) {
    let elapsed = started.elapsed().as_secs_f64();
    let e = r.expect_err(what);
    assert!(e.is_timeout(), "{what}: {e:?}");
    assert_eq!(e.python_class(), "TimeoutError");
    assert_eq!(e.errno(), None);
    assert_eq!(e.to_string(), "timed out");
    assert_eq!(e.kind(), std::io::ErrorKind::TimedOut);
    assert!(
        elapsed >= 0.9 * secs && elapsed < secs + 5.0,
        "{what}: timed out after {elapsed:.3} s, timeout {secs} s"
    );
    println!("elapsed: {what} {elapsed:.3}");
    println!("ok: {what} -> TimeoutError");
}

/// Asserts that `r` is `BlockingIOError` with this errno, raised without waiting.
fn expect_blocking<T: Debug>(op: impl FnOnce() -> capsock::Result<T>, errno: i32, what: &str) {
    let started = Instant::now();
    let r = op();
    let elapsed = started.elapsed();
    let e = r.expect_err(what);
    assert!(e.is_blocking(), "{what}: {e:?}");
    assert_eq!(e.python_class(), "BlockingIOError");
    assert_eq!(e.errno(), Some(errno), "{what}: {e:?}");
    assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
    // Non-blocking means no wait; the bound is loose, a wait would be unbounded.
    assert!(
        elapsed < Duration::from_secs(2),
        "{what} waited {elapsed:?}"
    );
    println!("ok: {what} -> BlockingIOError errno {errno}");
}

fn expect_value_error(e: Error, what: &str) {
    assert!(e.is_value_error(), "{what}: {e:?}");
    assert_eq!(e.python_class(), "ValueError");
    assert_eq!(e.errno(), None);
    println!("ok: {what} -> ValueError ({e})");
}

fn main() {
    let args = capsock_test_guests::args();
    let host = args[0].as_str();
    let hold_port: u16 = args[1].parse().expect("port");
    let family = if host.contains(':') {
        AF_INET6
    } else {
        AF_INET
    };
    let new = || Socket::new(family, SOCK_STREAM, 0).expect("socket");

    // --- defaults ---
    assert_eq!(getdefaulttimeout(), None);
    let s = new();
    assert_eq!(s.gettimeout().unwrap(), None);
    assert!(s.getblocking().unwrap());
    println!("ok: new socket is blocking (gettimeout None, getblocking true)");

    // --- invalid timeouts leave the mode alone ---
    expect_value_error(s.settimeout(Some(-1.0)).unwrap_err(), "settimeout(-1.0)");
    assert_eq!(
        s.settimeout(Some(-1.0)).unwrap_err().to_string(),
        "Timeout value out of range"
    );
    expect_value_error(s.settimeout(Some(f64::NAN)).unwrap_err(), "settimeout(NaN)");
    assert_eq!(
        s.settimeout(Some(f64::NAN)).unwrap_err().to_string(),
        "Invalid value NaN (not a number)"
    );
    expect_value_error(
        setdefaulttimeout(Some(-1.0)).unwrap_err(),
        "setdefaulttimeout(-1.0)",
    );
    assert_eq!(s.gettimeout().unwrap(), None);
    assert_eq!(getdefaulttimeout(), None);
    println!("ok: invalid timeouts change nothing");

    // --- settimeout / setblocking round trips ---
    s.settimeout(Some(0.5)).unwrap();
    assert_eq!(s.gettimeout().unwrap(), Some(0.5));
    assert!(s.getblocking().unwrap());
    s.settimeout(Some(1e-10)).unwrap();
    assert_eq!(s.gettimeout().unwrap(), Some(1e-9), "rounded up to 1 ns");
    s.setblocking(false).unwrap();
    assert_eq!(s.gettimeout().unwrap(), Some(0.0));
    assert!(!s.getblocking().unwrap());
    s.setblocking(true).unwrap();
    assert_eq!(s.gettimeout().unwrap(), None);
    s.settimeout(Some(0.0)).unwrap();
    assert!(!s.getblocking().unwrap());
    s.settimeout(None).unwrap();
    assert!(s.getblocking().unwrap());
    println!("ok: settimeout/setblocking round-trip");

    // --- SOCK_NONBLOCK ---
    let nb = Socket::new(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0).unwrap();
    assert_eq!(nb.gettimeout().unwrap(), Some(0.0));
    assert!(!nb.getblocking().unwrap());
    assert_eq!(nb.type_(), SOCK_STREAM);
    nb.bind((host, 0)).unwrap();
    nb.listen(None).unwrap();
    expect_blocking(
        || nb.accept(),
        EAGAIN,
        "accept on a SOCK_NONBLOCK listener, no client",
    );
    println!("ok: SOCK_NONBLOCK makes a non-blocking socket");
    drop(nb);

    // --- a listener made non-blocking; then a timeout on accept ---
    let listener = new();
    listener.bind((host, 0)).unwrap();
    listener.listen(5).unwrap();
    let laddr = listener.getsockname().unwrap();
    listener.setblocking(false).unwrap();
    expect_blocking(
        || listener.accept(),
        EAGAIN,
        "accept non-blocking, no client",
    );
    listener.settimeout(Some(0.3)).unwrap();
    let started = Instant::now();
    expect_timeout(
        listener.accept(),
        started,
        0.3,
        "accept with timeout 0.3, no client",
    );

    // --- recv with a timeout, then non-blocking, on a peer that never sends ---
    let held = new();
    held.connect((host, hold_port))
        .expect("connect to the holding server");
    held.settimeout(Some(0.5)).unwrap();
    let started = Instant::now();
    expect_timeout(
        held.recv(10),
        started,
        0.5,
        "recv with timeout 0.5, no data",
    );
    assert_eq!(
        held.gettimeout().unwrap(),
        Some(0.5),
        "a timeout keeps the mode"
    );
    held.setblocking(false).unwrap();
    assert_eq!(held.gettimeout().unwrap(), Some(0.0));
    expect_blocking(|| held.recv(10), EAGAIN, "recv non-blocking, no data");
    let mut buf = [0u8; 4];
    expect_blocking(
        || held.recv_into(&mut buf),
        EAGAIN,
        "recv_into non-blocking, no data",
    );

    // --- dup keeps the timeout (Python: sock.settimeout(self.gettimeout())) ---
    held.settimeout(Some(0.75)).unwrap();
    let d = held.dup().unwrap();
    assert_eq!(d.gettimeout().unwrap(), Some(0.75));
    drop(d);
    println!("ok: dup keeps the timeout");

    // --- a dup shares the open file description, yet each socket keeps its own mode (the host
    // readies the shared fd for the mode of whichever socket makes the call) ---
    held.settimeout(Some(0.4)).unwrap();
    let d = held.dup().unwrap();
    d.setblocking(false).unwrap();
    expect_blocking(|| d.recv(10), EAGAIN, "recv on a non-blocking dup");
    let started = Instant::now();
    expect_timeout(
        held.recv(10),
        started,
        0.4,
        "recv with timeout 0.4 beside a non-blocking dup",
    );
    expect_blocking(|| d.recv(10), EAGAIN, "recv on the non-blocking dup again");
    drop(d);

    // --- sendall to a peer that never reads: bounded by the timeout ---
    held.settimeout(Some(1.0)).unwrap();
    let data = vec![0x5au8; 64 << 20];
    let started = Instant::now();
    expect_timeout(
        held.sendall(&data),
        started,
        1.0,
        "sendall 64 MiB with timeout 1.0, peer not reading",
    );
    drop(held);

    // --- non-blocking connect: EINPROGRESS, then connected ---
    let c = new();
    c.setblocking(false).unwrap();
    expect_blocking(
        || c.connect((host, hold_port)),
        EINPROGRESS,
        "connect non-blocking",
    );
    let started = Instant::now();
    let peer = loop {
        match c.getpeername() {
            Ok(p) => break p,
            Err(e) if e.errno() == Some(ENOTCONN) => {
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "never connected"
                );
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("getpeername: {e:?}"),
        }
    };
    assert_eq!((peer.host(), peer.port()), (Some(host), Some(hold_port)));
    assert_eq!(c.send(b"x").expect("send once connected"), 1);
    println!("ok: non-blocking connect completes");
    drop(c);

    // --- connect with a timeout to a listener whose accept queue is full: Linux drops the
    // SYN, so the connect never completes and the timeout ends it ---
    let full = new();
    full.bind((host, 0)).unwrap();
    full.listen(Some(0)).unwrap();
    let full_port = full.getsockname().unwrap().port().expect("a port");
    let queued = new();
    queued
        .connect((host, full_port))
        .expect("the one queued connection");
    let c = new();
    c.settimeout(Some(0.5)).unwrap();
    let started = Instant::now();
    expect_timeout(
        c.connect((host, full_port)),
        started,
        0.5,
        "connect with timeout 0.5, accept queue full",
    );
    let c = new();
    c.settimeout(Some(0.3)).unwrap();
    assert_eq!(c.connect_ex((host, full_port)).unwrap(), EAGAIN);
    println!("ok: connect_ex with timeout 0.3, accept queue full -> EAGAIN");
    drop((c, queued, full));

    // --- the default timeout: new sockets and accepted ones ---
    listener.settimeout(Some(1.0)).unwrap();
    setdefaulttimeout(Some(2.0)).unwrap();
    assert_eq!(getdefaulttimeout(), Some(2.0));
    let s = new();
    assert_eq!(s.gettimeout().unwrap(), Some(2.0));
    println!("ok: setdefaulttimeout(2.0): new sockets get 2.0");
    let nb = Socket::new(family, SOCK_STREAM | SOCK_NONBLOCK, 0).unwrap();
    assert_eq!(
        nb.gettimeout().unwrap(),
        Some(0.0),
        "SOCK_NONBLOCK beats the default"
    );
    s.connect(&laddr).unwrap();
    let (conn, _) = listener.accept().expect("accept");
    assert_eq!(conn.gettimeout().unwrap(), Some(2.0));
    println!("ok: accepted socket gets the default timeout 2.0");
    listener.settimeout(None).unwrap();
    let s2 = new();
    s2.connect(&laddr).unwrap();
    let (conn, _) = listener.accept().expect("accept");
    assert_eq!(conn.gettimeout().unwrap(), Some(2.0));
    println!("ok: accepted socket of a blocking listener gets the default timeout 2.0");
    setdefaulttimeout(None).unwrap();
    assert_eq!(getdefaulttimeout(), None);
    assert_eq!(new().gettimeout().unwrap(), None);
    assert_eq!(
        s.gettimeout().unwrap(),
        Some(2.0),
        "existing sockets keep theirs"
    );
    println!("ok: setdefaulttimeout(None) restores blocking for new sockets");
    listener.settimeout(Some(1.0)).unwrap();
    let s3 = new();
    s3.connect(&laddr).unwrap();
    let (conn, _) = listener.accept().expect("accept");
    assert_eq!(conn.gettimeout().unwrap(), None);
    assert!(conn.getblocking().unwrap());
    println!("ok: listener timeout 1.0, default None: accepted socket is blocking");
    listener.setblocking(false).unwrap();
    let s4 = new();
    s4.connect(&laddr).unwrap();
    let started = Instant::now();
    let conn = loop {
        match listener.accept() {
            Ok((c, _)) => break c,
            Err(e) if e.is_blocking() => {
                assert!(started.elapsed() < Duration::from_secs(20), "no connection");
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("accept: {e:?}"),
        }
    };
    assert_eq!(conn.gettimeout().unwrap(), None);
    println!("ok: non-blocking listener, default None: accepted socket is blocking");
}
