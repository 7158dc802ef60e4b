//! Guests that use plain Rust `std::net` (wasi:sockets, no capsock) obey the same policy:
//! `connect` rules for TCP connects, `send` rules for UDP datagrams, `bind` rules for listeners,
//! `accept` rules for the peers they accept; without a rule the operation fails with
//! `PermissionDenied`.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddrV4, TcpStream};
use std::time::Duration;

use capsock_tests::{
    Guest, STDNET_PROBE, connect_when_listening, free_port, tcp_echo_server, udp_echo_server,
};

const DENIED: &str = "PermissionDenied";

/// Runs `stdnet_probe` with one probe per `(spec, expected outcome)` and checks each line.
fn probe(guest: Guest, probes: &[(String, &str)]) {
    let guest = probes.iter().fold(guest, |g, (spec, _)| g.arg(spec));
    let out = guest.run_ok();
    let want: Vec<String> = probes
        .iter()
        .map(|(spec, outcome)| format!("{spec} -> {outcome}"))
        .collect();
    assert_eq!(out.lines().collect::<Vec<_>>(), want, "full output:\n{out}");
}

/// TCP and UDP, IPv4 and IPv6: allowed by `connect`/`send` rules they exchange data with
/// native echo servers; without a rule, or with only the other verb's rule, they fail with
/// `PermissionDenied`.
#[test]
pub fn stdnet_probe() {
    let (t4, _) = tcp_echo_server("127.0.0.1:0", 2);
    let (t6, _) = tcp_echo_server("[::1]:0", 2);
    let (u4, _) = udp_echo_server("127.0.0.1:0", 2);
    let (u6, _) = udp_echo_server("[::1]:0", 2);
    let all = [
        format!("tcp {t4}"),
        format!("tcp {t6}"),
        format!("udp {u4}"),
        format!("udp {u6}"),
    ];
    // Allowed.
    probe(
        Guest::new(STDNET_PROBE)
            .allow(&format!("connect tcp://{t4}"))
            .allow("connect tcp://[::1]:*")
            .allow(&format!("send udp://{u4}"))
            .allow(&format!("recv udp://{u4}"))
            .allow("send udp://[::1]:*")
            .allow("recv udp://[::1]:*"),
        &all.iter().map(|s| (s.clone(), "ok")).collect::<Vec<_>>(),
    );
    // No rule at all.
    probe(
        Guest::new(STDNET_PROBE),
        &all.iter().map(|s| (s.clone(), DENIED)).collect::<Vec<_>>(),
    );
    // The wrong verb: `connect udp` does not allow datagrams, `send` does not allow TCP, and a
    // rule for another port allows nothing here.
    probe(
        Guest::new(STDNET_PROBE)
            .allow("connect udp://*:*")
            .allow("send udp://127.0.0.1:1")
            .allow(&format!(
                "connect tcp://127.0.0.1:{}",
                other_port(t4.port())
            )),
        &[
            (format!("udp {u4}"), DENIED),
            (format!("udp {u6}"), DENIED),
            (format!("tcp {t4}"), DENIED),
        ],
    );
}

fn other_port(port: u16) -> u16 {
    if port == u16::MAX { port - 1 } else { port + 1 }
}

/// Deny beats allow for std::net too; IPv4-mapped IPv6 destinations are refused outright.
#[test]
fn stdnet_deny_beats_allow() {
    let (t1, _) = tcp_echo_server("127.0.0.1:0", 1);
    let (t2, _) = tcp_echo_server("127.0.0.2:0", 1);
    probe(
        Guest::new(STDNET_PROBE)
            .allow("connect tcp://*:*")
            .deny("connect tcp://127.0.0.2:*"),
        &[
            (format!("tcp {t1}"), "ok"),
            (format!("tcp {t2}"), DENIED),
            // wasi:sockets itself refuses IPv4-mapped IPv6 destinations (`invalid-argument`),
            // before the policy is asked: that door has no mapped-address bypass to close.
            (
                format!("tcp [::ffff:127.0.0.2]:{}", t2.port()),
                "InvalidInput",
            ),
            (
                format!("tcp [::ffff:127.0.0.1]:{}", t1.port()),
                "InvalidInput",
            ),
        ],
    );
}

/// Implicit binds of std::net sockets obey deny `bind` rules: a UDP socket bound to the
/// wildcard address with port 0 is that implicit bind.
#[test]
fn stdnet_implicit_bind_denied() {
    let (u4, _) = udp_echo_server("127.0.0.1:0", 1);
    probe(
        Guest::new(STDNET_PROBE)
            .allow("send udp://*:*")
            .deny("bind udp://*:*"),
        &[(format!("udp {u4}"), DENIED)],
    );
}

/// `TcpListener::bind` needs a bind rule; with one (and an accept rule for the peer) the
/// native client connects and gets its echo.
#[test]
fn stdnet_listen() {
    let port = free_port("127.0.0.1");
    probe(
        Guest::new(STDNET_PROBE).allow(&format!("bind tcp://127.0.0.1:{}", other_port(port))),
        &[(format!("bind 127.0.0.1:{port}"), DENIED)],
    );

    let spec = format!("listen 127.0.0.1:{port}");
    let guest = {
        let spec = spec.clone();
        std::thread::spawn(move || {
            Guest::new(STDNET_PROBE)
                .arg(spec)
                .allow(&format!("bind tcp://127.0.0.1:{port}"))
                .allow("accept tcp://127.0.0.1:*")
                .run()
        })
    };
    let mut client = connect_when_listening(([127, 0, 0, 1], port).into());
    client.write_all(b"std listener").unwrap();
    let mut echo = [0u8; 12];
    client.read_exact(&mut echo).expect("the guest echoes");
    assert_eq!(&echo, b"std listener");
    let out = guest.join().unwrap();
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout, format!("{spec} -> ok, accepted 127.0.0.1\n"));
}

/// A std::net listener never sees a peer no `accept` rule allows: that client (bound to
/// 127.0.0.2) is reset, and the allowed one from 127.0.0.1 is accepted.
#[test]
fn stdnet_accept_denied_peer() {
    let port = free_port("127.0.0.1");
    let spec = format!("listen 127.0.0.1:{port}");
    let guest = {
        let spec = spec.clone();
        std::thread::spawn(move || {
            Guest::new(STDNET_PROBE)
                .arg(spec)
                .allow(&format!("bind tcp://127.0.0.1:{port}"))
                .allow("accept tcp://127.0.0.1:*")
                .run()
        })
    };
    let server = SocketAddrV4::new([127, 0, 0, 1].into(), port);
    let mut denied = None;
    for _ in 0..400 {
        match super::policy::ffi::connect_from([127, 0, 0, 2].into(), server) {
            Ok(s) => {
                denied = Some(s);
                break;
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    let mut denied = denied.expect("the guest never listened");
    denied
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buf = [0u8; 8];
    match denied.read(&mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("the denied client was not reset: {other:?}"),
    }
    let mut allowed = TcpStream::connect(server).unwrap();
    allowed
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    allowed.write_all(b"allowed").unwrap();
    let mut echo = [0u8; 7];
    allowed.read_exact(&mut echo).expect("the guest echoes");
    let out = guest.join().unwrap();
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout, format!("{spec} -> ok, accepted 127.0.0.1\n"));
}
