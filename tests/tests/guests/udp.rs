//! UDP: datagrams through every send/receive call against a native echo peer, over IPv4 and
//! IPv6, and the policy's `send` and implicit-`bind` checks.

use std::net::UdpSocket;

use capsock_tests::{Guest, UDP_DATAGRAMS, UDP_POLICY, udp_echo_server};

/// The loopback hosts of both families: (bind address for a native peer, host for URLs/argv).
const HOSTS: [(&str, &str); 2] = [("127.0.0.1:0", "127.0.0.1"), ("[::1]:0", "[::1]")];

/// A UDP port on `bind`'s host with nothing bound to it (the kernel picked it, then it was
/// released; the small race with other processes is acceptable in tests).
fn closed_udp_port(bind: &str) -> u16 {
    UdpSocket::bind(bind)
        .and_then(|s| s.local_addr())
        .expect("find a free UDP port")
        .port()
}

#[test]
pub fn udp_datagrams() {
    for (bind, host) in HOSTS {
        let (addr, server) = udp_echo_server(bind, 11);
        let closed = closed_udp_port(bind);
        let port = addr.port();
        let out = Guest::new(UDP_DATAGRAMS)
            .arg(format!("{host}:{port}"))
            .arg(closed)
            .allow(&format!("send udp://{host}:{port}"))
            .allow(&format!("recv udp://{host}:{port}"))
            .allow(&format!("connect udp://{host}:{port}"))
            .allow(&format!("connect udp://{host}:{closed}"))
            .allow(&format!("bind udp://{host}:0"))
            .run_ok();
        let peer = if host.starts_with('[') {
            format!("('::1', {port}, 0, 0)")
        } else {
            format!("('127.0.0.1', {port})")
        };
        let (pktinfo_level, pktinfo_type, pktinfo_len) = if host.starts_with('[') {
            (41, 50, 20)
        } else {
            (0, 8, 12)
        };
        let expected = [
            format!("ok: sendto/recvfrom from {peer}"),
            "ok: implicit bind to the wildcard address".to_owned(),
            "ok: bind port 0 + getsockname".to_owned(),
            "ok: connect/send/recv".to_owned(),
            "ok: recvfrom_into".to_owned(),
            "ok: MSG_PEEK".to_owned(),
            "ok: MSG_DONTWAIT -> EAGAIN".to_owned(),
            "ok: recvmsg MSG_TRUNC flags 0x20".to_owned(),
            "ok: sendmsg gather -> one datagram".to_owned(),
            "ok: sendmsg with address + recvmsg tuple".to_owned(),
            "ok: recvmsg_into scatter".to_owned(),
            format!("ok: pktinfo ancillary ({pktinfo_level}, {pktinfo_type}, {pktinfo_len} bytes)"),
            "ok: sendmsg with a TTL item".to_owned(),
            "ok: SCM_RIGHTS naming no socket -> EBADF".to_owned(),
            "ok: closed port -> ECONNREFUSED".to_owned(),
            "ok: SO_BROADCAST".to_owned(),
        ];
        assert_eq!(out.lines().collect::<Vec<_>>(), expected, "{host}");
        // The peer saw exactly the 11 datagrams it echoes, so its thread ends.
        server.join().unwrap();
    }
}

#[test]
pub fn udp_policy() {
    for (bind, host) in HOSTS {
        let wildcard = if host.starts_with('[') {
            "[::]"
        } else {
            "0.0.0.0"
        };
        let unlisted = closed_udp_port(bind);

        // Every bind denied: the implicit one and the explicit one.
        let (addr, _server) = udp_echo_server(bind, 1);
        let port = addr.port();
        let out = Guest::new(UDP_POLICY)
            .arg(format!("{host}:{port}"))
            .arg(unlisted)
            .arg("deny-all-binds")
            .allow(&format!("send udp://{host}:{port}"))
            .allow(&format!("bind udp://{host}:*"))
            .deny("bind udp://*:*")
            .run_ok();
        assert_eq!(
            out.lines().collect::<Vec<_>>(),
            [
                format!(
                    "denied: capsock policy: send to udp://{host}:{unlisted} denied (no rule allows it)"
                ),
                "ok: sendto without a send rule -> EACCES".to_owned(),
                format!(
                    "denied: capsock policy: bind to udp://{wildcard}:0 denied by rule \"deny bind udp://*:*\""
                ),
                "ok: implicit bind denied".to_owned(),
                format!(
                    "denied: capsock policy: bind to udp://{host}:0 denied by rule \"deny bind udp://*:*\""
                ),
                "ok: explicit bind denied too".to_owned(),
            ],
            "{host}"
        );

        // Only the wildcard bind denied: an explicitly bound socket works.
        let (addr, server) = udp_echo_server(bind, 1);
        let port = addr.port();
        let out = Guest::new(UDP_POLICY)
            .arg(format!("{host}:{port}"))
            .arg(unlisted)
            .arg("deny-wildcard-bind")
            .allow(&format!("send udp://{host}:{port}"))
            .allow(&format!("recv udp://{host}:{port}"))
            .allow(&format!("bind udp://{host}:*"))
            .deny(&format!("bind udp://{wildcard}:*"))
            .run_ok();
        assert_eq!(
            out.lines().collect::<Vec<_>>(),
            [
                format!(
                    "denied: capsock policy: send to udp://{host}:{unlisted} denied (no rule allows it)"
                ),
                "ok: sendto without a send rule -> EACCES".to_owned(),
                format!(
                    "denied: capsock policy: bind to udp://{wildcard}:0 denied by rule \"deny bind udp://{wildcard}:*\""
                ),
                "ok: implicit bind denied".to_owned(),
                "ok: bound socket sends and receives".to_owned(),
            ],
            "{host}"
        );
        server.join().unwrap();
    }
}

#[test]
fn udp_sendto_denied_without_rules() {
    // The default policy: nothing allowed, so the first sendto is the guest's failure.
    let (addr, _server) = udp_echo_server("127.0.0.1:0", 1);
    let out = Guest::new(UDP_DATAGRAMS)
        .arg(format!("127.0.0.1:{}", addr.port()))
        .arg(closed_udp_port("127.0.0.1:0"))
        .run();
    assert_ne!(out.code, Some(0));
    let text = format!("{}{}", out.stderr, out.trap.unwrap_or_default());
    assert!(
        text.contains(&format!(
            "PermissionError([Errno 13] capsock policy: send to udp://127.0.0.1:{} denied (no rule allows it))",
            addr.port()
        )),
        "{text}"
    );
}

/// Sends, every 20 ms until `stop`, a datagram from 127.0.0.2 ("denied") and then one from
/// 127.0.0.1 ("allowed") to `port` (bounded: at most 20 s).
fn two_senders(
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let denied = std::net::UdpSocket::bind("127.0.0.2:0").unwrap();
        let allowed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        for _ in 0..1000 {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
            let _ = denied.send_to(b"denied", ("127.0.0.1", port));
            let _ = allowed.send_to(b"allowed", ("127.0.0.1", port));
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    })
}

#[test]
pub fn udp_recv_filter() {
    use std::sync::atomic::{AtomicBool, Ordering};
    for mode in ["admitted", "none"] {
        let port = capsock_tests::free_udp_port("127.0.0.1");
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let senders = two_senders(port, stop.clone());
        let mut guest = Guest::new(capsock_tests::UDP_RECV_FILTER)
            .arg(port)
            .arg(mode)
            .allow(&format!("bind udp://127.0.0.1:{port}"));
        if mode == "admitted" {
            guest = guest.allow("recv udp://127.0.0.1:*");
        }
        let out = guest.run_ok();
        stop.store(true, Ordering::Relaxed);
        senders.join().unwrap();
        let expected = if mode == "none" { 1 } else { 2 };
        assert_eq!(out.matches("ok: ").count(), expected, "{out}");
    }
}
