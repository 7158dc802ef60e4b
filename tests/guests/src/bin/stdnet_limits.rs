//! Socket limit across both doors: run under `--max-sockets 3`, with rules allowing TCP binds,
//! connects and accepts and UDP binds on 127.0.0.1. One count bounds the sockets the guest holds
//! through Rust's `std::net` (wasi:sockets) and through capsock together; closing a socket in
//! either door frees its slot.
//!
//! 1. `std::net` holds a listener, a UDP socket and a client connected to the listener (3);
//!    a 4th socket (UDP or TCP), an accept, and a capsock socket are refused with `EMFILE`.
//! 2. Dropping the UDP socket lets the listener accept the queued connection; the two ends
//!    exchange a message; the limit holds again.
//! 3. Dropping the accepted connection lets capsock open a socket, which keeps `std::net` at
//!    the limit until it is closed.
//! 4. capsock's door: a listener and a client (2) plus a `std::net` UDP socket (3); capsock's
//!    accept is refused with `EMFILE` until the `std::net` socket is dropped.
//!
//! Each refusal prints a line naming it; anything else unexpected panics.
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};

use capsock::errno::EMFILE;
use capsock::{AF_INET, Address, SOCK_STREAM, Socket};

/// WASI's `EMFILE` (wasi-libc's errno numbering: `__WASI_ERRNO_MFILE`), which wasi-libc reports
/// for wasi:sockets' `new-socket-limit`.
const WASI_EMFILE: i32 = 33;

const MESSAGE: &[u8] = b"limits";

/// Checks that a `std::net` operation was refused with `EMFILE`, and says so.
fn refused<T>(what: &str, result: io::Result<T>) {
    match result {
        Err(e) if e.raw_os_error() == Some(WASI_EMFILE) => println!("{what}: EMFILE"),
        Err(e) => panic!("{what}: expected EMFILE, got {e:?}"),
        Ok(_) => panic!("{what}: expected EMFILE, but it succeeded"),
    }
}

/// Checks that a capsock operation was refused with `EMFILE`, and prints its message.
fn capsock_refused<T>(what: &str, result: capsock::Result<T>) {
    match result {
        Err(e) if e.errno() == Some(EMFILE) => {
            println!(
                "{what}: errno {EMFILE} {}: {}",
                e.python_class(),
                e.strerror()
            )
        }
        Err(e) => panic!("{what}: expected EMFILE, got {e:?}"),
        Ok(_) => panic!("{what}: expected EMFILE, but it succeeded"),
    }
}

fn loopback_any() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

fn main() {
    // 1. std::net at the limit.
    let listener = TcpListener::bind(loopback_any()).expect("std listener");
    let addr = listener.local_addr().expect("listener address");
    let udp = UdpSocket::bind(loopback_any()).expect("std udp socket");
    let mut client = TcpStream::connect(addr).expect("std client");
    println!("ok: 3 std sockets open");
    refused("std udp socket 4", UdpSocket::bind(loopback_any()));
    refused("std tcp socket 4", TcpStream::connect(addr));
    refused("std accept", listener.accept());
    capsock_refused("capsock socket 4", Socket::new(AF_INET, SOCK_STREAM, 0));

    // 2. A slot freed by drop: the queued connection is accepted.
    drop(udp);
    let (mut conn, peer) = listener.accept().expect("accept after drop");
    assert_eq!(peer, client.local_addr().expect("client address"));
    println!("ok: accept after drop");
    client.write_all(MESSAGE).expect("client sends");
    let mut got = [0u8; MESSAGE.len()];
    conn.read_exact(&mut got).expect("server receives");
    conn.write_all(&got).expect("server echoes");
    client.read_exact(&mut got).expect("client receives");
    assert_eq!(got, MESSAGE);
    println!("ok: exchanged");
    refused(
        "std udp socket at the limit",
        UdpSocket::bind(loopback_any()),
    );

    // 3. A slot freed in the std door, taken in capsock's.
    drop(conn);
    let mut theirs = Socket::new(AF_INET, SOCK_STREAM, 0).expect("capsock socket after drop");
    println!("ok: capsock socket after std drop");
    refused("std udp socket beside it", UdpSocket::bind(loopback_any()));
    theirs.close();
    let udp = UdpSocket::bind(loopback_any()).expect("std socket after capsock close");
    println!("ok: std socket after capsock close");
    drop((listener, client, udp));

    // 4. capsock's accept at the limit.
    let server = Socket::new(AF_INET, SOCK_STREAM, 0).expect("capsock listener");
    server.bind(loopback_any()).expect("capsock bind");
    server.listen(None).expect("capsock listen");
    let Address::Inet(host, port) = server.getsockname().expect("capsock listener address") else {
        panic!("an AF_INET listener has an AF_INET address");
    };
    let caller = Socket::new(AF_INET, SOCK_STREAM, 0).expect("capsock client");
    caller
        .connect((host.as_str(), port))
        .expect("capsock connect");
    let udp = UdpSocket::bind(loopback_any()).expect("std udp socket 3");
    capsock_refused("capsock accept", server.accept());
    drop(udp);
    let (accepted, _) = server.accept().expect("capsock accept after std drop");
    println!("ok: capsock accept after std drop");
    drop((accepted, caller, server));
}
