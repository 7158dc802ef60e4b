//! `AF_UNIX` sockets through capsock. argv: `MODE …`:
//! - `pairs`: `socketpair(AF_UNIX, TYPE)` for SOCK_STREAM, SOCK_DGRAM and SOCK_SEQPACKET: both
//!   ends exchange messages; their names are unnamed (`''`).
//! - `connect PATH`: connects to the native echo server at PATH (a path, or `@name` for an
//!   abstract name), sends a line, checks the echo, and prints the server's name.
//! - `serve PATH`: binds PATH, listens, prints `listening NAME` (its `getsockname`), accepts
//!   one client, echoes one line, prints `served`.
//! - `datagrams NAME`: binds a datagram socket to NAME, then an unbound one sends it a
//!   datagram with `sendmsg` (two buffers) and one with `sendto`; prints what arrived.
//! - `try PATH…`: connects to each PATH and prints `PATH -> ok` or `PATH -> denied: MESSAGE` or
//!   `PATH -> KIND`.
use capsock::errno::EACCES;
use capsock::{AF_UNIX, Address, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, Socket, socketpair};

fn address(arg: &str) -> Address {
    match arg.strip_prefix('@') {
        Some(name) => {
            let mut bytes = vec![0u8];
            bytes.extend_from_slice(name.as_bytes());
            Address::Unix(bytes)
        }
        None => Address::Unix(arg.as_bytes().to_vec()),
    }
}

fn shown(addr: &Address) -> String {
    match addr {
        Address::Unix(bytes) if bytes.is_empty() => "''".to_owned(),
        Address::Unix(bytes) if bytes[0] == 0 => {
            format!("@{}", String::from_utf8_lossy(&bytes[1..]))
        }
        Address::Unix(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        other => format!("{other:?}"),
    }
}

fn read_line(s: &Socket) -> Vec<u8> {
    let mut line = Vec::new();
    while !line.ends_with(b"\n") {
        let chunk = s.recv(256).expect("recv");
        assert!(!chunk.is_empty(), "closed early");
        line.extend_from_slice(&chunk);
    }
    line
}

fn main() {
    let args = capsock_test_guests::args();
    match args[0].as_str() {
        "pairs" => {
            for (name, kind) in [
                ("SOCK_STREAM", SOCK_STREAM),
                ("SOCK_DGRAM", SOCK_DGRAM),
                ("SOCK_SEQPACKET", SOCK_SEQPACKET),
            ] {
                let (a, b) = socketpair(AF_UNIX, kind, 0).expect("socketpair");
                a.sendall(b"ping").unwrap();
                assert_eq!(b.recv(16).unwrap(), b"ping");
                b.sendall(b"pong").unwrap();
                assert_eq!(a.recv(16).unwrap(), b"pong");
                if kind != SOCK_STREAM {
                    // Message boundaries are kept.
                    a.sendall(b"one").unwrap();
                    a.sendall(b"two").unwrap();
                    assert_eq!(b.recv(16).unwrap(), b"one");
                    assert_eq!(b.recv(16).unwrap(), b"two");
                } else {
                    a.shutdown(capsock::SHUT_WR).unwrap();
                    assert_eq!(b.recv(16).unwrap(), b"");
                }
                println!(
                    "{name}: ok, names {} {}, peer {}",
                    shown(&a.getsockname().unwrap()),
                    shown(&b.getsockname().unwrap()),
                    shown(&a.getpeername().unwrap())
                );
            }
        }
        "connect" => {
            let s = Socket::new(AF_UNIX, SOCK_STREAM, 0).unwrap();
            s.settimeout(Some(20.0)).unwrap();
            s.connect(address(&args[1])).expect("connect");
            s.sendall(b"hello unix\n").unwrap();
            assert_eq!(read_line(&s), b"hello unix\n");
            println!("connected to {}: echoed", shown(&s.getpeername().unwrap()));
        }
        "serve" => {
            let s = Socket::new(AF_UNIX, SOCK_STREAM, 0).unwrap();
            s.bind(address(&args[1])).expect("bind");
            s.listen(None).unwrap();
            s.settimeout(Some(20.0)).unwrap();
            println!("listening {}", shown(&s.getsockname().unwrap()));
            let (conn, peer) = s.accept().expect("accept");
            conn.settimeout(Some(20.0)).unwrap();
            let line = read_line(&conn);
            conn.sendall(&line).unwrap();
            println!(
                "served {} from {}",
                String::from_utf8_lossy(&line).trim(),
                shown(&peer)
            );
        }
        "datagrams" => {
            let to = address(&args[1]);
            let r = Socket::new(AF_UNIX, SOCK_DGRAM, 0).unwrap();
            r.bind(to.clone()).expect("bind");
            let s = Socket::new(AF_UNIX, SOCK_DGRAM, 0).unwrap();
            let sent = s.sendmsg(&[b"via ", b"sendmsg"], &[], 0, Some(to.clone()));
            assert_eq!(sent.expect("sendmsg"), 11);
            assert_eq!(s.sendto(b"via sendto", to).expect("sendto"), 10);
            r.settimeout(Some(10.0)).unwrap();
            for _ in 0..2 {
                let (data, from) = r.recvfrom(100).expect("recvfrom");
                println!("{} from {from:?}", String::from_utf8_lossy(&data));
            }
        }
        "try" => {
            for path in &args[1..] {
                let s = Socket::new(AF_UNIX, SOCK_STREAM, 0).unwrap();
                let outcome = match s.connect(address(path)) {
                    Ok(()) => "ok".to_owned(),
                    Err(e) if e.errno() == Some(EACCES) => format!("denied: {}", e.strerror()),
                    Err(e) => format!("{:?}", e.kind()),
                };
                println!("{path} -> {outcome}");
            }
        }
        other => panic!("unknown mode {other:?}"),
    }
}
