//! What the suite needs of the machine, asserted rather than assumed: a test that silently
//! passes where IPv6 is missing proves nothing, so its absence fails here, with the reason.

use std::io::{Read, Write};
use std::net::{Ipv6Addr, TcpListener, TcpStream, UdpSocket};

/// IPv6 loopback works: TCP and UDP on `[::1]`, both ways.
#[test]
fn ipv6_loopback_exists() {
    let listener = TcpListener::bind((Ipv6Addr::LOCALHOST, 0))
        .expect("bind [::1]: this machine has no IPv6 loopback, which the suite needs");
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut server, peer) = listener.accept().unwrap();
    assert_eq!(peer.ip(), Ipv6Addr::LOCALHOST);
    client.write_all(b"v6").unwrap();
    let mut got = [0; 2];
    server.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"v6");

    let a = UdpSocket::bind((Ipv6Addr::LOCALHOST, 0)).unwrap();
    let b = UdpSocket::bind((Ipv6Addr::LOCALHOST, 0)).unwrap();
    a.send_to(b"dgram", b.local_addr().unwrap()).unwrap();
    let mut buf = [0; 16];
    let (n, from) = b.recv_from(&mut buf).unwrap();
    assert_eq!((&buf[..n], from), (&b"dgram"[..], a.local_addr().unwrap()));
}
