//! Socket options through the guest API: a set/get round trip for every option of the host's
//! vetted table that the brief lists (SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP, IPPROTO_IPV6,
//! multicast membership), the read-only identity options, and the refusals (unknown option,
//! SO_RCVTIMEO, bad lengths, buflen out of range, a None value, TCP options on UDP).
//!
//! argv: `HOST` (`127.0.0.1` or `::1`); the policy must allow `bind tcp://HOST:0`.
use capsock::errno::{EADDRNOTAVAIL, EINVAL, ENOPROTOOPT, EOPNOTSUPP};
use capsock::{
    AF_INET, AF_INET6, Address, Error, IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP, IP_MULTICAST_LOOP,
    IP_MULTICAST_TTL, IP_TOS, IP_TTL, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP, IPV6_JOIN_GROUP,
    IPV6_LEAVE_GROUP, IPV6_V6ONLY, OptValue, SO_ACCEPTCONN, SO_BINDTODEVICE, SO_BROADCAST,
    SO_DOMAIN, SO_ERROR, SO_KEEPALIVE, SO_LINGER, SO_PROTOCOL, SO_RCVBUF, SO_RCVTIMEO,
    SO_REUSEADDR, SO_REUSEPORT, SO_SNDBUF, SO_TYPE, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, Socket,
    TCP_KEEPCNT, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_NODELAY, TCP_USER_TIMEOUT, inet_aton, inet_pton,
};

fn set_get(s: &Socket, level: i32, name: i32, value: i32) -> i32 {
    s.setsockopt(level, name, value)
        .unwrap_or_else(|e| panic!("setsockopt({level}, {name}, {value}): {e}"));
    s.getsockopt(level, name)
        .unwrap_or_else(|e| panic!("getsockopt({level}, {name}): {e}"))
}

fn expect_errno<T: std::fmt::Debug>(r: capsock::Result<T>, errno: i32, what: &str) -> Error {
    let e = r.expect_err(what);
    assert_eq!(e.errno(), Some(errno), "{what}: {e}");
    e
}

fn main() {
    let args = capsock_test_guests::args();
    let host = args[0]
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let v6 = host.contains(':');
    let family = if v6 { AF_INET6 } else { AF_INET };
    let tcp = Socket::new(family, SOCK_STREAM, 0).expect("tcp socket");
    let udp = Socket::new(family, SOCK_DGRAM, 0).expect("udp socket");

    // SOL_SOCKET booleans, on both kinds.
    for s in [&tcp, &udp] {
        for (name, label) in [
            (SO_REUSEADDR, "SO_REUSEADDR"),
            (SO_REUSEPORT, "SO_REUSEPORT"),
            (SO_KEEPALIVE, "SO_KEEPALIVE"),
            (SO_BROADCAST, "SO_BROADCAST"),
        ] {
            assert_eq!(set_get(s, SOL_SOCKET, name, 1), 1, "{label}");
            assert_eq!(set_get(s, SOL_SOCKET, name, 0), 0, "{label}");
        }
    }
    println!("ok: SO_REUSEADDR SO_REUSEPORT SO_KEEPALIVE SO_BROADCAST");

    // SO_LINGER: struct linger {l_onoff = 1, l_linger = 5} as bytes.
    let linger: Vec<u8> = [1i32.to_le_bytes(), 5i32.to_le_bytes()].concat();
    tcp.setsockopt(SOL_SOCKET, SO_LINGER, &linger)
        .expect("set SO_LINGER");
    assert_eq!(
        tcp.getsockopt_buf(SOL_SOCKET, SO_LINGER, 8)
            .expect("get SO_LINGER bytes"),
        linger
    );
    assert_eq!(
        tcp.getsockopt(SOL_SOCKET, SO_LINGER)
            .expect("get SO_LINGER int"),
        1
    );
    // A larger buffer gets the struct's own size back.
    assert_eq!(
        tcp.getsockopt_buf(SOL_SOCKET, SO_LINGER, 64)
            .expect("get SO_LINGER 64")
            .len(),
        8
    );
    let e = expect_errno(
        tcp.setsockopt(SOL_SOCKET, SO_LINGER, &[0u8; 4]),
        EINVAL,
        "SO_LINGER with 4 bytes",
    );
    println!(
        "ok: SO_LINGER bytes, int, and 4 bytes -> EINVAL ({})",
        e.python_class()
    );

    for s in [&tcp, &udp] {
        assert!(set_get(s, SOL_SOCKET, SO_RCVBUF, 65536) >= 65536);
        assert!(set_get(s, SOL_SOCKET, SO_SNDBUF, 65536) >= 65536);
    }
    println!("ok: SO_RCVBUF SO_SNDBUF");

    // Identity options.
    let domain = if v6 { 10 } else { 2 };
    assert_eq!(tcp.getsockopt(SOL_SOCKET, SO_TYPE).unwrap(), 1);
    assert_eq!(udp.getsockopt(SOL_SOCKET, SO_TYPE).unwrap(), 2);
    for (s, proto) in [(&tcp, 6), (&udp, 17)] {
        assert_eq!(s.getsockopt(SOL_SOCKET, SO_ERROR).unwrap(), 0);
        assert_eq!(s.getsockopt(SOL_SOCKET, SO_DOMAIN).unwrap(), domain);
        assert_eq!(s.getsockopt(SOL_SOCKET, SO_PROTOCOL).unwrap(), proto);
        assert_eq!(s.getsockopt(SOL_SOCKET, SO_ACCEPTCONN).unwrap(), 0);
    }
    // Read-only: Linux (and so the host) answers ENOPROTOOPT.
    expect_errno(
        tcp.setsockopt(SOL_SOCKET, SO_TYPE, 2),
        ENOPROTOOPT,
        "set SO_TYPE",
    );
    let lst = Socket::new(family, SOCK_STREAM, 0).expect("socket");
    let bind_addr = if v6 {
        Address::Inet6(host.clone(), 0, 0, 0)
    } else {
        Address::Inet(host.clone(), 0)
    };
    lst.bind(bind_addr).expect("bind");
    assert_eq!(lst.getsockopt(SOL_SOCKET, SO_ACCEPTCONN).unwrap(), 0);
    lst.listen(None).expect("listen");
    assert_eq!(lst.getsockopt(SOL_SOCKET, SO_ACCEPTCONN).unwrap(), 1);
    println!("ok: SO_ERROR SO_TYPE SO_DOMAIN={domain} SO_PROTOCOL SO_ACCEPTCONN");

    // IPPROTO_TCP.
    assert_eq!(set_get(&tcp, IPPROTO_TCP, TCP_NODELAY, 1), 1);
    assert_eq!(set_get(&tcp, IPPROTO_TCP, TCP_NODELAY, 0), 0);
    assert_eq!(set_get(&tcp, IPPROTO_TCP, TCP_KEEPIDLE, 30), 30);
    assert_eq!(set_get(&tcp, IPPROTO_TCP, TCP_KEEPINTVL, 7), 7);
    assert_eq!(set_get(&tcp, IPPROTO_TCP, TCP_KEEPCNT, 4), 4);
    assert_eq!(set_get(&tcp, IPPROTO_TCP, TCP_USER_TIMEOUT, 1234), 1234);
    println!("ok: TCP_NODELAY TCP_KEEPIDLE TCP_KEEPINTVL TCP_KEEPCNT TCP_USER_TIMEOUT");

    // TCP options on a UDP socket: the kernel's own errnos, as CPython shows them (Linux's
    // IPv4 UDP getsockopt says EOPNOTSUPP, its IPv6 one ENOPROTOOPT).
    expect_errno(
        udp.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1),
        ENOPROTOOPT,
        "set on UDP",
    );
    let get_errno = if v6 { ENOPROTOOPT } else { EOPNOTSUPP };
    let e = expect_errno(
        udp.getsockopt(IPPROTO_TCP, TCP_NODELAY),
        get_errno,
        "get on UDP",
    );
    assert!(e.to_string().contains("SOCK_STREAM sockets only"), "{e}");
    println!("ok: TCP_NODELAY on UDP -> ENOPROTOOPT (set), errno {get_errno} (get)");

    if v6 {
        // IPV6_V6ONLY: off by default on this system (net.ipv6.bindv6only = 0).
        assert_eq!(udp.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY).unwrap(), 0);
        assert_eq!(set_get(&udp, IPPROTO_IPV6, IPV6_V6ONLY, 1), 1);
        assert_eq!(set_get(&tcp, IPPROTO_IPV6, IPV6_V6ONLY, 1), 1);
        assert_eq!(set_get(&tcp, IPPROTO_IPV6, IPV6_V6ONLY, 0), 0);
        println!("ok: IPV6_V6ONLY");

        // ipv6_mreq: 16-byte group, then the interface index (native byte order).
        let mut mreq = inet_pton(AF_INET6, "ff02::1").expect("inet_pton");
        mreq.extend_from_slice(&1u32.to_ne_bytes());
        assert_eq!(mreq.len(), 20);
        udp.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq)
            .expect("IPV6_JOIN_GROUP");
        udp.setsockopt(IPPROTO_IPV6, IPV6_LEAVE_GROUP, &mreq)
            .expect("IPV6_LEAVE_GROUP");
        // Leaving twice: the kernel's EADDRNOTAVAIL.
        expect_errno(
            udp.setsockopt(IPPROTO_IPV6, IPV6_LEAVE_GROUP, &mreq),
            EADDRNOTAVAIL,
            "leave twice",
        );
        // Set-only: reading is ENOPROTOOPT.
        expect_errno(
            udp.getsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP),
            ENOPROTOOPT,
            "get IPV6_JOIN_GROUP",
        );
        println!("ok: IPV6_JOIN_GROUP IPV6_LEAVE_GROUP ff02::1");
    } else {
        for s in [&tcp, &udp] {
            assert_eq!(set_get(s, IPPROTO_IP, IP_TTL, 33), 33);
            assert_eq!(set_get(s, IPPROTO_IP, IP_TOS, 0x10), 0x10);
        }
        println!("ok: IP_TTL IP_TOS");
        assert_eq!(set_get(&udp, IPPROTO_IP, IP_MULTICAST_TTL, 5), 5);
        assert_eq!(set_get(&udp, IPPROTO_IP, IP_MULTICAST_LOOP, 0), 0);
        assert_eq!(set_get(&udp, IPPROTO_IP, IP_MULTICAST_LOOP, 1), 1);
        println!("ok: IP_MULTICAST_TTL IP_MULTICAST_LOOP");

        // ip_mreq: group, then interface, both in network byte order.
        let mut mreq = inet_aton("224.0.0.251").expect("inet_aton").to_vec();
        mreq.extend_from_slice(&inet_aton("127.0.0.1").expect("inet_aton"));
        udp.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq)
            .expect("IP_ADD_MEMBERSHIP");
        udp.setsockopt(IPPROTO_IP, IP_DROP_MEMBERSHIP, &mreq)
            .expect("IP_DROP_MEMBERSHIP");
        expect_errno(
            udp.setsockopt(IPPROTO_IP, IP_DROP_MEMBERSHIP, &mreq),
            EADDRNOTAVAIL,
            "drop twice",
        );
        expect_errno(
            udp.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq[..5]),
            EINVAL,
            "5-byte ip_mreq",
        );
        println!("ok: IP_ADD_MEMBERSHIP IP_DROP_MEMBERSHIP 224.0.0.251");
    }

    // Refusals.
    let e = expect_errno(
        tcp.getsockopt(SOL_SOCKET, SO_BINDTODEVICE),
        ENOPROTOOPT,
        "get unknown",
    );
    assert_eq!(e.errno(), Some(92));
    expect_errno(
        tcp.setsockopt(SOL_SOCKET, SO_BINDTODEVICE, b"lo\0"),
        ENOPROTOOPT,
        "set unknown",
    );
    println!("ok: SO_BINDTODEVICE -> ENOPROTOOPT");
    let rcvtimeo = [0u8; 16];
    let e = expect_errno(
        tcp.setsockopt(SOL_SOCKET, SO_RCVTIMEO, &rcvtimeo),
        ENOPROTOOPT,
        "SO_RCVTIMEO",
    );
    assert!(e.to_string().contains("settimeout"), "{e}");
    let e = expect_errno(
        tcp.getsockopt_buf(SOL_SOCKET, SO_RCVTIMEO, 16),
        ENOPROTOOPT,
        "get SO_RCVTIMEO",
    );
    assert!(e.to_string().contains("settimeout"), "{e}");
    println!("ok: SO_RCVTIMEO -> ENOPROTOOPT, use settimeout");
    // CPython: buflen 0 is the int form; 1025 (and more) is OSError("getsockopt buflen out of
    // range") with no errno, here EINVAL with that message.
    tcp.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
        .expect("set SO_REUSEADDR");
    assert_eq!(
        tcp.getsockopt_buf(SOL_SOCKET, SO_REUSEADDR, 0)
            .expect("buflen 0"),
        1i32.to_ne_bytes()
    );
    for buflen in [1025, u32::MAX] {
        let e = expect_errno(
            tcp.getsockopt_buf(SOL_SOCKET, SO_REUSEADDR, buflen),
            EINVAL,
            "buflen out of range",
        );
        assert_eq!(e.strerror(), "getsockopt buflen out of range");
        assert_eq!(e.python_class(), "OSError");
    }
    assert_eq!(
        tcp.getsockopt_buf(SOL_SOCKET, SO_REUSEADDR, 1024).unwrap(),
        1i32.to_ne_bytes()
    );
    assert_eq!(
        tcp.getsockopt_buf(SOL_SOCKET, SO_REUSEADDR, 1).unwrap(),
        [1]
    );
    println!("ok: getsockopt buflen 0 is the int form, 1025 -> getsockopt buflen out of range");
    expect_errno(
        tcp.setsockopt(IPPROTO_IP, IP_TTL, OptValue::None(4)),
        EINVAL,
        "None value",
    );
    println!("ok: setsockopt None(4) -> EINVAL");
}
