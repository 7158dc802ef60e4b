//! Module functions: create_connection, create_server, the resolver functions, and the pure
//! functions and constants, run inside the guest against native peers on loopback.

use std::io::{Read, Write};
use std::net::TcpListener;

use capsock_tests::{
    FN_CONNECTION, FN_NAMEINFO, FN_PURE, FN_RESOLVE, FN_SERVER, Guest, audit_row,
    connect_when_listening, free_port, tcp_echo_server,
};

#[test]
pub fn fn_connection() {
    let (addr, server) = tcp_echo_server("127.0.0.1:0", 5);
    let port = addr.port();
    let closed = free_port("127.0.0.1");
    let out = Guest::new(FN_CONNECTION)
        .arg("full")
        .arg(port)
        .arg(closed)
        .allow("resolve localhost")
        .allow(&format!("connect tcp://127.0.0.1:{port}"))
        .allow(&format!("connect tcp://[::1]:{port}"))
        .allow(&format!("connect tcp://127.0.0.1:{closed}"))
        .allow(&format!("connect tcp://[::1]:{closed}"))
        .allow("bind tcp://127.0.0.1:*")
        .run_ok();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert_eq!(
        lines[..4],
        [
            "ok: create_connection by IP",
            "ok: create_connection via localhost",
            "ok: create_connection timeout option",
            "ok: create_connection source_address",
        ],
        "{out}"
    );
    // localhost is 127.0.0.1 only in this /etc/hosts; the guest counts the attempts from
    // getaddrinfo and checks one ConnectionRefusedError per attempt, however many there are.
    assert!(lines[4].starts_with("ok: all_errors group of "), "{out}");
    server.join().unwrap();
}

#[test]
fn fn_connection_needs_resolve_rule() {
    let (addr, _server) = tcp_echo_server("127.0.0.1:0", 1);
    let port = addr.port();
    let out = Guest::new(FN_CONNECTION)
        .arg("noresolve")
        .arg(port)
        .arg(0)
        .allow(&format!("connect tcp://127.0.0.1:{port}"))
        .run_ok();
    assert_eq!(
        out.trim(),
        "ok: localhost refused: capsock policy: resolve localhost denied (no rule allows it)"
    );
}

#[test]
pub fn fn_server() {
    let port = free_port("127.0.0.1");
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_port = busy.local_addr().unwrap().port();
    let client = std::thread::spawn(move || {
        let mut s = connect_when_listening(([127, 0, 0, 1], port).into());
        s.write_all(b"native hello\n").unwrap();
        let mut back = [0u8; 13];
        s.read_exact(&mut back).unwrap();
        assert_eq!(&back, b"native hello\n");
    });
    let out = Guest::new(FN_SERVER)
        .arg(port)
        .arg(busy_port)
        .allow("bind tcp://127.0.0.1:*")
        .allow("accept tcp://127.0.0.1:*")
        .allow("connect tcp://127.0.0.1:*")
        .run_ok();
    client.join().unwrap();
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "ok: create_server on port 0",
            "ok: served \"native hello\"",
            &format!(
                "ok: [Errno 98] Address already in use (while attempting to bind on address \
                 ('127.0.0.1', {busy_port}))"
            ),
        ],
        "{out}"
    );
    drop(busy);
}

#[test]
pub fn fn_resolve() {
    let common = [
        "ok: getaddrinfo numeric with service name",
        "ok: getaddrinfo passive",
        "ok: getaddrinfo kinds",
        "ok: getnameinfo numeric",
        "ok: gethostbyname numeric",
        "ok: gethostname, services, protocols, interfaces",
    ];
    let out = Guest::new(FN_RESOLVE)
        .arg("rule")
        .allow("resolve localhost")
        .allow("resolve *.invalid")
        .run_ok();
    let mut expected = common.to_vec();
    expected.extend([
        "ok: getaddrinfo localhost",
        "ok: gethostbyname localhost",
        "ok: [Errno -2] Name or service not known",
    ]);
    assert_eq!(out.lines().collect::<Vec<_>>(), expected, "{out}");

    let out = Guest::new(FN_RESOLVE).arg("norule").run_ok();
    let mut expected = common.to_vec();
    expected.push("ok: names refused without a rule");
    assert_eq!(out.lines().collect::<Vec<_>>(), expected, "{out}");
}

/// getnameinfo reads numeric hosts only: a name never reaches the host (no audit record, even
/// with `resolve *`); with NI_NUMERICHOST no rule is needed; the reverse lookup without it
/// needs `resolve *` and is the one lookup recorded.
#[test]
pub fn fn_nameinfo() {
    let common = [
        "ok: ('127.0.0.1', 80) -> ('127.0.0.1', '80')",
        "ok: ('127.1', 80) -> ('127.0.0.1', '80')",
        "ok: ('::1', 80) -> ('::1', '80')",
        "ok: ('::ffff:127.0.0.1', 80) -> ('::ffff:127.0.0.1', '80')",
        "ok: ('fe80::1%lo', 80) -> ('fe80::1', '80')",
        "ok: 4-tuples take their scope id",
        "ok: ('localhost', 80) flags 0 -> gaierror: [Errno -2] Name or service not known",
        "ok: ('localhost', 80) flags 3 -> gaierror: [Errno -2] Name or service not known",
        "ok: ('127.0.0.1', 80, 0, 0) -> OSError: IPv4 sockaddr must be 2 tuple",
    ];
    let run = Guest::new(FN_NAMEINFO)
        .arg("rule")
        .allow("resolve *")
        .run_observed();
    run.outcome.assert_ok("fn_nameinfo");
    let mut want = common.to_vec();
    want.push("ok: reverse lookup answered");
    assert_eq!(run.outcome.stdout.lines().collect::<Vec<_>>(), want);
    assert_eq!(
        run.audit,
        [audit_row(
            "socket.getnameinfo",
            "127.0.0.1",
            "allow",
            "resolve *"
        )]
    );
    assert_eq!(run.stats.denials(), 0);

    let run = Guest::new(FN_NAMEINFO).arg("norule").run_observed();
    run.outcome.assert_ok("fn_nameinfo");
    let mut want = common.to_vec();
    want.push(
        "ok: reverse lookup refused: capsock policy: resolve 127.0.0.1 denied (no rule allows it)",
    );
    assert_eq!(run.outcome.stdout.lines().collect::<Vec<_>>(), want);
    assert_eq!(
        run.audit,
        [audit_row(
            "socket.getnameinfo",
            "127.0.0.1",
            "deny",
            "default deny"
        )]
    );
}

#[test]
pub fn fn_pure() {
    let out = Guest::new(FN_PURE).run_ok();
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "ok: byte order",
            "ok: inet_* round trips",
            "ok: CMSG sizes and constants",
            "ok: default timeout",
        ]
    );
}
