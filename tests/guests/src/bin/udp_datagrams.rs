//! UDP datagrams through every send/receive call: sendto/recvfrom, bind + getsockname,
//! connect/send/recv, recvfrom_into, MSG_PEEK, MSG_DONTWAIT, MSG_TRUNC, sendmsg gather and
//! destination, recvmsg, recvmsg_into scatter, IP(V6)_PKTINFO and TTL/hop-limit ancillary data,
//! a refused SCM_RIGHTS item, ECONNREFUSED from a closed port, and SO_BROADCAST.
//!
//! argv: `ECHO_HOST:PORT CLOSED_PORT`, where ECHO is a native UDP echo peer that must see
//! exactly 11 datagrams, and CLOSED_PORT has nothing bound on the same host.
use capsock::errno::{EAGAIN, EBADF, ECONNREFUSED};
use capsock::{
    AF_INET, AF_INET6, Address, CMSG_SPACE, IP_PKTINFO, IP_TTL, IPPROTO_IP, IPPROTO_IPV6,
    IPV6_HOPLIMIT, IPV6_PKTINFO, IPV6_RECVPKTINFO, MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC, SCM_RIGHTS,
    SO_BROADCAST, SOCK_DGRAM, SOL_SOCKET, Socket,
};

fn main() {
    let args = capsock_test_guests::args();
    let (host, port) = capsock_test_guests::host_port(&args[0]);
    let closed: u16 = args[1].parse().expect("closed port");
    let v6 = host.contains(':');
    let family = if v6 { AF_INET6 } else { AF_INET };
    let addr = |port: u16| {
        if v6 {
            Address::Inet6(host.clone(), port, 0, 0)
        } else {
            Address::Inet(host.clone(), port)
        }
    };
    let peer = addr(port);
    let udp = || {
        let s = Socket::new(family, SOCK_DGRAM, 0).expect("socket");
        s.settimeout(Some(10.0)).expect("settimeout");
        s
    };

    // 1. sendto / recvfrom on an unbound socket (implicit bind).
    let s = udp();
    assert_eq!(s.sendto(b"one", peer.clone()).expect("sendto"), 3);
    let (data, from) = s.recvfrom(100).expect("recvfrom");
    assert_eq!(data, b"one");
    assert_eq!(from.as_ref(), Some(&peer), "recvfrom reports the peer");
    println!("ok: sendto/recvfrom from {}", from.unwrap());
    let implicit = s.getsockname().expect("getsockname");
    assert_eq!(implicit.host(), Some(if v6 { "::" } else { "0.0.0.0" }));
    assert_ne!(implicit.port(), Some(0));
    println!("ok: implicit bind to the wildcard address");

    // 2. bind to port 0, getsockname.
    let b = udp();
    b.bind(addr(0)).expect("bind");
    let name = b.getsockname().expect("getsockname");
    assert_eq!(name.host(), Some(host.as_str()));
    assert_ne!(name.port(), Some(0), "the kernel picked a port");
    assert_eq!(b.sendto(b"two", peer.clone()).expect("sendto"), 3);
    let (data, from) = b.recvfrom(100).expect("recvfrom");
    assert_eq!((data.as_slice(), from.as_ref()), (&b"two"[..], Some(&peer)));
    println!("ok: bind port 0 + getsockname");

    // 3. connect / send / recv.
    let c = udp();
    c.connect(peer.clone()).expect("connect");
    assert_eq!(c.getpeername().expect("getpeername"), peer);
    assert_eq!(c.send(b"conn").expect("send"), 4);
    assert_eq!(c.recv(100).expect("recv"), b"conn");
    println!("ok: connect/send/recv");

    // 4. recvfrom_into.
    c.send(b"into-buffer").expect("send");
    let mut buf = [0u8; 64];
    let (n, from) = c.recvfrom_into(&mut buf).expect("recvfrom_into");
    assert_eq!(
        (&buf[..n], from.as_ref()),
        (&b"into-buffer"[..], Some(&peer))
    );
    println!("ok: recvfrom_into");

    // 5. MSG_PEEK leaves the datagram queued.
    c.send(b"peek").expect("send");
    assert_eq!(c.recv_flags(100, MSG_PEEK).expect("peek"), b"peek");
    assert_eq!(c.recv(100).expect("recv after peek"), b"peek");
    println!("ok: MSG_PEEK");

    // 6. MSG_DONTWAIT with nothing queued.
    let e = c.recv_flags(100, MSG_DONTWAIT).expect_err("nothing queued");
    assert_eq!(e.errno(), Some(EAGAIN), "{e}");
    assert!(e.is_blocking());
    assert_eq!(e.python_class(), "BlockingIOError");
    println!("ok: MSG_DONTWAIT -> EAGAIN");

    // 7. MSG_TRUNC reported by recvmsg with a small bufsize.
    c.send(b"hello world").expect("send");
    let (data, anc, flags, from) = c.recvmsg(4, 0, 0).expect("recvmsg");
    assert_eq!(data, b"hell");
    assert!(anc.is_empty());
    assert_eq!(flags, MSG_TRUNC, "msg_flags");
    assert_eq!(flags, 0x20);
    assert_eq!(from.as_ref(), Some(&peer));
    println!("ok: recvmsg MSG_TRUNC flags {flags:#x}");

    // 8. sendmsg gathers three buffers into one datagram.
    let sent = c
        .sendmsg(&[b"ab", b"cd", b"ef"], &[], 0, None)
        .expect("sendmsg gather");
    assert_eq!(sent, 6);
    assert_eq!(c.recv(100).expect("recv"), b"abcdef");
    println!("ok: sendmsg gather -> one datagram");

    // 9. sendmsg with a destination; recvmsg gives (data, [], 0, address).
    let sent = s
        .sendmsg(&[b"to", b"dest"], &[], 0, Some(peer.clone()))
        .expect("sendmsg to");
    assert_eq!(sent, 6);
    let got = s.recvmsg(100, 0, 0).expect("recvmsg");
    assert_eq!(got, (b"todest".to_vec(), vec![], 0, Some(peer.clone())));
    println!("ok: sendmsg with address + recvmsg tuple");

    // 10. recvmsg_into scatters over two buffers.
    c.send(b"0123456789").expect("send");
    let (mut first, mut second) = ([0u8; 4], [0u8; 10]);
    let (n, anc, flags, from) = c
        .recvmsg_into(&mut [&mut first[..], &mut second[..]], 0, 0)
        .expect("recvmsg_into");
    assert_eq!((n, anc.len(), flags), (10, 0, 0));
    assert_eq!(from.as_ref(), Some(&peer));
    assert_eq!(&first, b"0123");
    assert_eq!(&second[..6], b"456789");
    println!("ok: recvmsg_into scatter");

    // 11. Packet info as ancillary data.
    let (level, set_opt, kind, len) = if v6 {
        (IPPROTO_IPV6, IPV6_RECVPKTINFO, IPV6_PKTINFO, 20)
    } else {
        (IPPROTO_IP, IP_PKTINFO, IP_PKTINFO, 12)
    };
    s.setsockopt(level, set_opt, 1).expect("enable pktinfo");
    assert_eq!(s.getsockopt(level, set_opt).expect("get pktinfo"), 1);
    s.sendto(b"pkt", peer.clone()).expect("sendto");
    let (data, anc, flags, from) = s
        .recvmsg(100, CMSG_SPACE(len).expect("CMSG_SPACE"), 0)
        .expect("recvmsg pktinfo");
    assert_eq!((data.as_slice(), flags), (&b"pkt"[..], 0));
    assert_eq!(from.as_ref(), Some(&peer));
    assert_eq!(anc.len(), 1, "{anc:?}");
    let (alevel, akind, adata) = &anc[0];
    assert_eq!((*alevel, *akind, adata.len()), (level, kind, len));
    if v6 {
        let mut lo = [0u8; 16];
        lo[15] = 1;
        assert_eq!(&adata[..16], &lo, "ipi6_addr is ::1");
    } else {
        assert_eq!(&adata[4..8], &[127, 0, 0, 1], "ipi_spec_dst");
        assert_eq!(&adata[8..12], &[127, 0, 0, 1], "ipi_addr");
    }
    println!(
        "ok: pktinfo ancillary ({alevel}, {akind}, {} bytes)",
        adata.len()
    );

    // 12. A TTL (hop limit) item on sendmsg.
    let ttl = 5i32.to_ne_bytes();
    let item = if v6 {
        (IPPROTO_IPV6, IPV6_HOPLIMIT, &ttl[..])
    } else {
        (IPPROTO_IP, IP_TTL, &ttl[..])
    };
    let sent = s
        .sendmsg(&[b"ttl"], &[item], 0, Some(peer.clone()))
        .expect("sendmsg with ttl");
    assert_eq!(sent, 3);
    let (data, from) = s.recvfrom(100).expect("recvfrom");
    assert_eq!((data.as_slice(), from.as_ref()), (&b"ttl"[..], Some(&peer)));
    println!("ok: sendmsg with a TTL item");

    // 13. SCM_RIGHTS naming no socket of the guest is EBADF, before anything is sent.
    let fd0 = 0i32.to_ne_bytes();
    let e = s
        .sendmsg(
            &[b"x"],
            &[(SOL_SOCKET, SCM_RIGHTS, &fd0[..])],
            0,
            Some(peer.clone()),
        )
        .expect_err("SCM_RIGHTS refused");
    assert_eq!(e.errno(), Some(EBADF), "{e}");
    assert!(e.to_string().contains("not the fileno of a socket"), "{e}");
    println!("ok: SCM_RIGHTS naming no socket -> EBADF");
    let e = s
        .recv_flags(100, MSG_DONTWAIT)
        .expect_err("nothing was echoed");
    assert_eq!(e.errno(), Some(EAGAIN), "{e}");

    // 14. A datagram to a closed port: the connected socket gets ECONNREFUSED.
    let r = udp();
    r.connect(addr(closed)).expect("connect to closed port");
    r.send(b"anyone?").expect("send");
    let e = r.recv(100).expect_err("port unreachable");
    assert_eq!(e.errno(), Some(ECONNREFUSED), "{e}");
    assert_eq!(e.python_class(), "ConnectionRefusedError");
    println!("ok: closed port -> ECONNREFUSED");

    // 15. SO_BROADCAST (set and read back only).
    let br = udp();
    assert_eq!(br.getsockopt(SOL_SOCKET, SO_BROADCAST).expect("get"), 0);
    br.setsockopt(SOL_SOCKET, SO_BROADCAST, 1)
        .expect("set SO_BROADCAST");
    assert_eq!(br.getsockopt(SOL_SOCKET, SO_BROADCAST).expect("get"), 1);
    println!("ok: SO_BROADCAST");
}
