//! Ancillary data on `AF_UNIX` sockets: sockets passed with `SCM_RIGHTS` (Python's
//! `send_fds`/`recv_fds`), `MSG_CTRUNC`, credentials, and refused input. argv: `MODE …`:
//! - `local`: between sockets of this guest; prints `ok: …` lines and `peercred uid=U gid=G`.
//! - `limit`: under `--max-sockets 5`: a passed socket over the limit is closed, `MSG_CTRUNC`.
//! - `from-native PATH`: connects to PATH, whose server passes a socketpair end, a TCP
//!   connection and a pipe; uses both sockets it gets.
//! - `to-native PATH`: connects to PATH and passes it one end of a socketpair, then talks to
//!   the native process over the other end.
//! - `abandon HOW`: leaves sockets everywhere (held, detached, received and never taken, in
//!   flight in a queue nobody reads, in a cycle of sockets passed over themselves), then ends
//!   as HOW says: `exit` (exit code 0), `trap` (a panic) or `block` (waits until the host's
//!   time limit stops it).
use capsock::errno::{EAGAIN, EBADF, EINVAL, EOPNOTSUPP, EPERM};
use capsock::{
    AF_INET, AF_UNIX, IPPROTO_TCP, MSG_CTRUNC, SCM_CREDENTIALS, SCM_RIGHTS, SO_PASSCRED,
    SO_PEERCRED, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, Socket, recv_fds, send_fds, socketpair,
};

fn expect_errno<T: std::fmt::Debug>(r: capsock::Result<T>, errno: i32, what: &str) {
    let e = r.expect_err(what);
    assert_eq!(e.errno(), Some(errno), "{what}: {e:?}");
    println!("ok: {what} -> errno {errno}");
}

fn read_line(s: &Socket) -> String {
    let mut line = Vec::new();
    while !line.ends_with(b"\n") {
        let chunk = s.recv(256).expect("recv");
        assert!(!chunk.is_empty(), "closed early");
        line.extend_from_slice(&chunk);
    }
    String::from_utf8(line).unwrap()
}

/// Whether the peer of `s` is gone: `recv` gives end-of-stream within 10 s.
fn peer_closed(s: &Socket) -> bool {
    s.settimeout(Some(10.0)).unwrap();
    s.recv(1).expect("recv") == b""
}

fn local() {
    let (a, b) = socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
    a.settimeout(Some(10.0)).unwrap();
    b.settimeout(Some(10.0)).unwrap();

    // A datagram socketpair end passed from a to b, taken and used.
    let (c, d) = socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
    assert_eq!(send_fds(&a, &[b"x"], &[c.fileno()], 0, None).unwrap(), 1);
    let (data, fds, flags, _) = recv_fds(&b, 10, 4, 0).unwrap();
    assert_eq!((data.as_slice(), fds.len(), flags), (&b"x"[..], 1, 0));
    assert_ne!(fds[0], c.fileno(), "a new socket, not the sent one");
    drop(c);
    let c2 = Socket::from_fileno(fds[0]).unwrap();
    assert_eq!((c2.family(), c2.type_()), (AF_UNIX, SOCK_DGRAM));
    c2.send(b"via passed").unwrap();
    d.settimeout(Some(10.0)).unwrap();
    assert_eq!(d.recv(64).unwrap(), b"via passed");
    expect_errno(
        Socket::from_fileno(fds[0]),
        EBADF,
        "from_fileno taken twice",
    );
    println!("ok: a socket passed between two sockets of one guest works");

    // recvmsg shows Python's form: (SOL_SOCKET, SCM_RIGHTS, C ints).
    send_fds(&a, &[b"y"], &[d.fileno(), c2.fileno()], 0, None).unwrap();
    let (_, anc, _, _) = b.recvmsg(10, 256, 0).unwrap();
    assert_eq!(anc.len(), 1);
    assert_eq!(
        (anc[0].0, anc[0].1, anc[0].2.len()),
        (SOL_SOCKET, SCM_RIGHTS, 8)
    );
    for n in anc[0].2.chunks(4) {
        let n = i32::from_ne_bytes(n.try_into().unwrap());
        let s = Socket::from_fileno(n).unwrap();
        assert_eq!(s.type_(), SOCK_DGRAM);
    }
    println!("ok: recvmsg gives SCM_RIGHTS as fileno numbers");

    // Three copies into room for one: one arrives, MSG_CTRUNC, the others are closed.
    let (x, y) = socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
    send_fds(&a, &[b"3"], &[x.fileno(); 3], 0, None).unwrap();
    drop(x);
    let (_, fds, flags, _) = recv_fds(&b, 10, 1, 0).unwrap();
    assert_eq!(fds.len(), 1);
    assert_ne!(flags & MSG_CTRUNC, 0);
    y.settimeout(Some(0.0)).unwrap();
    expect_errno(
        y.recv(1),
        EAGAIN,
        "peer still open through the socket received",
    );
    drop(Socket::from_fileno(fds[0]).unwrap());
    assert!(peer_closed(&y), "the copies that did not fit were closed");
    println!("ok: MSG_CTRUNC, and what did not fit was closed");

    // Refused input, each before anything is sent.
    expect_errno(
        send_fds(&a, &[b"z"], &[9999], 0, None),
        EBADF,
        "SCM_RIGHTS naming no socket",
    );
    expect_errno(
        a.sendmsg(&[b"z"], &[(SOL_SOCKET, SCM_RIGHTS, &[1, 0, 0])], 0, None),
        EINVAL,
        "SCM_RIGHTS data of 3 bytes",
    );
    // Refused by the host before it duplicates a single descriptor, saying the limit.
    let many = send_fds(&a, &[b"z"], &[a.fileno(); 254], 0, None);
    assert!(
        matches!(&many, Err(e) if e.strerror().contains("254 sockets: at most 253 (SCM_MAX_FD)")),
        "{many:?}"
    );
    expect_errno(many, EINVAL, "SCM_RIGHTS with 254 sockets");
    expect_errno(
        a.sendmsg(&[b"z"], &[(SOL_SOCKET, 99, &[0; 4])], 0, None),
        EINVAL,
        "unknown ancillary type",
    );
    expect_errno(
        a.sendmsg(&[b"z"], &[(SOL_SOCKET, SCM_CREDENTIALS, &[0; 8])], 0, None),
        EINVAL,
        "SCM_CREDENTIALS of 8 bytes",
    );
    a.sendall(b"after\n").unwrap();
    assert_eq!(read_line(&b), "after\n", "nothing was sent before");
    // Exactly SCM_MAX_FD sockets are sent; into room for one, the kernel closes the others.
    assert_eq!(
        send_fds(&a, &[b"m"], &[a.fileno(); 253], 0, None).unwrap(),
        1
    );
    let (data, fds, flags, _) = recv_fds(&b, 1, 1, 0).unwrap();
    assert_eq!((data.as_slice(), fds.len()), (&b"m"[..], 1));
    assert_ne!(flags & MSG_CTRUNC, 0);
    println!("ok: SCM_RIGHTS with 253 sockets (SCM_MAX_FD) is sent");

    // Credentials: SO_PEERCRED, then SCM_CREDENTIALS carrying them; forged ones are refused.
    let cred = a.getsockopt_buf(SOL_SOCKET, SO_PEERCRED, 12).unwrap();
    assert_eq!(cred.len(), 12);
    b.setsockopt(SOL_SOCKET, SO_PASSCRED, 1).unwrap();
    assert_eq!(b.getsockopt(SOL_SOCKET, SO_PASSCRED).unwrap(), 1);
    a.sendmsg(&[b"c"], &[(SOL_SOCKET, SCM_CREDENTIALS, &cred)], 0, None)
        .unwrap();
    let (data, anc, _, _) = b.recvmsg(10, 64, 0).unwrap();
    assert_eq!(data, b"c");
    assert!(
        anc.contains(&(SOL_SOCKET, SCM_CREDENTIALS, cred.clone())),
        "{anc:?}"
    );
    let mut forged = cred.clone();
    forged[4..8].copy_from_slice(&12345u32.to_ne_bytes());
    expect_errno(
        a.sendmsg(&[b"c"], &[(SOL_SOCKET, SCM_CREDENTIALS, &forged)], 0, None),
        EPERM,
        "SCM_CREDENTIALS with another uid",
    );
    let tcp = Socket::new(AF_INET, SOCK_STREAM, 0).unwrap();
    expect_errno(
        tcp.setsockopt(SOL_SOCKET, SO_PASSCRED, 1),
        EOPNOTSUPP,
        "SO_PASSCRED on a TCP socket",
    );
    let field = |i: usize| u32::from_ne_bytes(cred[i..i + 4].try_into().unwrap());
    println!("peercred uid={} gid={}", field(4), field(8));
}

fn limit() {
    // Four sockets held; the limit is five.
    let (a, b) = socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
    let (x, y) = socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
    b.settimeout(Some(10.0)).unwrap();
    send_fds(&a, &[b"1"], &[x.fileno()], 0, None).unwrap();
    let (_, fds, flags, _) = recv_fds(&b, 10, 4, 0).unwrap();
    assert_eq!((fds.len(), flags), (1, 0), "the fifth socket fits");
    let fifth = Socket::from_fileno(fds[0]).unwrap();
    send_fds(&a, &[b"2"], &[x.fileno()], 0, None).unwrap();
    let (data, fds, flags, _) = recv_fds(&b, 10, 4, 0).unwrap();
    assert_eq!(data, b"2");
    assert!(fds.is_empty(), "{fds:?}");
    assert_ne!(flags & MSG_CTRUNC, 0);
    println!("ok: a sixth socket is not delivered: MSG_CTRUNC");
    drop((x, fifth));
    assert!(peer_closed(&y), "the socket over the limit was closed");
    println!("ok: and it was closed");
}

fn connect(path: &str) -> Socket {
    let s = Socket::new(AF_UNIX, SOCK_STREAM, 0).unwrap();
    s.settimeout(Some(20.0)).unwrap();
    s.connect(capsock::Address::Unix(path.as_bytes().to_vec()))
        .expect("connect");
    s
}

fn from_native(path: &str) {
    let conn = connect(path);
    let (data, fds, flags, _) = recv_fds(&conn, 64, 8, 0).unwrap();
    // The pipe is no socket: closed by the host, and the message says MSG_CTRUNC.
    println!(
        "got {:?}, {} sockets, MSG_CTRUNC {}",
        String::from_utf8_lossy(&data),
        fds.len(),
        flags & MSG_CTRUNC != 0
    );
    for fd in fds {
        let s = Socket::from_fileno(fd).unwrap();
        s.settimeout(Some(20.0)).unwrap();
        // Family, type and protocol are the passed socket's own (SO_PROTOCOL).
        let family = if s.family() == AF_UNIX {
            assert_eq!((s.type_(), s.proto()), (SOCK_STREAM, 0));
            "AF_UNIX"
        } else {
            assert_eq!((s.type_(), s.proto()), (SOCK_STREAM, IPPROTO_TCP));
            "AF_INET"
        };
        s.sendall(format!("hello over the passed {family} socket\n").as_bytes())
            .unwrap();
    }
}

fn to_native(path: &str) {
    let conn = connect(path);
    let (mine, theirs) = socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
    mine.settimeout(Some(20.0)).unwrap();
    send_fds(&conn, &[b"take this"], &[theirs.fileno()], 0, None).unwrap();
    drop(theirs);
    mine.sendall(b"ping\n").unwrap();
    println!("native answered {}", read_line(&mine).trim());
}

fn abandon(how: &str) {
    let (a, b) = socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
    let (c, d) = socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
    let tcp = Socket::new(AF_INET, SOCK_STREAM, 0).unwrap();
    // In flight, in a queue nobody reads.
    send_fds(&a, &[b"in flight"], &[c.fileno(), tcp.fileno()], 0, None).unwrap();
    // A cycle: c's and d's own ends queued on d.
    send_fds(&c, &[b"cycle"], &[c.fileno(), d.fileno()], 0, None).unwrap();
    // Received, never taken.
    send_fds(&b, &[b"x"], &[tcp.fileno()], 0, None).unwrap();
    let (_, fds, _, _) = recv_fds(&a, 10, 4, 0).unwrap();
    assert_eq!(fds.len(), 1);
    // Detached by the guest itself.
    let mut e = Socket::new(AF_INET, SOCK_DGRAM, 0).unwrap();
    assert!(e.detach() >= 0);
    // An epoll instance with a socket registered, never closed.
    let ep = capsock::Epoll::new().unwrap();
    ep.register(&tcp, capsock::EPOLLIN).unwrap();
    // Held, and never dropped.
    std::mem::forget((c, d, tcp, ep));
    println!("abandoned");
    match how {
        "exit" => std::process::exit(0),
        "trap" => panic!("a guest that traps with sockets open"),
        "block" => {
            let (_quiet, waits) = socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
            let _ = waits.recv(1);
            unreachable!("nothing is ever sent to it");
        }
        other => panic!("unknown way to end {other:?}"),
    }
}

fn main() {
    let args = capsock_test_guests::args();
    match args[0].as_str() {
        "local" => local(),
        "limit" => limit(),
        "from-native" => from_native(&args[1]),
        "to-native" => to_native(&args[1]),
        "abandon" => abandon(&args[1]),
        other => panic!("unknown mode {other:?}"),
    }
}
