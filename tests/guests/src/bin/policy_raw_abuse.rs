//! Hostile values through the RAW generated bindings (no capsock safety net): every call must
//! come back as a value (data or an error code), never a host panic or a trap. The guest
//! prints one line per call with the errno it got; the runner checks them.
//!
//! argv[1]: `HOST:PORT` of a native TCP echo server on 127.0.0.1.

wit_bindgen::generate!({
    path: "../../wit",
    world: "guest",
    generate_all,
});

use crate::capsock::sockets::resolver;
use crate::capsock::sockets::socket::{
    Ancillary, AncillaryOut, OptionValue, Socket, poll, socketpair,
};
use crate::capsock::sockets::types::{
    AddressFamily, Error, Ipv4SocketAddress, NetlinkAddress, SocketAddress, SocketKind, UnixAddress,
};

const EINVAL: i32 = 22;
const ENOPROTOOPT: i32 = 92;

/// The error as a short code: `errno N`, `timeout`, `gai N`, `h N`.
fn code(e: &Error) -> String {
    match e {
        Error::Os(o) => format!("errno {}", o.errno),
        Error::Timeout => "timeout".to_owned(),
        Error::Gai(r) => format!("gai {}", r.code),
        Error::H(r) => format!("h {}", r.code),
    }
}

/// Prints `WHAT -> errno N` for an error; panics (a trap: test failure) on success.
fn expect_err<T: std::fmt::Debug>(what: &str, r: Result<T, Error>) -> Error {
    match r {
        Ok(v) => panic!("{what}: expected an error, got {v:?}"),
        Err(e) => {
            println!("{what} -> {}", code(&e));
            e
        }
    }
}

/// Receives exactly `n` more bytes (the rest of an echo).
fn drain(s: &Socket, mut n: usize) {
    for _ in 0..100 {
        if n == 0 {
            return;
        }
        let chunk = s.recv(n as u64, 0).expect("recv the rest of the echo");
        assert!(!chunk.is_empty(), "echo server closed");
        n -= chunk.len();
    }
    panic!("the echo never completed");
}

fn errno(e: &Error) -> Option<i32> {
    match e {
        Error::Os(o) => Some(o.errno),
        _ => None,
    }
}

/// A small deterministic generator (xorshift), so the run is the same every time.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (host, port) = args[0].rsplit_once(':').expect("HOST:PORT");
    let octets: Vec<u8> = host.split('.').map(|o| o.parse().unwrap()).collect();
    let server = SocketAddress::Inet(Ipv4SocketAddress {
        address: (octets[0], octets[1], octets[2], octets[3]),
        port: port.parse().unwrap(),
    });

    // The timeout the host keeps for a socket, in nanoseconds: as created, then as set (0 is
    // non-blocking, none is blocking).
    let t = Socket::create(
        AddressFamily::Inet,
        SocketKind::Stream,
        0,
        Some(1_500_000_000),
    )
    .expect("create");
    assert_eq!(t.get_timeout(), Some(1_500_000_000));
    for timeout in [Some(0), None, Some(7)] {
        t.set_timeout(timeout);
        assert_eq!(t.get_timeout(), timeout);
    }
    drop(t);

    // create with hostile arguments: the kernel's answer, or the host's refusal.
    expect_err(
        "create proto -1",
        Socket::create(AddressFamily::Inet, SocketKind::Stream, -1, None),
    );
    expect_err(
        "create proto i32::MAX",
        Socket::create(AddressFamily::Inet, SocketKind::Dgram, i32::MAX, None),
    );
    expect_err(
        "create AF_NETLINK",
        Socket::create(AddressFamily::Netlink, SocketKind::Dgram, 0, None),
    );
    expect_err(
        "create AF_NETLINK NETLINK_AUDIT",
        Socket::create(AddressFamily::Netlink, SocketKind::Raw, 9, None),
    );
    expect_err(
        "create SOCK_RAW",
        Socket::create(AddressFamily::Inet, SocketKind::Raw, 0, None),
    );
    expect_err(
        "socketpair AF_INET",
        socketpair(AddressFamily::Inet, SocketKind::Stream, 0, None),
    );

    // A connected TCP socket with a 10 s timeout for the data-path abuse.
    let s = Socket::create(
        AddressFamily::Inet,
        SocketKind::Stream,
        0,
        Some(10_000_000_000),
    )
    .expect("create");
    expect_err(
        "connect AF_UNIX address",
        s.connect(&SocketAddress::Unix(UnixAddress::Path(b"/tmp/x".to_vec()))),
    );
    expect_err(
        "bind AF_NETLINK address",
        s.bind(&SocketAddress::Netlink(NetlinkAddress {
            pid: 0,
            groups: 0,
        })),
    );
    // An address of the other family on send-to: the kernel's EAFNOSUPPORT, the host saying
    // what the socket takes; and the same on an AF_UNIX socket given an IP address.
    let says = |e: &Error, what: &str| {
        assert!(
            matches!(e, Error::Os(o) if o.message.as_deref().is_some_and(|m| m.contains(what))),
            "{e:?}"
        )
    };
    let unix = SocketAddress::Unix(UnixAddress::Path(b"/tmp/x".to_vec()));
    let e = expect_err("send-to AF_UNIX address", s.send_to(b"x", 0, &unix));
    says(&e, "an IP socket takes an IP address, not unix:/tmp/x");
    let u = Socket::create(AddressFamily::Unix, SocketKind::Dgram, 0, None).expect("create");
    let e = expect_err("send-to IP address on AF_UNIX", u.send_to(b"x", 0, &server));
    says(&e, "an AF_UNIX socket takes a path or an abstract name");
    drop(u);
    s.connect(&server).expect("connect to the echo server");

    let e = expect_err("send flags i32::MIN", s.send(b"abc", i32::MIN));
    assert_eq!(errno(&e), Some(EINVAL));
    let e = expect_err("send flags -1", s.send(b"abc", -1));
    assert_eq!(errno(&e), Some(EINVAL));
    let e = expect_err("sendall flags -1", s.sendall(b"abc", -1));
    assert_eq!(errno(&e), Some(EINVAL));
    let e = expect_err("recv flags -1", s.recv(16, -1));
    assert_eq!(errno(&e), Some(EINVAL));

    // recv with bufsize u64::MAX: data (at most 1 MiB), no giant allocation.
    assert_eq!(s.send(b"ping", 0).expect("send"), 4);
    let mut got = Vec::new();
    for _ in 0..100 {
        if got.len() >= 4 {
            break;
        }
        let chunk = s.recv(u64::MAX, 0).expect("recv u64::MAX");
        assert!(
            chunk.len() <= 1 << 20,
            "recv returned {} bytes",
            chunk.len()
        );
        assert!(!chunk.is_empty(), "echo server closed");
        got.extend(chunk);
    }
    assert_eq!(got, b"ping");
    println!("recv bufsize u64::MAX -> {} bytes", got.len());

    // The same through recvfrom and recvmsg, with huge ancillary buffer sizes too.
    s.sendall(b"pong", 0).expect("sendall");
    let (data, _) = s.recv_from(u64::MAX, 0).expect("recv_from u64::MAX");
    assert!(!data.is_empty() && data.len() <= 4);
    drain(&s, 4 - data.len());
    println!("recv_from bufsize u64::MAX -> data");
    s.sendall(b"pang", 0).expect("sendall");
    let m = s.recvmsg(u64::MAX, u64::MAX, 0).expect("recvmsg u64::MAX");
    assert!(!m.data.is_empty() && m.data.len() <= 4);
    drain(&s, 4 - m.data.len());
    println!("recvmsg bufsize u64::MAX ancbufsize u64::MAX -> data");

    // Socket options with random levels, names and values: refused, never a panic.
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let mut codes = std::collections::BTreeSet::new();
    for i in 0..300 {
        let level = rng.next() as i32;
        let name = rng.next() as i32;
        let len = (rng.next() % 300) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let value = match i % 3 {
            0 => OptionValue::Bytes(bytes),
            1 => OptionValue::Int(rng.next() as i32),
            _ => OptionValue::None(rng.next() as u32),
        };
        let e = s
            .setsockopt(level, name, &value)
            .expect_err("a random option must be refused");
        codes.insert(code(&e));
        let e = s
            .getsockopt_int(level, name)
            .expect_err("a random option must be refused");
        codes.insert(code(&e));
        let e = s
            .getsockopt_bytes(level, name, rng.next() as u32)
            .expect_err("a random option must be refused");
        codes.insert(code(&e));
    }
    println!(
        "random socket options -> {}",
        codes.into_iter().collect::<Vec<_>>().join(", ")
    );
    // Known options with wrong shapes.
    let e = expect_err(
        "setsockopt SO_RCVBUF with 3 bytes",
        s.setsockopt(1, 8, &OptionValue::Bytes(vec![1, 2, 3])),
    );
    assert_eq!(errno(&e), Some(EINVAL));
    let e = expect_err(
        "setsockopt SO_RCVBUF None(u32::MAX)",
        s.setsockopt(1, 8, &OptionValue::None(u32::MAX)),
    );
    assert_eq!(errno(&e), Some(EINVAL));
    let e = expect_err(
        "setsockopt SO_RCVBUF with 1 MiB",
        s.setsockopt(1, 8, &OptionValue::Bytes(vec![0; 1 << 20])),
    );
    assert_eq!(errno(&e), Some(EINVAL));
    let e = expect_err(
        "getsockopt-bytes SO_TYPE buflen u32::MAX",
        s.getsockopt_bytes(1, 3, u32::MAX),
    );
    assert_eq!(errno(&e), Some(EINVAL));
    let e = expect_err(
        "getsockopt-bytes SO_TYPE buflen 0",
        s.getsockopt_bytes(1, 3, 0),
    );
    assert_eq!(errno(&e), Some(EINVAL));
    let e = expect_err("getsockopt-int level -1", s.getsockopt_int(-1, i32::MIN));
    assert_eq!(errno(&e), Some(ENOPROTOOPT));

    let e = expect_err("shutdown how=99", s.shutdown(99));
    assert_eq!(errno(&e), Some(EINVAL));
    let e = expect_err("shutdown how=-1", s.shutdown(-1));
    assert_eq!(errno(&e), Some(EINVAL));

    // sendmsg: too many buffers, forbidden and oversized ancillary data, bad flags.
    let many = vec![b"x".to_vec(); 2000];
    expect_err("sendmsg 2000 buffers", s.sendmsg(&many, &[], 0, None));
    let fds = Ancillary {
        level: 1,
        kind: 1,
        data: vec![0; 1 << 20],
    };
    expect_err(
        "sendmsg SCM_RIGHTS 1 MiB",
        s.sendmsg(&[b"x".to_vec()], &[AncillaryOut::Item(fds)], 0, None),
    );
    let copies = vec![&s; 1000];
    expect_err(
        "sendmsg 1000 sockets in one SCM_RIGHTS",
        s.sendmsg(&[b"x".to_vec()], &[AncillaryOut::Rights(copies)], 0, None),
    );
    let tos: Vec<AncillaryOut> = (0..20_000)
        .map(|_| {
            AncillaryOut::Item(Ancillary {
                level: 0,
                kind: 1,
                data: vec![0],
            })
        })
        .collect();
    expect_err(
        "sendmsg 20000 IP_TOS items",
        s.sendmsg(&[b"x".to_vec()], &tos, 0, None),
    );
    let odd = Ancillary {
        level: i32::MIN,
        kind: i32::MAX,
        data: vec![],
    };
    expect_err(
        "sendmsg ancillary (i32::MIN, i32::MAX)",
        s.sendmsg(&[b"x".to_vec()], &[AncillaryOut::Item(odd)], 0, None),
    );
    expect_err(
        "sendmsg flags -1",
        s.sendmsg(&[b"x".to_vec()], &[], -1, None),
    );

    // Timeouts at the edges, then a poll that must return at once.
    s.set_timeout(Some(u64::MAX));
    assert_eq!(s.get_timeout(), Some(u64::MAX));
    s.set_timeout(Some(10_000_000_000));
    let ready = poll(&[], Some(0)).expect("poll of nothing");
    assert!(ready.is_empty());
    println!("poll [] timeout 0 -> []");

    // listen with the most negative backlog (CPython takes a negative backlog as 0).
    let l = Socket::create(AddressFamily::Inet, SocketKind::Stream, 0, None).expect("create");
    l.bind(&SocketAddress::Inet(Ipv4SocketAddress {
        address: (127, 0, 0, 1),
        port: 0,
    }))
    .expect("bind 127.0.0.1:0");
    match l.listen(i32::MIN) {
        Ok(()) => println!("listen i32::MIN -> ok"),
        Err(e) => println!("listen i32::MIN -> {}", code(&e)),
    }

    // The resolver with hostile strings.
    expect_err(
        "getaddrinfo host with NUL",
        resolver::getaddrinfo(
            Some("local\0host"),
            Some("80"),
            AddressFamily::Unspec,
            None,
            0,
            0,
        ),
    );
    expect_err(
        "getaddrinfo port with NUL",
        resolver::getaddrinfo(
            Some("127.0.0.1"),
            Some("8\u{0}0"),
            AddressFamily::Unspec,
            None,
            0,
            0,
        ),
    );
    expect_err(
        "getaddrinfo flags -1",
        resolver::getaddrinfo(
            Some("127.0.0.1"),
            Some("80"),
            AddressFamily::Unspec,
            None,
            -1,
            -1,
        ),
    );
    expect_err("gethostbyname NUL", resolver::gethostbyname("\0"));
    expect_err("if-nametoindex empty", resolver::if_nametoindex(""));
    expect_err("if-nametoindex NUL", resolver::if_nametoindex("lo\0"));
    expect_err(
        "if-nametoindex 100 KiB",
        resolver::if_nametoindex(&"x".repeat(100 << 10)),
    );
    expect_err("if-indextoname 0", resolver::if_indextoname(0));
    expect_err(
        "getservbyname NUL",
        resolver::getservbyname("ht\0tp", Some("tcp")),
    );
    expect_err("getprotobyname NUL", resolver::getprotobyname("t\0cp"));
    println!("done");
}
