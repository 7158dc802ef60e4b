//! poll/select: a timeout with nothing ready, a non-blocking connect completing (writable),
//! a pending connection (listener readable), data arriving (readable), and a closed handle.
use std::time::Instant;

use capsock::{AF_INET, AF_INET6, POLLIN, POLLOUT, SOCK_STREAM, Socket, poll, select};

fn main() {
    let args = capsock_test_guests::args();
    let family = if args[0] == "6" { AF_INET6 } else { AF_INET };
    let host = if family == AF_INET6 {
        "::1"
    } else {
        "127.0.0.1"
    };

    let listener = Socket::new(family, SOCK_STREAM, 0).unwrap();
    listener.bind((host, 0)).unwrap();
    listener.listen(None).unwrap();
    let port = listener.getsockname().unwrap().port().unwrap();

    let started = Instant::now();
    let (r, w, x) = select(&[&listener], &[], &[], Some(0.3)).unwrap();
    let waited = started.elapsed().as_secs_f64();
    assert!(r.is_empty() && w.is_empty() && x.is_empty());
    assert!((0.27..5.0).contains(&waited), "select waited {waited}");
    println!("ok: select timed out with nothing ready");

    let client = Socket::new(family, SOCK_STREAM, 0).unwrap();
    client.setblocking(false).unwrap();
    match client.connect((host, port)) {
        Ok(()) => {}
        Err(e) => assert!(e.is_blocking(), "non-blocking connect: {e:?}"),
    }
    let (_, w, _) = select(&[], &[&client], &[], Some(10.0)).unwrap();
    assert_eq!(w.len(), 1, "the connect completes: writable");
    assert_eq!(client.getpeername().unwrap().port(), Some(port));
    println!("ok: non-blocking connect became writable");

    let (r, _, _) = select(&[&listener], &[], &[], Some(10.0)).unwrap();
    assert_eq!(r.len(), 1, "listener readable with a pending connection");
    let (conn, _) = listener.accept().unwrap();
    println!("ok: listener readable, accepted");

    assert!(poll(&[(&client, POLLIN)], Some(0.0)).unwrap().is_empty());
    conn.sendall(b"x").unwrap();
    let ready = poll(
        &[(&listener, POLLIN), (&client, POLLIN | POLLOUT)],
        Some(10.0),
    )
    .unwrap();
    assert_eq!(ready.len(), 1, "only the client is ready: {ready:?}");
    assert_eq!(ready[0].0, 1);
    assert_eq!(ready[0].1 & (POLLIN | POLLOUT), POLLIN | POLLOUT);
    println!("ok: poll reports data to read");

    let mut closed = Socket::new(family, SOCK_STREAM, 0).unwrap();
    closed.close();
    let err = poll(&[(&closed, POLLIN)], Some(0.0)).unwrap_err();
    assert_eq!(err.errno(), Some(capsock::errno::EBADF));
    println!("ok: a closed socket is EBADF");
}
