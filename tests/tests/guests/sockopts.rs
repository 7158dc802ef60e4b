//! Socket options through the guest API, over IPv4 and IPv6, and the dual-stack / reuse-port
//! forms of `create_server`.

use std::io::{Read, Write};
use std::net::{Ipv6Addr, SocketAddr};

use capsock_tests::{Guest, SOCKOPT_SERVERS, SOCKOPT_TABLE, connect_when_listening, free_port};

#[test]
pub fn sockopt_table() {
    let common = [
        "ok: SO_REUSEADDR SO_REUSEPORT SO_KEEPALIVE SO_BROADCAST",
        "ok: SO_LINGER bytes, int, and 4 bytes -> EINVAL (OSError)",
        "ok: SO_RCVBUF SO_SNDBUF",
    ];
    let tail = [
        "ok: SO_BINDTODEVICE -> ENOPROTOOPT",
        "ok: SO_RCVTIMEO -> ENOPROTOOPT, use settimeout",
        "ok: getsockopt buflen 0 is the int form, 1025 -> getsockopt buflen out of range",
        "ok: setsockopt None(4) -> EINVAL",
    ];
    for (host, domain, udp_get_errno, family_lines) in [
        (
            "127.0.0.1",
            2,
            95, // EOPNOTSUPP, as CPython shows on Linux
            &[
                "ok: IP_TTL IP_TOS",
                "ok: IP_MULTICAST_TTL IP_MULTICAST_LOOP",
                "ok: IP_ADD_MEMBERSHIP IP_DROP_MEMBERSHIP 224.0.0.251",
            ][..],
        ),
        (
            "[::1]",
            10,
            92, // ENOPROTOOPT, as CPython shows on Linux
            &[
                "ok: IPV6_V6ONLY",
                "ok: IPV6_JOIN_GROUP IPV6_LEAVE_GROUP ff02::1",
            ][..],
        ),
    ] {
        let out = Guest::new(SOCKOPT_TABLE)
            .arg(host)
            .allow(&format!("bind tcp://{host}:0"))
            .run_ok();
        let identity = format!("ok: SO_ERROR SO_TYPE SO_DOMAIN={domain} SO_PROTOCOL SO_ACCEPTCONN");
        let mut expected: Vec<&str> = common.to_vec();
        expected.push(&identity);
        let tcp_on_udp =
            format!("ok: TCP_NODELAY on UDP -> ENOPROTOOPT (set), errno {udp_get_errno} (get)");
        expected.push("ok: TCP_NODELAY TCP_KEEPIDLE TCP_KEEPINTVL TCP_KEEPCNT TCP_USER_TIMEOUT");
        expected.push(&tcp_on_udp);
        expected.extend(family_lines);
        expected.extend(tail);
        assert_eq!(out.lines().collect::<Vec<_>>(), expected, "{host}");
    }
}

#[test]
pub fn sockopt_servers() {
    let port = free_port("::");
    let guest = std::thread::spawn(move || {
        Guest::new(SOCKOPT_SERVERS)
            .arg(port)
            .allow(&format!("bind tcp://[::]:{port}"))
            // A dual-stack socket bound to [::] listens on IPv4's wildcard too.
            .allow(&format!("bind tcp://0.0.0.0:{port}"))
            .allow("accept tcp://127.0.0.1:*")
            .allow("accept tcp://[::1]:*")
            .run_ok()
    });
    let mut locals = Vec::new();
    for (addr, line) in [
        (SocketAddr::from(([127, 0, 0, 1], port)), "from v4\n"),
        (SocketAddr::from((Ipv6Addr::LOCALHOST, port)), "from v6\n"),
    ] {
        let mut client = connect_when_listening(addr);
        locals.push(client.local_addr().unwrap().port());
        client.write_all(line.as_bytes()).unwrap();
        let mut echo = vec![0u8; line.len()];
        client.read_exact(&mut echo).unwrap();
        assert_eq!(echo, line.as_bytes());
    }
    let out = guest.join().unwrap();
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "ok: has_dualstack_ipv6".to_owned(),
            "ok: SO_REUSEPORT SO_REUSEADDR set, IPV6_V6ONLY off".to_owned(),
            format!("accepted ::ffff:127.0.0.1 {} said from v4", locals[0]),
            format!("accepted ::1 {} said from v6", locals[1]),
        ]
    );
}
