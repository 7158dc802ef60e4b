//! A UDP socket connected after datagrams queued must not hand over the ones from senders no
//! rule admits (the kernel keeps them queued through the connect).
//!
//! argv: `DOOR PEER_PORT`, DOOR `capsock` or `std`. The guest binds a socket to `127.0.0.1:0`
//! and sends `ready` from it to `127.0.0.1:PEER_PORT`, and `control` from a second socket. The
//! runner sends `evil` from 127.0.0.2 and then `go` from the peer to the first, sees both in
//! the kernel's queue, and says `queued` to the second. Only then does the guest connect the
//! first to the peer and receive: it must print `got: go`.
use std::net::UdpSocket;

use capsock::{AF_INET, SOCK_DGRAM, Socket};

fn main() {
    let args = capsock_test_guests::args();
    let peer: u16 = args[1].parse().unwrap();
    let got = match args[0].as_str() {
        "capsock" => {
            let s = Socket::new(AF_INET, SOCK_DGRAM, 0).unwrap();
            s.bind(("127.0.0.1", 0)).unwrap();
            let control = Socket::new(AF_INET, SOCK_DGRAM, 0).unwrap();
            control.bind(("127.0.0.1", 0)).unwrap();
            s.sendto(b"ready", ("127.0.0.1", peer)).unwrap();
            control.sendto(b"control", ("127.0.0.1", peer)).unwrap();
            control.settimeout(Some(30.0)).unwrap();
            assert_eq!(control.recv(64).unwrap(), b"queued");
            s.connect(("127.0.0.1", peer)).unwrap();
            s.settimeout(Some(10.0)).unwrap();
            s.recv(64).unwrap()
        }
        "std" => {
            let s = UdpSocket::bind("127.0.0.1:0").unwrap();
            let control = UdpSocket::bind("127.0.0.1:0").unwrap();
            s.send_to(b"ready", ("127.0.0.1", peer)).unwrap();
            control.send_to(b"control", ("127.0.0.1", peer)).unwrap();
            // (No read timeouts: wasi:sockets has none for UDP; `host run --timeout` bounds
            // them.)
            let mut buf = [0u8; 64];
            let (n, _) = control.recv_from(&mut buf).unwrap();
            assert_eq!(&buf[..n], b"queued");
            s.connect(("127.0.0.1", peer)).unwrap();
            let n = s.recv(&mut buf).unwrap();
            buf[..n].to_vec()
        }
        other => panic!("unknown door {other:?}"),
    };
    println!("got: {}", String::from_utf8_lossy(&got));
}
