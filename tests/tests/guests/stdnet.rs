//! Guests that use plain Rust `std::net` (wasi:sockets, no capsock) obey the same policy:
//! `connect` rules for TCP connects, `send` rules for UDP datagrams, `bind` rules for listeners,
//! `accept` rules for the peers they accept, `resolve` rules for each name they look up;
//! without a rule the operation fails with `PermissionDenied`. The host records them as it
//! records capsock's own door: the same audit records, counts and learned rules.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddrV4, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use capsock_host::policy::learn::Learner;
use capsock_tests::{
    DOOR_PARITY, Guest, Outcome, STDNET_LIMITS, STDNET_PROBE, audit_row, connect_when_listening,
    free_port, tcp_echo_server, udp_echo_server,
};

const DENIED: &str = "PermissionDenied";

/// Runs `stdnet_probe` with one probe per `(spec, expected outcome)` and checks each line. A
/// `std::net` guest only learns `PermissionDenied`, so each denial's cause is read from the
/// audit log: `DENIED` is a denial because no rule allows it, `denied_by(RULE)` one by that deny
/// rule (the record is the operation's, or the implicit bind's, whose port is 0).
fn probe(guest: Guest, probes: &[(String, &str)]) {
    let guest = probes.iter().fold(guest, |g, (spec, _)| g.arg(spec));
    let observed = guest.run_observed();
    observed.outcome.assert_ok("stdnet_probe");
    let out = &observed.outcome.stdout;
    let want: Vec<String> = probes
        .iter()
        .map(|(spec, outcome)| {
            let shown = match outcome.split_once('|') {
                Some((kind, _)) => kind,
                None => outcome,
            };
            format!("{spec} -> {shown}")
        })
        .collect();
    assert_eq!(out.lines().collect::<Vec<_>>(), want, "full output:\n{out}");
    for (spec, outcome) in probes {
        let cause = match outcome.split_once('|') {
            Some((_, rule)) => rule,
            None if *outcome == DENIED => "default deny",
            None => continue,
        };
        let (_, addr) = spec.split_once(' ').expect("OP ADDR");
        let named = observed.audit.iter().any(|r| {
            r[2] == "deny" && r[3] == cause && (r[1].ends_with(addr) || r[1].ends_with(":0"))
        });
        assert!(
            named,
            "{spec}: no audit record names the cause {cause:?}: {:#?}",
            observed.audit
        );
    }
}

/// The expected outcome of a probe denied by `rule`.
fn denied_by(rule: &str) -> String {
    format!("{DENIED}|{rule}")
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
            (format!("tcp {t2}"), &denied_by("connect tcp://127.0.0.2:*")),
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
        &[(format!("udp {u4}"), &denied_by("bind udp://*:*"))],
    );
}

/// Starts the std::net probe listening on 127.0.0.1:`port` (echoing one connection) in a
/// thread, with the bind rule and an accept rule for 127.0.0.1; returns its spec line.
fn spawn_listener(port: u16) -> (String, std::thread::JoinHandle<Outcome>) {
    let spec = format!("listen 127.0.0.1:{port}");
    let arg = spec.clone();
    let guest = std::thread::spawn(move || {
        Guest::new(STDNET_PROBE)
            .arg(arg)
            .allow(&format!("bind tcp://127.0.0.1:{port}"))
            .allow("accept tcp://127.0.0.1:*")
            .run()
    });
    (spec, guest)
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

    let (spec, guest) = spawn_listener(port);
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
    let (spec, guest) = spawn_listener(port);
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
    assert_eq!(&echo, b"allowed");
    let out = guest.join().unwrap();
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout, format!("{spec} -> ok, accepted 127.0.0.1\n"));
}

/// `TcpStream::connect("localhost:PORT")` looks the name up through wasi:sockets: with
/// `resolve localhost` the lookup is allowed and audited as `socket.getaddrinfo`, and the
/// connect to the address it gave is allowed by `connect tcp://localhost:PORT`. Without the
/// `resolve` rule, or for a name a deny rule covers, the lookup fails with `PermissionDenied`
/// before any query, and the audit names the deciding rule. Numeric hosts need no rule.
#[test]
fn stdnet_lookup() {
    let (echo, _) = tcp_echo_server("127.0.0.1:0", 1);
    let port = echo.port();
    let named = format!("localhost:{port}");
    let out = Guest::new(STDNET_PROBE)
        .arg(format!("resolve {named}"))
        .arg(format!("tcpname {named}"))
        .arg(format!("resolve 127.1:{port}"))
        .arg("resolve nothing-allows-it.example:80")
        .arg("resolve blocked.invalid:80")
        .allow("resolve localhost")
        .allow(&format!("connect tcp://localhost:{port}"))
        .deny("resolve *.invalid")
        .run_observed();
    out.outcome.assert_ok("stdnet_probe");
    assert_eq!(
        out.outcome.stdout,
        format!(
            "resolve {named} -> ok\ntcpname {named} -> ok\nresolve 127.1:{port} -> ok\n\
             resolve nothing-allows-it.example:80 -> PermissionDenied\n\
             resolve blocked.invalid:80 -> PermissionDenied\n"
        )
    );
    let lookup = audit_row(
        "socket.getaddrinfo",
        "localhost",
        "allow",
        "resolve localhost",
    );
    let connect = audit_row(
        "socket.connect",
        &format!("tcp://127.0.0.1:{port}"),
        "allow",
        &format!("connect tcp://localhost:{port}"),
    );
    let default_deny = audit_row(
        "socket.getaddrinfo",
        "nothing-allows-it.example",
        "deny",
        "default deny",
    );
    let by_rule = audit_row(
        "socket.getaddrinfo",
        "blocked.invalid",
        "deny",
        "resolve *.invalid",
    );
    let audit = &out.audit;
    // One lookup per op that names a host; the numeric one (`127.1`, which std hands to the
    // resolver) is not a name lookup. Where
    // /etc/hosts also maps localhost to ::1, std tries that address first (refused: nothing
    // listens there), which adds its own records.
    assert_eq!(
        audit.iter().filter(|r| **r == lookup).count(),
        2,
        "{audit:#?}"
    );
    assert!(audit.contains(&connect), "{audit:#?}");
    assert!(audit.contains(&default_deny), "{audit:#?}");
    assert!(audit.contains(&by_rule), "{audit:#?}");
    assert!(!audit.iter().any(|r| r[1] == "127.1"), "{audit:#?}");
    assert_eq!(out.stats.name_lookups(), 2);
    assert_eq!(out.stats.denials(), 2);

    // Without the resolve rule the same connect fails at the lookup.
    let out = Guest::new(STDNET_PROBE)
        .arg(format!("tcpname {named}"))
        .allow(&format!("connect tcp://localhost:{port}"))
        .run_observed();
    out.outcome.assert_ok("stdnet_probe");
    assert_eq!(
        out.outcome.stdout,
        format!("tcpname {named} -> PermissionDenied\n")
    );
    assert_eq!(
        out.audit,
        [audit_row(
            "socket.getaddrinfo",
            "localhost",
            "deny",
            "default deny"
        )]
    );
}

/// Learn mode records std::net lookups as names: the connect to the address `localhost` gave
/// is learned as `connect tcp://localhost:PORT`, with its `resolve localhost` rule.
#[test]
fn stdnet_learn() {
    let (echo, _) = tcp_echo_server("127.0.0.1:0", 1);
    let port = echo.port();
    let learner = Arc::new(Learner::new());
    let out = Guest::new(STDNET_PROBE)
        .arg(format!("tcpname localhost:{port}"))
        .learn(learner.clone())
        .run_ok();
    assert_eq!(out, format!("tcpname localhost:{port} -> ok\n"));
    let rules = learner.policy().rule_lines();
    assert_eq!(
        rules,
        [
            format!("allow connect tcp://localhost:{port}"),
            "allow resolve localhost".to_owned(),
        ]
    );
}

/// The same operations through `std::net` and through capsock, under the same policy: the
/// same results, the same audit records (`socket.__new__` included), the same counts of
/// sockets, connections, lookups, denials and bytes (TCP streams and UDP datagrams).
#[test]
pub fn door_parity() {
    let (echo, _) = tcp_echo_server("127.0.0.1:0", 2);
    let (udp, _) = udp_echo_server("127.0.0.1:0", 2);
    let denied = free_port("127.0.0.1");
    let bind = free_port("127.0.0.1");
    let (echo, udp) = (echo.port(), udp.port());
    let run = |door: &str| {
        let out = Guest::new(DOOR_PARITY)
            .arg(door)
            .arg(echo)
            .arg(denied)
            .arg(bind)
            .arg(udp)
            .arg("blocked.invalid")
            .allow("resolve localhost")
            .allow(&format!("connect tcp://localhost:{echo}"))
            .allow(&format!("bind tcp://127.0.0.1:{bind}"))
            .allow(&format!("send udp://127.0.0.1:{udp}"))
            .allow(&format!("recv udp://127.0.0.1:{udp}"))
            .deny("resolve *.invalid")
            .run_observed();
        out.outcome.assert_ok(door);
        out
    };
    let std = run("std");
    let capsock = run("capsock");
    assert_eq!(
        capsock.outcome.stdout,
        "resolve localhost -> 127.0.0.1\nconnect allowed -> ok\n\
         connect denied -> PermissionDenied\nlisten -> ok\nudp -> ok\n\
         resolve blocked.invalid -> PermissionDenied\n"
    );
    assert_eq!(std.outcome.stdout, capsock.outcome.stdout);

    let tcp_socket = audit_row("socket.__new__", "AF_INET/SOCK_STREAM/0", "allow", "null");
    let want = vec![
        audit_row(
            "socket.getaddrinfo",
            "localhost",
            "allow",
            "resolve localhost",
        ),
        tcp_socket.clone(),
        audit_row(
            "socket.connect",
            &format!("tcp://127.0.0.1:{echo}"),
            "allow",
            &format!("connect tcp://localhost:{echo}"),
        ),
        tcp_socket.clone(),
        audit_row(
            "socket.connect",
            &format!("tcp://127.0.0.1:{denied}"),
            "deny",
            "default deny",
        ),
        tcp_socket,
        audit_row(
            "socket.bind",
            &format!("tcp://127.0.0.1:{bind}"),
            "allow",
            &format!("bind tcp://127.0.0.1:{bind}"),
        ),
        audit_row("socket.__new__", "AF_INET/SOCK_DGRAM/0", "allow", "null"),
        audit_row(
            "socket.sendto",
            &format!("udp://127.0.0.1:{udp}"),
            "allow",
            &format!("send udp://127.0.0.1:{udp}"),
        ),
        audit_row(
            "socket.recvfrom",
            &format!("udp://127.0.0.1:{udp}"),
            "allow",
            &format!("recv udp://127.0.0.1:{udp}"),
        ),
        audit_row(
            "socket.getaddrinfo",
            "blocked.invalid",
            "deny",
            "resolve *.invalid",
        ),
    ];
    assert_eq!(capsock.audit, want);
    assert_eq!(std.audit, capsock.audit);

    for (door, stats) in [("std", &std.stats), ("capsock", &capsock.stats)] {
        let counts = (
            stats.sockets_opened(),
            stats.connections(),
            stats.name_lookups(),
            stats.denials(),
        );
        assert_eq!(counts, (4, 1, 1, 2), "{door}: {stats}");
    }
    // One message each way over TCP and over UDP.
    let message = "door parity".len() as u64;
    for (door, stats) in [("std", &std.stats), ("capsock", &capsock.stats)] {
        assert_eq!(
            (stats.bytes_sent(), stats.bytes_received()),
            (2 * message, 2 * message),
            "{door}: {stats}"
        );
    }
}

/// `--max-sockets 3` bounds what a guest holds through both doors together: `std::net`'s
/// sockets, accepted connections and capsock's sockets share one count. Past it, `std::net`
/// gets `EMFILE` (wasi:sockets `new-socket-limit`) for a UDP or TCP socket and for an accept
/// (the connection stays queued and is accepted once a slot is free), and capsock gets its
/// `EMFILE` with the message naming the limit; a drop or close in either door frees a slot.
/// The std::net connection's bytes are counted.
#[test]
pub fn stdnet_limits() {
    let out = Guest::new(STDNET_LIMITS)
        .max_sockets(3)
        .allow("bind tcp://127.0.0.1:*")
        .allow("bind udp://127.0.0.1:*")
        .allow("connect tcp://127.0.0.1:*")
        .allow("accept tcp://127.0.0.1:*")
        .run_observed();
    out.outcome.assert_ok("stdnet_limits");
    let message = "capsock limit: this guest may hold at most 3 sockets open (raise it with \
                   --max-sockets)";
    assert_eq!(
        out.outcome.stdout,
        format!(
            "ok: 3 std sockets open\n\
             std udp socket 4: EMFILE\n\
             std tcp socket 4: EMFILE\n\
             std accept: EMFILE\n\
             capsock socket 4: errno 24 OSError: {message}\n\
             ok: accept after drop\n\
             ok: exchanged\n\
             std udp socket at the limit: EMFILE\n\
             ok: capsock socket after std drop\n\
             std udp socket beside it: EMFILE\n\
             ok: std socket after capsock close\n\
             capsock accept: errno 24 OSError: {message}\n\
             ok: capsock accept after std drop\n"
        )
    );
    // Refused sockets are neither audited nor counted: 6 sockets in steps 1-3 (the accepted
    // connection included), 4 in step 4; connects and accepts, 2 per door.
    let stats = &out.stats;
    let counts = (stats.sockets_opened(), stats.connections(), stats.denials());
    assert_eq!(counts, (10, 4, 0), "{stats}");
    let new = out
        .audit
        .iter()
        .filter(|r| r[0] == "socket.__new__")
        .count();
    assert_eq!(new, 10, "{:#?}", out.audit);
    // "limits" each way over the std::net connection.
    assert_eq!(
        (stats.bytes_sent(), stats.bytes_received()),
        (12, 12),
        "{stats}"
    );
}
