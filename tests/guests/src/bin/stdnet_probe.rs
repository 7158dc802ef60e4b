//! Plain Rust `std::net` (wasi:sockets, no capsock) under the host's policy: runs the
//! operations named in argv and prints one line per operation with its outcome (`ok`, or the
//! `std::io::ErrorKind`), for the runner to check.
//!
//! Each argument is `OP ADDR`:
//! - `tcp ADDR`: `TcpStream::connect`, then send a message and check its echo;
//! - `udp ADDR`: `UdpSocket::bind` on the wildcard address, `send_to` ADDR, check the echo;
//! - `listen ADDR`: `TcpListener::bind` ADDR, then accept one connection, print the peer's IP
//!   and echo one message (the runner connects as the client);
//! - `bind ADDR`: `TcpListener::bind` ADDR only;
//! - `resolve HOST:PORT`: look HOST up (`ToSocketAddrs`, wasi-libc's `getaddrinfo`): `ok` if
//!   the answer includes 127.0.0.1:PORT, else the addresses;
//! - `tcpname HOST:PORT`: `TcpStream::connect("HOST:PORT")` (a lookup, then a connect to an
//!   address it gave), then send a message and check its echo.
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::time::Duration;

const TIMEOUT: Option<Duration> = Some(Duration::from_secs(10));

/// Sends a message on `s` and checks that the echo server returns it.
fn echo(mut s: TcpStream, what: &str) -> io::Result<String> {
    s.set_read_timeout(TIMEOUT)?;
    let msg = format!("std tcp {what}");
    s.write_all(msg.as_bytes())?;
    let mut got = vec![0u8; msg.len()];
    s.read_exact(&mut got)?;
    assert_eq!(got, msg.as_bytes(), "echo differs");
    Ok("ok".to_owned())
}

/// The ops whose argument is a host name and port, looked up by the guest.
fn run_named(op: &str, host_port: &str) -> io::Result<String> {
    match op {
        "resolve" => {
            let addrs: Vec<SocketAddr> = host_port.to_socket_addrs()?.collect();
            let port = host_port.rsplit_once(':').expect("HOST:PORT").1;
            let want: SocketAddr = format!("127.0.0.1:{port}").parse().expect("a port");
            if addrs.contains(&want) {
                Ok("ok".to_owned())
            } else {
                Ok(format!("{addrs:?}"))
            }
        }
        "tcpname" => echo(TcpStream::connect(host_port)?, host_port),
        other => panic!("unknown op {other:?}"),
    }
}

fn run(op: &str, addr: SocketAddr) -> io::Result<String> {
    match op {
        "tcp" => echo(TcpStream::connect(addr)?, &addr.to_string()),
        "udp" => {
            let local = if addr.is_ipv6() {
                "[::]:0"
            } else {
                "0.0.0.0:0"
            };
            let s = UdpSocket::bind(local)?;
            // wasi-libc has no SO_RCVTIMEO for UDP sockets (ENOPROTOOPT); without it the wait
            // for the echo is bounded by the runner's time limit instead.
            let _ = s.set_read_timeout(TIMEOUT);
            let msg = format!("std udp {addr}");
            assert_eq!(s.send_to(msg.as_bytes(), addr)?, msg.len());
            let mut buf = [0u8; 2048];
            let (n, from) = s.recv_from(&mut buf)?;
            assert_eq!(&buf[..n], msg.as_bytes(), "echo differs");
            assert_eq!(from, addr, "the echo comes from the server");
            Ok("ok".to_owned())
        }
        "bind" => {
            TcpListener::bind(addr)?;
            Ok("ok".to_owned())
        }
        "listen" => {
            let l = TcpListener::bind(addr)?;
            let (mut conn, peer) = l.accept()?;
            conn.set_read_timeout(TIMEOUT)?;
            let mut buf = [0u8; 64];
            let n = conn.read(&mut buf)?;
            conn.write_all(&buf[..n])?;
            Ok(format!("ok, accepted {}", peer.ip()))
        }
        other => panic!("unknown op {other:?}"),
    }
}

fn main() {
    for spec in capsock_test_guests::args() {
        let (op, addr) = spec.split_once(' ').expect("OP ADDR");
        let result = match op {
            "resolve" | "tcpname" => run_named(op, addr),
            _ => run(op, addr.parse().expect("a numeric socket address")),
        };
        match result {
            Ok(text) => println!("{spec} -> {text}"),
            // The kind only: raw errnos here are WASI's numbering, not Linux's.
            Err(e) => println!("{spec} -> {:?}", e.kind()),
        }
    }
}
