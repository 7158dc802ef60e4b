//! A UDP socket connected after datagrams queued must not hand over the ones from senders no
//! rule admits (the kernel keeps them queued through the connect).
//!
//! argv: `DOOR PEER_PORT`, DOOR `capsock` or `std`. The guest binds `127.0.0.1:0`, sends
//! `ready` to `127.0.0.1:PEER_PORT`, waits until a datagram is queued (capsock: `select`; std:
//! a short sleep is not needed, see below), connects to the peer and receives: the runner has
//! sent `evil` from 127.0.0.2 and then `go` from the peer, so the guest must print `got: go`.
use std::net::UdpSocket;

use capsock::{AF_INET, SOCK_DGRAM, Socket, select};

fn main() {
    let args = capsock_test_guests::args();
    let peer: u16 = args[1].parse().unwrap();
    let got = match args[0].as_str() {
        "capsock" => {
            let s = Socket::new(AF_INET, SOCK_DGRAM, 0).unwrap();
            s.bind(("127.0.0.1", 0)).unwrap();
            s.sendto(b"ready", ("127.0.0.1", peer)).unwrap();
            // Readable: `evil` is queued (the runner sends it before `go`).
            let ready = select(&[&s], &[], &[], Some(10.0)).unwrap();
            assert_eq!(ready.0.len(), 1, "nothing arrived");
            s.connect(("127.0.0.1", peer)).unwrap();
            s.settimeout(Some(10.0)).unwrap();
            s.recv(64).unwrap()
        }
        "std" => {
            let s = UdpSocket::bind("127.0.0.1:0").unwrap();
            s.send_to(b"ready", ("127.0.0.1", peer)).unwrap();
            // Wait until both datagrams are queued, so that `evil` is in the queue at connect.
            std::thread::sleep(std::time::Duration::from_millis(500));
            s.connect(("127.0.0.1", peer)).unwrap();
            // (No read timeout: wasi:sockets has none for UDP; `host run --timeout` bounds it.)
            let mut buf = [0u8; 64];
            let n = s.recv(&mut buf).unwrap();
            buf[..n].to_vec()
        }
        other => panic!("unknown door {other:?}"),
    };
    println!("got: {}", String::from_utf8_lossy(&got));
}
