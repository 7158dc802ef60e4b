//! One row of the policy decision table per argument, through one door: argv is `DOOR ROW…`,
//! DOOR `std` (Rust `std::net`, wasi:sockets) or `capsock` (capsock's socket API), each ROW
//! `OP PROTO HOST PORT`:
//! - `connect tcp HOST PORT`: connect (2 s timeout);
//! - `send udp HOST PORT`: one datagram from an unbound socket;
//! - `bind tcp|udp HOST PORT`: bind.
//!
//! HOST is resolved by the door first (a name, or a numeric form the C library reads, such as
//! `127.1`), and the first address is used. Each row prints `ROW -> ok`, `ROW -> denied: WHY`
//! (capsock's message; std::net only learns `PermissionDenied`, so its WHY is empty: the
//! runner reads the host's audit log) or `ROW -> KIND`, the `std::io::ErrorKind` of another
//! failure, the same words for both doors.
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::time::Duration;

use capsock::{AF_UNSPEC, SOCK_DGRAM, SOCK_STREAM, Socket};

fn std_row(op: &str, proto: &str, host: &str, port: u16) -> io::Result<()> {
    let addr = (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::other("no address"))?;
    match (op, proto) {
        ("connect", "tcp") => TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map(drop),
        ("send", "udp") => {
            let any: SocketAddr = match addr {
                SocketAddr::V4(_) => "0.0.0.0:0".parse().unwrap(),
                SocketAddr::V6(_) => "[::]:0".parse().unwrap(),
            };
            UdpSocket::bind(any)?.send_to(b"row", addr).map(drop)
        }
        ("bind", "tcp") => TcpListener::bind(addr).map(drop),
        ("bind", "udp") => UdpSocket::bind(addr).map(drop),
        _ => panic!("unknown row {op} {proto}"),
    }
}

fn capsock_row(op: &str, proto: &str, host: &str, port: u16) -> capsock::Result<()> {
    let kind = if proto == "tcp" {
        SOCK_STREAM
    } else {
        SOCK_DGRAM
    };
    let infos = capsock::getaddrinfo(host, port, AF_UNSPEC, kind, 0, 0)?;
    let (family, _, _, _, addr) = infos.into_iter().next().expect("an address");
    let s = Socket::new(family, kind, 0)?;
    s.settimeout(Some(2.0))?;
    match op {
        "connect" => s.connect(addr),
        "send" => s.sendto(b"row", addr).map(drop),
        "bind" => s.bind(addr),
        _ => panic!("unknown row {op} {proto}"),
    }
}

fn main() {
    let args = capsock_test_guests::args();
    let door = args[0].as_str();
    for row in &args[1..] {
        let parts: Vec<&str> = row.split(' ').collect();
        let [op, proto, host, port] = parts[..] else {
            panic!("bad row {row:?}: expected OP PROTO HOST PORT");
        };
        let port: u16 = port.parse().expect("port");
        let outcome = match door {
            "std" => match std_row(op, proto, host, port) {
                Ok(()) => "ok".to_owned(),
                Err(e) if e.kind() == io::ErrorKind::PermissionDenied => "denied: ".to_owned(),
                Err(e) => format!("{:?}", e.kind()),
            },
            "capsock" => match capsock_row(op, proto, host, port) {
                Ok(()) => "ok".to_owned(),
                Err(e) if e.errno() == Some(capsock::errno::EACCES) => {
                    format!("denied: {}", e.strerror())
                }
                Err(e) => format!("{:?}", e.kind()),
            },
            other => panic!("unknown door {other:?}"),
        };
        println!("{row} -> {outcome}");
    }
}
