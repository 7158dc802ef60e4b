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
//! - `bind`: bind to ADDR.
//!
//! Output: `OP PROTO ADDR -> ok` or `OP PROTO ADDR -> errno N: MESSAGE`.
use capsock::{AF_INET, AF_INET6, SOCK_DGRAM, SOCK_STREAM, Socket};

fn run(op: &str, proto: &str, addr: &str) -> capsock::Result<()> {
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
