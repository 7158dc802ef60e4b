//! Policy probe: runs the socket operations named in argv (connect, echo, sendto, bind) through
//! capsock and prints one line per operation with its outcome, for the runner to check
//! against the policy it gave.
//!
//! Each argument is `OP PROTO ADDR`, e.g. `echo tcp 127.0.0.1:8000`, `connect udp [::1]:53`,
//! `sendto udp 127.0.0.1:9`, `bind tcp 127.0.0.1:8001`. The socket's family follows the address
//! (`[…]` is `AF_INET6`, so `[::ffff:127.0.0.2]:80` is an IPv6 socket). Ops:
//! - `connect`: connect only;
//! - `echo`: connect, send a message, and check that the echo server sends it back;
//! - `sendto`: one datagram to ADDR on an unbound socket, then wait (5 s) for its echo;
//! - `bind`: bind to ADDR;
//! - `accept tcp 127.0.0.1:PORT`: listen on ADDR, connect a client bound to 127.0.0.2 and then
//!   one from 127.0.0.1, and accept: `ok` when the connection accepted is the one from
//!   127.0.0.1 and the one from 127.0.0.2 was reset (the host refuses peers no `accept` rule
//!   allows before the guest sees them);
//! - `recv udp 127.0.0.1:PORT`: bind ADDR, receive a datagram sent first from a socket bound to
//!   127.0.0.2, then one from 127.0.0.1: `ok` when the one received is from 127.0.0.1 (the host
//!   drops datagrams from senders no `recv` rule allows);
//! - `resolve name HOST`: `getaddrinfo(HOST, 80, AF_INET, SOCK_STREAM)`.
//!
//! Output: `OP PROTO ADDR -> ok` or `OP PROTO ADDR -> errno N: MESSAGE`.
use capsock::errno::ECONNRESET;
use capsock::{AF_INET, AF_INET6, SOCK_DGRAM, SOCK_STREAM, Socket};

/// Connects a TCP client to `target` from `source` (`None`: the kernel's choice).
fn client(source: Option<&str>, target: (&str, u16)) -> capsock::Result<Socket> {
    let c = Socket::new(AF_INET, SOCK_STREAM, 0)?;
    c.settimeout(Some(10.0))?;
    if let Some(source) = source {
        c.bind((source, 0))?;
    }
    c.connect(target)?;
    Ok(c)
}

/// `accept`: of a client from 127.0.0.2 and then one from 127.0.0.1, only the second reaches
/// the guest.
fn accept(listener: &Socket, target: (&str, u16)) -> capsock::Result<()> {
    listener.bind(target)?;
    listener.listen(None)?;
    let refused = client(Some("127.0.0.2"), target)?;
    let _allowed = client(None, target)?;
    let (_conn, peer) = listener.accept()?;
    assert_eq!(peer.host(), Some("127.0.0.1"), "the peer accepted");
    match refused.recv(16) {
        Ok(data) => assert!(data.is_empty(), "the refused client got data"),
        Err(e) => assert_eq!(e.errno(), Some(ECONNRESET), "{e}"),
    }
    Ok(())
}

/// `recv`: of a datagram from 127.0.0.2 and then one from 127.0.0.1, only the second reaches
/// the guest.
fn recv(receiver: &Socket, target: (&str, u16)) -> capsock::Result<()> {
    receiver.bind(target)?;
    let refused = Socket::new(AF_INET, SOCK_DGRAM, 0)?;
    refused.bind(("127.0.0.2", 0))?;
    refused.sendto(b"from 127.0.0.2", target)?;
    let allowed = Socket::new(AF_INET, SOCK_DGRAM, 0)?;
    allowed.sendto(b"from 127.0.0.1", target)?;
    let (data, from) = receiver.recvfrom(64)?;
    assert_eq!(from.as_ref().and_then(|a| a.host()), Some("127.0.0.1"));
    assert_eq!(data, b"from 127.0.0.1");
    Ok(())
}

fn run(op: &str, proto: &str, addr: &str) -> capsock::Result<()> {
    if op == "resolve" {
        capsock::getaddrinfo(addr, 80, AF_INET, SOCK_STREAM, 0, 0)?;
        return Ok(());
    }
    let (host, port) = capsock_test_guests::host_port(addr);
    let family = if addr.starts_with('[') {
        AF_INET6
    } else {
        AF_INET
    };
    let kind = match proto {
        "tcp" => SOCK_STREAM,
        "udp" => SOCK_DGRAM,
        other => panic!("unknown protocol {other:?}"),
    };
    let s = Socket::new(family, kind, 0)?;
    s.settimeout(Some(10.0))?;
    let target = (host.as_str(), port);
    match op {
        "connect" => s.connect(target),
        "bind" => s.bind(target),
        "echo" => {
            s.connect(target)?;
            let msg = format!("hello {addr}");
            s.sendall(msg.as_bytes())?;
            let mut got = Vec::new();
            while got.len() < msg.len() {
                let chunk = s.recv(1024)?;
                assert!(!chunk.is_empty(), "echo server closed early");
                got.extend_from_slice(&chunk);
            }
            assert_eq!(got, msg.as_bytes(), "echo differs");
            Ok(())
        }
        "accept" => accept(&s, target),
        "recv" => recv(&s, target),
        "sendto" => {
            let msg = format!("datagram {addr}");
            let n = s.sendto(msg.as_bytes(), target)?;
            assert_eq!(n, msg.len());
            let (got, _from) = s.recvfrom(2048)?;
            assert_eq!(got, msg.as_bytes(), "echo differs");
            Ok(())
        }
        other => panic!("unknown op {other:?}"),
    }
}

fn main() {
    for spec in capsock_test_guests::args() {
        let parts: Vec<&str> = spec.split(' ').collect();
        let [op, proto, addr] = parts[..] else {
            panic!("bad probe {spec:?}: expected OP PROTO ADDR");
        };
        match run(op, proto, addr) {
            Ok(()) => println!("{spec} -> ok"),
            Err(e) => println!(
                "{spec} -> errno {}: {}",
                e.errno().map_or("none".to_owned(), |n| n.to_string()),
                e.strerror()
            ),
        }
    }
}
