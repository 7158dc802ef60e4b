//! The policy end to end: connect, send, bind and accept decided by allow and deny rules (port
//! ranges, CIDR, `[::1]`, `localhost`, `*`, deny beats allow, IPv4-mapped IPv6, `0.0.0.0`,
//! implicit binds), the exact messages a guest sees, the socket limit, and a guest that abuses
//! the raw bindings: every bad value is an error value, a forged handle is a trap, and the host
//! carries on.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use capsock_tests::{
    AuditRow, Guest, POLICY_ACCEPT, POLICY_BAD_HANDLE, POLICY_LIMITS, POLICY_PROBE,
    POLICY_RAW_ABUSE, audit_row, free_port, free_udp_port, tcp_echo_server, udp_echo_server,
};

/// What a probe line must say after `->`.
enum Expect {
    /// `ok`.
    Ok,
    /// `errno 13` with the default-deny message for VERB to PROTO://ADDR.
    Denied,
    /// `errno 13` with the message naming this deny rule.
    DeniedBy(&'static str),
    /// Exactly this text.
    Exact(String),
}

/// Runs `policy_probe` on `guest` with one probe per `(spec, expect)` and checks each line.
fn probe(guest: Guest, probes: &[(String, Expect)]) {
    let guest = probes.iter().fold(guest, |g, (spec, _)| g.arg(spec));
    let out = guest.run_ok();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), probes.len(), "one line per probe:\n{out}");
    for ((spec, expect), line) in probes.iter().zip(lines) {
        let (got_spec, outcome) = line.split_once(" -> ").expect("SPEC -> OUTCOME");
        assert_eq!(got_spec, spec, "{out}");
        let mut parts = spec.split(' ');
        let (op, proto, addr) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let verb = match op {
            "connect" | "echo" => "connect",
            "sendto" => "send",
            other => other,
        };
        let denial = format!("errno 13: capsock policy: {verb} to {proto}://{addr} denied");
        match expect {
            Expect::Ok => assert_eq!(outcome, "ok", "{spec}\n{out}"),
            Expect::Denied => assert_eq!(
                outcome,
                format!("{denial} (no rule allows it)"),
                "{spec}\n{out}"
            ),
            Expect::DeniedBy(rule) => assert_eq!(
                outcome,
                format!("{denial} by rule \"deny {rule}\""),
                "{spec}\n{out}"
            ),
            Expect::Exact(text) => assert_eq!(outcome, text, "{spec}\n{out}"),
        }
    }
}

fn p(spec: impl Into<String>, expect: Expect) -> (String, Expect) {
    (spec.into(), expect)
}

/// Native echo servers for the probes: TCP on 127.0.0.1, 127.0.0.2 and ::1, UDP on 127.0.0.1
/// and ::1. Their threads end with the test binary (they serve any number of connections).
struct Peers {
    tcp1: u16,
    tcp2: u16,
    tcp6: u16,
    udp1: u16,
    udp6: u16,
}

fn peers() -> Peers {
    Peers {
        tcp1: tcp_echo_server("127.0.0.1:0", 100).0.port(),
        tcp2: tcp_echo_server("127.0.0.2:0", 100).0.port(),
        tcp6: tcp_echo_server("[::1]:0", 100).0.port(),
        udp1: udp_echo_server("127.0.0.1:0", 100).0.port(),
        udp6: udp_echo_server("[::1]:0", 100).0.port(),
    }
}

/// A port next to `port` (for "the rule names another port").
fn other_port(port: u16) -> u16 {
    if port == u16::MAX { port - 1 } else { port + 1 }
}

/// Port ranges: `A-B` includes both edges and nothing outside; the rule's protocol and address
/// family must match. Native listeners wait on both edges of the TCP range, so each allowed
/// connect is accepted; UDP connects send nothing.
#[test]
pub fn policy_probe() {
    let edges = [
        std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
        std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
    ];
    let mut ports = edges.each_ref().map(|l| l.local_addr().unwrap().port());
    ports.sort_unstable();
    let [lo, hi] = ports;
    let guest = Guest::new(POLICY_PROBE)
        .allow(&format!("connect tcp://127.0.0.1:{lo}-{hi}"))
        .allow("connect udp://[::1]:8000-8099");
    probe(
        guest,
        &[
            p(format!("connect tcp 127.0.0.1:{}", lo - 1), Expect::Denied),
            p(format!("connect tcp 127.0.0.1:{lo}"), Expect::Ok),
            p(format!("connect tcp 127.0.0.1:{hi}"), Expect::Ok),
            p(format!("connect tcp 127.0.0.1:{}", hi + 1), Expect::Denied),
            p("connect udp [::1]:7999", Expect::Denied),
            p("connect udp [::1]:8000", Expect::Ok),
            p("connect udp [::1]:8099", Expect::Ok),
            p("connect udp [::1]:8100", Expect::Denied),
            p("connect udp 127.0.0.1:8000", Expect::Denied),
            p("connect tcp [::1]:8000", Expect::Denied),
            p("sendto udp [::1]:8000", Expect::Denied),
        ],
    );
    drop(edges);
}

/// CIDR `127.0.0.0/8` covers 127.0.0.1 and 127.0.0.2 but not ::1; `send` rules govern UDP
/// datagrams, `connect` rules do not.
#[test]
fn policy_cidr_v4() {
    let ps = peers();
    let guest = Guest::new(POLICY_PROBE)
        .allow("connect tcp://127.0.0.0/8:*")
        .allow("send udp://127.0.0.0/8:*")
        .allow("recv udp://127.0.0.0/8:*");
    probe(
        guest,
        &[
            p(format!("echo tcp 127.0.0.1:{}", ps.tcp1), Expect::Ok),
            p(format!("echo tcp 127.0.0.2:{}", ps.tcp2), Expect::Ok),
            p(format!("echo tcp [::1]:{}", ps.tcp6), Expect::Denied),
            p(format!("sendto udp 127.0.0.1:{}", ps.udp1), Expect::Ok),
            p(format!("sendto udp [::1]:{}", ps.udp6), Expect::Denied),
            p(format!("connect udp 127.0.0.1:{}", ps.udp1), Expect::Denied),
            p(format!("bind tcp 127.0.0.1:{}", ps.tcp1), Expect::Denied),
        ],
    );
}

/// `[::1]` with any port for TCP and one port for UDP.
#[test]
fn policy_ipv6_literal() {
    let ps = peers();
    let guest = Guest::new(POLICY_PROBE)
        .allow("connect tcp://[::1]:*")
        .allow(&format!("send udp://[::1]:{}", ps.udp6))
        .allow(&format!("recv udp://[::1]:{}", ps.udp6));
    probe(
        guest,
        &[
            p(format!("echo tcp [::1]:{}", ps.tcp6), Expect::Ok),
            p(format!("echo tcp 127.0.0.1:{}", ps.tcp1), Expect::Denied),
            p(format!("sendto udp [::1]:{}", ps.udp6), Expect::Ok),
            p(
                format!("sendto udp [::1]:{}", other_port(ps.udp6)),
                Expect::Denied,
            ),
            p(format!("sendto udp 127.0.0.1:{}", ps.udp1), Expect::Denied),
        ],
    );
}

/// `localhost` matches every loopback address, IPv4 and IPv6, but only for the verbs named.
#[test]
fn policy_localhost() {
    let ps = peers();
    let guest = Guest::new(POLICY_PROBE)
        .allow("connect tcp://localhost:*")
        .allow("send udp://localhost:*")
        .allow("recv udp://localhost:*");
    probe(
        guest,
        &[
            p(format!("echo tcp 127.0.0.1:{}", ps.tcp1), Expect::Ok),
            p(format!("echo tcp 127.0.0.2:{}", ps.tcp2), Expect::Ok),
            p(format!("echo tcp [::1]:{}", ps.tcp6), Expect::Ok),
            p(format!("sendto udp 127.0.0.1:{}", ps.udp1), Expect::Ok),
            p(format!("sendto udp [::1]:{}", ps.udp6), Expect::Ok),
            p("bind tcp 127.0.0.1:0", Expect::Denied),
            p(format!("connect udp [::1]:{}", ps.udp6), Expect::Denied),
        ],
    );
}

/// `*` allows everything of its verb; a deny rule beats it, also when the guest writes the
/// denied IPv4 address as IPv4-mapped IPv6 on an AF_INET6 socket.
#[test]
fn policy_deny_beats_allow() {
    let ps = peers();
    let deny = "connect tcp://127.0.0.2:*";
    let guest = Guest::new(POLICY_PROBE)
        .allow("connect tcp://*:*")
        .allow("send udp://*:*")
        .allow("recv udp://*:*")
        .deny(deny);
    probe(
        guest,
        &[
            p(format!("echo tcp 127.0.0.1:{}", ps.tcp1), Expect::Ok),
            p(format!("echo tcp [::1]:{}", ps.tcp6), Expect::Ok),
            p(
                format!("echo tcp 127.0.0.2:{}", ps.tcp2),
                Expect::DeniedBy(deny),
            ),
            p(
                format!("echo tcp [::ffff:127.0.0.2]:{}", ps.tcp2),
                Expect::DeniedBy(deny),
            ),
            p(
                format!("echo tcp [::ffff:127.0.0.1]:{}", ps.tcp1),
                Expect::Ok,
            ),
            p(format!("sendto udp 127.0.0.1:{}", ps.udp1), Expect::Ok),
            p(format!("sendto udp [::1]:{}", ps.udp6), Expect::Ok),
        ],
    );
}

/// `0.0.0.0` (and `::`) as a destination is loopback on Linux, so it is decided as 127.0.0.1
/// (`::1`): denied when only 10.0.0.0/8 is allowed — refused before any system call, so the
/// listener sees no connection — and allowed by a rule for 127.0.0.1.
#[test]
fn policy_unspecified_destination() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    probe(
        Guest::new(POLICY_PROBE).allow("connect tcp://10.0.0.0/8:*"),
        &[p(format!("connect tcp 0.0.0.0:{port}"), Expect::Denied)],
    );
    listener.set_nonblocking(true).unwrap();
    match listener.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        other => panic!("a denied connect reached the listener: {other:?}"),
    }

    let ps = peers();
    probe(
        Guest::new(POLICY_PROBE)
            .allow(&format!("connect tcp://127.0.0.1:{}", ps.tcp1))
            .allow(&format!("connect tcp://[::1]:{}", ps.tcp6)),
        &[
            p(format!("echo tcp 0.0.0.0:{}", ps.tcp1), Expect::Ok),
            p(format!("echo tcp [::]:{}", ps.tcp6), Expect::Ok),
        ],
    );
    let deny = "connect tcp://127.0.0.1:*";
    probe(
        Guest::new(POLICY_PROBE)
            .allow("connect tcp://*:*")
            .deny(deny),
        &[p(
            format!("connect tcp 0.0.0.0:{}", ps.tcp1),
            Expect::DeniedBy(deny),
        )],
    );
}

/// bind: the local address and port must match a bind rule; the wildcard address is an
/// address of its own.
#[test]
fn policy_bind() {
    let port = free_port("127.0.0.1");
    let guest = Guest::new(POLICY_PROBE)
        .allow(&format!("bind tcp://127.0.0.1:{port}"))
        .allow("bind udp://[::1]:*");
    probe(
        guest,
        &[
            p(format!("bind tcp 127.0.0.1:{port}"), Expect::Ok),
            p(
                format!("bind tcp 127.0.0.1:{}", other_port(port)),
                Expect::Denied,
            ),
            p(format!("bind tcp 0.0.0.0:{port}"), Expect::Denied),
            p(format!("bind tcp [::1]:{port}"), Expect::Denied),
            p("bind udp [::1]:0", Expect::Ok),
            p("bind udp 127.0.0.1:0", Expect::Denied),
        ],
    );
}

/// Implicit binds: a deny `bind` rule covering the wildcard address makes connect (TCP) or
/// sendto (UDP) on an unbound socket fail, naming the implicit bind; the other protocol is
/// unaffected.
#[test]
fn policy_implicit_bind() {
    let ps = peers();
    let implicit = |rule: &str| {
        Expect::Exact(format!(
            "errno 13: capsock policy: bind to {}://0.0.0.0:0 denied by rule \"deny {rule}\"",
            &rule[5..8]
        ))
    };
    let tcp_rule = "bind tcp://*:*";
    probe(
        Guest::new(POLICY_PROBE)
            .allow("connect tcp://127.0.0.1:*")
            .allow("send udp://127.0.0.1:*")
            .allow("recv udp://127.0.0.1:*")
            .deny(tcp_rule),
        &[
            p(
                format!("echo tcp 127.0.0.1:{}", ps.tcp1),
                implicit(tcp_rule),
            ),
            p(format!("sendto udp 127.0.0.1:{}", ps.udp1), Expect::Ok),
        ],
    );
    let udp_rule = "bind udp://*:*";
    probe(
        Guest::new(POLICY_PROBE)
            .allow("connect tcp://127.0.0.1:*")
            .allow("send udp://127.0.0.1:*")
            .allow("recv udp://127.0.0.1:*")
            .allow("connect udp://127.0.0.1:*")
            .deny(udp_rule),
        &[
            p(
                format!("sendto udp 127.0.0.1:{}", ps.udp1),
                implicit(udp_rule),
            ),
            p(
                format!("connect udp 127.0.0.1:{}", ps.udp1),
                implicit(udp_rule),
            ),
            p(format!("echo tcp 127.0.0.1:{}", ps.tcp1), Expect::Ok),
        ],
    );
    // The IPv6 wildcard is named for an AF_INET6 socket.
    probe(
        Guest::new(POLICY_PROBE)
            .allow("connect tcp://[::1]:*")
            .deny("bind tcp://[::]:0"),
        &[p(
            format!("echo tcp [::1]:{}", ps.tcp6),
            Expect::Exact(
                "errno 13: capsock policy: bind to tcp://[::]:0 denied by rule \"deny bind tcp://[::]:0\""
                    .to_owned(),
            ),
        )],
    );
}

pub(crate) mod ffi {
    //! `socket`/`bind`/`connect` from the C library, to give a native client a chosen source
    //! address (std's `TcpStream` cannot bind before connecting).
    use std::io;
    use std::net::{Ipv4Addr, SocketAddrV4, TcpStream};
    use std::os::fd::FromRawFd;

    #[repr(C)]
    struct SockaddrIn {
        family: u16,
        port: [u8; 2],
        addr: [u8; 4],
        zero: [u8; 8],
    }

    unsafe extern "C" {
        fn socket(domain: i32, kind: i32, proto: i32) -> i32;
        fn bind(fd: i32, addr: *const SockaddrIn, len: u32) -> i32;
        fn connect(fd: i32, addr: *const SockaddrIn, len: u32) -> i32;
        fn close(fd: i32) -> i32;
    }

    const AF_INET: i32 = 2;
    const SOCK_STREAM: i32 = 1;
    const SOCK_CLOEXEC: i32 = 0o2000000;

    fn sockaddr(a: SocketAddrV4) -> SockaddrIn {
        SockaddrIn {
            family: AF_INET as u16,
            port: a.port().to_be_bytes(),
            addr: a.ip().octets(),
            zero: [0; 8],
        }
    }

    /// A blocking TCP connection to `to` from the local address `from` (port 0: any).
    pub fn connect_from(from: Ipv4Addr, to: SocketAddrV4) -> io::Result<TcpStream> {
        let len = size_of::<SockaddrIn>() as u32;
        // SAFETY: plain system calls on a descriptor this function owns; the address structs
        // live across the calls and `len` is their size.
        unsafe {
            let fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            let local = sockaddr(SocketAddrV4::new(from, 0));
            let remote = sockaddr(to);
            if bind(fd, &local, len) != 0 || connect(fd, &remote, len) != 0 {
                let e = io::Error::last_os_error();
                close(fd);
                return Err(e);
            }
            Ok(TcpStream::from_raw_fd(fd))
        }
    }
}

/// accept: a peer no `accept` rule allows (a client bound to 127.0.0.2) is reset and never
/// reaches the guest; the next, allowed peer (127.0.0.1) is what `accept` returns.
#[test]
pub fn policy_accept() {
    let port = free_port("127.0.0.1");
    let guest = std::thread::spawn(move || {
        Guest::new(POLICY_ACCEPT)
            .arg(format!("127.0.0.1:{port}"))
            .allow(&format!("bind tcp://127.0.0.1:{port}"))
            .allow("accept tcp://127.0.0.1:*")
            .run()
    });
    let server = std::net::SocketAddrV4::new([127, 0, 0, 1].into(), port);

    // The denied client: retried until the guest listens (bounded: about 20 s).
    let mut denied = None;
    for _ in 0..400 {
        match ffi::connect_from([127, 0, 0, 2].into(), server) {
            Ok(s) => {
                denied = Some(s);
                break;
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    let mut denied = denied.expect("the guest never listened");
    assert_eq!(
        denied.local_addr().unwrap().ip().to_string(),
        "127.0.0.2",
        "the denied client's source address"
    );
    denied
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buf = [0u8; 16];
    match denied.read(&mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("the denied client was not reset: {other:?}"),
    }

    let mut allowed = TcpStream::connect(server).expect("the allowed client connects");
    allowed
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    allowed.write_all(b"allowed").unwrap();
    let mut echo = [0u8; 7];
    allowed.read_exact(&mut echo).expect("the guest echoes");
    assert_eq!(&echo, b"allowed");

    let out = guest.join().unwrap();
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(
        out.stdout, "accepted 127.0.0.1\nechoed allowed\n",
        "{out:?}"
    );
}

/// `--max-sockets 3`: the 4th socket (or dup) is EMFILE with a message naming the limit;
/// closing or dropping one frees its slot.
#[test]
pub fn policy_limits() {
    let out = Guest::new(POLICY_LIMITS).max_sockets(3).run_ok();
    assert_eq!(
        out,
        "ok: 3 sockets open\n\
         4th socket: errno 24 OSError: capsock limit: this guest may hold at most 3 sockets open (raise it with --max-sockets)\n\
         ok: dup refused with EMFILE\n\
         ok: socket after close\n\
         ok: dup after drop\n\
         ok: limit holds again\n"
    );
}

/// Hostile values through the raw bindings: every call returns an error value (or data),
/// nothing traps, and the host's memory per receive stays bounded.
#[test]
pub fn policy_raw_abuse() {
    let (addr, _server) = tcp_echo_server("127.0.0.1:0", 1);
    let out = Guest::new(POLICY_RAW_ABUSE)
        .arg(addr)
        .allow(&format!("connect tcp://{addr}"))
        .allow("bind tcp://127.0.0.1:*")
        .run_ok();
    let expected = "\
create proto -1 -> errno 22
create proto i32::MAX -> errno 22
create AF_NETLINK -> errno 13
create AF_NETLINK NETLINK_AUDIT -> errno 93
create SOCK_RAW -> errno 13
socketpair AF_INET -> errno 95
connect AF_UNIX address -> errno 97
bind AF_NETLINK address -> errno 97
send-to AF_UNIX address -> errno 97
send-to IP address on AF_UNIX -> errno 97
send flags i32::MIN -> errno 22
send flags -1 -> errno 22
sendall flags -1 -> errno 22
recv flags -1 -> errno 22
recv bufsize u64::MAX -> 4 bytes
recv_from bufsize u64::MAX -> data
recvmsg bufsize u64::MAX ancbufsize u64::MAX -> data
random socket options -> errno 22, errno 92
setsockopt SO_RCVBUF with 3 bytes -> errno 22
setsockopt SO_RCVBUF None(u32::MAX) -> errno 22
setsockopt SO_RCVBUF with 1 MiB -> errno 22
getsockopt-bytes SO_TYPE buflen u32::MAX -> errno 22
getsockopt-bytes SO_TYPE buflen 0 -> errno 22
getsockopt-int level -1 -> errno 92
shutdown how=99 -> errno 22
shutdown how=-1 -> errno 22
sendmsg 2000 buffers -> errno 90
sendmsg SCM_RIGHTS 1 MiB -> errno 22
sendmsg 1000 sockets in one SCM_RIGHTS -> errno 22
sendmsg 20000 IP_TOS items -> errno 105
sendmsg ancillary (i32::MIN, i32::MAX) -> errno 22
sendmsg flags -1 -> errno 22
poll [] timeout 0 -> []
listen i32::MIN -> ok
getaddrinfo host with NUL -> errno 13
getaddrinfo port with NUL -> errno 22
getaddrinfo flags -1 -> gai -1
gethostbyname NUL -> errno 13
if-nametoindex empty -> errno 19
if-nametoindex NUL -> errno 22
if-nametoindex 100 KiB -> errno 19
if-indextoname 0 -> errno 6
getservbyname NUL -> errno 22
getprotobyname NUL -> errno 22
done
";
    let got: Vec<&str> = out.lines().collect();
    let want: Vec<&str> = expected.lines().collect();
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "full output:\n{out}");
    }
    assert_eq!(got.len(), want.len(), "full output:\n{out}");
}

/// A forged resource handle traps the guest (not the host): the trap names the bad handle,
/// the guest printed up to the call, and the host runs the next guest normally.
#[test]
pub fn policy_bad_handle() {
    let out = Guest::new(POLICY_BAD_HANDLE).run();
    assert_eq!(out.code, None, "a forged handle must trap: {out:?}");
    let trap = out.trap.as_deref().unwrap_or_default();
    assert!(
        trap.contains("unknown handle index 9999"),
        "the trap names the bad handle: {trap}"
    );
    assert!(
        out.stdout
            .contains("calling a method on forged handle 9999"),
        "{out:?}"
    );
    assert!(!out.stdout.contains("unreachable"), "{out:?}");

    // The host is fine: the next guest in this process runs as usual.
    let ps = peers();
    probe(
        Guest::new(POLICY_PROBE).allow("connect tcp://127.0.0.1:*"),
        &[p(format!("echo tcp 127.0.0.1:{}", ps.tcp1), Expect::Ok)],
    );
}

/// Every spelling of a denied address — inet_aton shorthands (`127.2`, `0x7f.0.0.2`,
/// `2130706434`, octal), IPv4-mapped and IPv4-compatible IPv6 — is refused before any syscall:
/// the native listener on that address never sees a connection.
#[test]
pub fn policy_bypass() {
    let listener = std::net::TcpListener::bind("127.0.0.2:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let allowed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let out = Guest::new(capsock_tests::POLICY_BYPASS)
        .arg(port)
        .arg(allowed.local_addr().unwrap().port())
        .allow("connect tcp://*:*")
        .deny("connect tcp://127.0.0.2:*")
        .run_ok();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 12, "{out}");
    for line in &lines[..11] {
        assert!(line.ends_with(" -> denied"), "{out}");
    }
    assert_eq!(lines[11], "127.1 -> connected to 127.0.0.1");
    listener.set_nonblocking(true).unwrap();
    assert_eq!(
        listener.accept().map(|_| ()).unwrap_err().kind(),
        ErrorKind::WouldBlock,
        "a bypass reached the denied address"
    );
}

/// One row of [`policy_verb_table`]: a probe, what the guest must print for it, and the audit
/// records it must leave, in order (a target ending in `:` is a prefix: the peer's port is
/// ephemeral).
struct VerbCase {
    verb: &'static str,
    spec: String,
    outcome: String,
    audit: Vec<AuditRow>,
}

fn row_matches(got: &AuditRow, want: &AuditRow) -> bool {
    let target = got[1] == want[1] || (want[1].ends_with(':') && got[1].starts_with(&want[1]));
    got[0] == want[0] && target && got[2] == want[2] && got[3] == want[3]
}

/// Every verb through a guest, allowed once and denied once, under one policy: what the guest
/// sees (a `PermissionError`, errno 13, naming the operation and the rule; a refused `accept`
/// peer or `recv` sender never reaches the guest at all) and the audit record of each decision.
#[test]
fn policy_verb_table() {
    let echo = tcp_echo_server("127.0.0.1:0", 1).0.port();
    let udp_echo = udp_echo_server("127.0.0.1:0", 1).0.port();
    let [unlisted, bind_ok, bind_denied, accept_port] = [(); 4].map(|()| free_port("127.0.0.1"));
    let [udp_unlisted, recv_port] = [(); 2].map(|()| free_udp_port("127.0.0.1"));
    let denied = |verb: &str, target: &str, why: &str| {
        format!("errno 13: capsock policy: {verb} {target} {why}")
    };
    let no_rule = "denied (no rule allows it)";
    let cases = vec![
        VerbCase {
            verb: "connect tcp, allowed",
            spec: format!("connect tcp 127.0.0.1:{echo}"),
            outcome: "ok".into(),
            audit: vec![audit_row(
                "socket.connect",
                &format!("tcp://127.0.0.1:{echo}"),
                "allow",
                &format!("connect tcp://127.0.0.1:{echo}"),
            )],
        },
        VerbCase {
            verb: "connect tcp, denied",
            spec: format!("connect tcp 127.0.0.1:{unlisted}"),
            outcome: denied(
                "connect to",
                &format!("tcp://127.0.0.1:{unlisted}"),
                no_rule,
            ),
            audit: vec![audit_row(
                "socket.connect",
                &format!("tcp://127.0.0.1:{unlisted}"),
                "deny",
                "default deny",
            )],
        },
        VerbCase {
            verb: "bind, allowed",
            spec: format!("bind tcp 127.0.0.1:{bind_ok}"),
            outcome: "ok".into(),
            audit: vec![audit_row(
                "socket.bind",
                &format!("tcp://127.0.0.1:{bind_ok}"),
                "allow",
                "bind tcp://127.0.0.0/8:*",
            )],
        },
        VerbCase {
            verb: "bind, denied",
            spec: format!("bind tcp 127.0.0.1:{bind_denied}"),
            outcome: denied(
                "bind to",
                &format!("tcp://127.0.0.1:{bind_denied}"),
                &format!("denied by rule \"deny bind tcp://127.0.0.1:{bind_denied}\""),
            ),
            audit: vec![audit_row(
                "socket.bind",
                &format!("tcp://127.0.0.1:{bind_denied}"),
                "deny",
                &format!("bind tcp://127.0.0.1:{bind_denied}"),
            )],
        },
        VerbCase {
            verb: "accept, denied peer then allowed peer",
            spec: format!("accept tcp 127.0.0.1:{accept_port}"),
            outcome: "ok".into(),
            audit: vec![
                audit_row("socket.accept", "tcp://127.0.0.2:", "deny", "default deny"),
                audit_row(
                    "socket.accept",
                    "tcp://127.0.0.1:",
                    "allow",
                    "accept tcp://127.0.0.1:*",
                ),
            ],
        },
        VerbCase {
            verb: "send udp, allowed",
            spec: format!("sendto udp 127.0.0.1:{udp_echo}"),
            outcome: "ok".into(),
            audit: vec![
                audit_row(
                    "socket.sendto",
                    &format!("udp://127.0.0.1:{udp_echo}"),
                    "allow",
                    &format!("send udp://127.0.0.1:{udp_echo}"),
                ),
                audit_row(
                    "socket.recvfrom",
                    &format!("udp://127.0.0.1:{udp_echo}"),
                    "allow",
                    "recv udp://127.0.0.1:*",
                ),
            ],
        },
        VerbCase {
            verb: "send udp, denied",
            spec: format!("sendto udp 127.0.0.1:{udp_unlisted}"),
            outcome: denied(
                "send to",
                &format!("udp://127.0.0.1:{udp_unlisted}"),
                no_rule,
            ),
            audit: vec![audit_row(
                "socket.sendto",
                &format!("udp://127.0.0.1:{udp_unlisted}"),
                "deny",
                "default deny",
            )],
        },
        VerbCase {
            verb: "recv udp, denied sender then allowed sender",
            spec: format!("recv udp 127.0.0.1:{recv_port}"),
            outcome: "ok".into(),
            audit: vec![
                audit_row(
                    "socket.recvfrom",
                    "udp://127.0.0.2:",
                    "deny",
                    "default deny",
                ),
                audit_row(
                    "socket.recvfrom",
                    "udp://127.0.0.1:",
                    "allow",
                    "recv udp://127.0.0.1:*",
                ),
            ],
        },
        VerbCase {
            verb: "resolve, allowed",
            spec: "resolve name localhost".into(),
            outcome: "ok".into(),
            audit: vec![audit_row(
                "socket.getaddrinfo",
                "localhost",
                "allow",
                "resolve localhost",
            )],
        },
        VerbCase {
            verb: "resolve, denied",
            spec: "resolve name blocked.invalid".into(),
            outcome: denied(
                "resolve",
                "blocked.invalid",
                "denied by rule \"deny resolve *.invalid\"",
            ),
            audit: vec![audit_row(
                "socket.getaddrinfo",
                "blocked.invalid",
                "deny",
                "resolve *.invalid",
            )],
        },
    ];
    let guest = cases
        .iter()
        .fold(Guest::new(POLICY_PROBE), |g, c| g.arg(&c.spec));
    let out = guest
        .allow(&format!("connect tcp://127.0.0.1:{echo}"))
        .allow("bind tcp://127.0.0.0/8:*")
        .deny(&format!("bind tcp://127.0.0.1:{bind_denied}"))
        .allow(&format!("connect tcp://127.0.0.1:{accept_port}"))
        .allow("accept tcp://127.0.0.1:*")
        .allow(&format!("send udp://127.0.0.1:{udp_echo}"))
        .allow("recv udp://127.0.0.1:*")
        .allow(&format!("bind udp://127.0.0.1:{recv_port}"))
        .allow("bind udp://127.0.0.2:0")
        .allow(&format!("send udp://127.0.0.1:{recv_port}"))
        .allow("resolve localhost")
        .deny("resolve *.invalid")
        .run_observed();
    out.outcome.assert_ok("policy_probe");
    let lines: Vec<&str> = out.outcome.stdout.lines().collect();
    assert_eq!(lines.len(), cases.len(), "{}", out.outcome.stdout);
    // Each case's records, in order, after the previous case's.
    let mut rest = &out.audit[..];
    for (case, line) in cases.iter().zip(lines) {
        assert_eq!(
            line,
            format!("{} -> {}", case.spec, case.outcome),
            "{}",
            case.verb
        );
        for want in &case.audit {
            let at = rest.iter().position(|got| row_matches(got, want));
            let at = at.unwrap_or_else(|| {
                panic!(
                    "{}: no audit record {want:?} after the previous ones in {:#?}",
                    case.verb, out.audit
                )
            });
            rest = &rest[at + 1..];
        }
    }
    let denials = out.audit.iter().filter(|r| r[2] == "deny").count();
    assert_eq!(denials, 6, "{:#?}", out.audit);
    assert_eq!(out.stats.denials(), 6);
}
