//! The TCP socket object as a client of a native command server (argv: `HOST:PORT` of the server,
//! then a closed port): bind/getsockname, connect/connect_ex (success and ECONNREFUSED),
//! getpeername, every receive and send form, MSG_PEEK/MSG_DONTWAIT/MSG_WAITALL/MSG_OOB, a 16 MiB
//! sendall checked by the peer, shutdown, dup, detach/from_fileno, close and EBADF after it,
//! Read/Write, and the conversion into `std::io::Error`.
use std::fmt::Debug;
use std::io::{BufRead, BufReader, Read, Write};
use std::time::{Duration, Instant};

use capsock::errno::{EBADF, ECONNREFUSED, EINVAL, ENOTCONN};
use capsock::{
    AF_INET, AF_INET6, Address, Error, MSG_DONTWAIT, MSG_OOB, MSG_PEEK, MSG_WAITALL, POLLPRI,
    SHUT_RD, SHUT_WR, SOCK_STREAM, Socket,
};

/// Asserts that `r` failed with an `OSError` of this errno and Python class.
fn expect_os<T: Debug>(r: capsock::Result<T>, errno: i32, class: &str, what: &str) -> Error {
    let e = r.expect_err(what);
    assert_eq!(e.errno(), Some(errno), "{what}: {e:?}");
    assert_eq!(e.python_class(), class, "{what}: {e:?}");
    println!("ok: {what} -> {class} errno {errno}");
    e
}

/// The errno of the `capsock::Error` inside an `io::Error`.
fn inner_errno(io: &std::io::Error) -> Option<i32> {
    io.get_ref()
        .and_then(|i| i.downcast_ref::<Error>())
        .and_then(Error::errno)
}

/// The std form of an address, as the native peer prints it (`127.0.0.1:80`, `[::1]:80`).
fn std_form(a: &Address) -> String {
    a.socket_addr()
        .unwrap_or_else(|| panic!("numeric address expected: {a:?}"))
        .to_string()
}

/// Reads one `\n`-terminated line with plain `recv` (byte by byte, so nothing is read ahead).
fn recv_line(s: &Socket) -> String {
    let mut line = Vec::new();
    while !line.ends_with(b"\n") {
        let b = s.recv(1).expect("recv a line");
        assert!(!b.is_empty(), "peer closed in the middle of a line");
        line.extend_from_slice(&b);
        assert!(line.len() < 4096, "line too long");
    }
    String::from_utf8(line).expect("utf-8 line")
}

/// Receives exactly `n` bytes with plain `recv` calls.
fn recv_exact(s: &Socket, n: usize) -> Vec<u8> {
    let mut got = Vec::new();
    while got.len() < n {
        let chunk = s.recv(n - got.len()).expect("recv");
        assert!(!chunk.is_empty(), "peer closed early");
        got.extend_from_slice(&chunk);
    }
    got
}

/// Receives until end of stream.
fn recv_to_eof(s: &Socket) -> Vec<u8> {
    let mut got = Vec::new();
    loop {
        let chunk = s.recv(65536).expect("recv");
        if chunk.is_empty() {
            return got;
        }
        got.extend_from_slice(&chunk);
    }
}

/// FNV-1a, 64 bits: the checksum the native peer computes too.
fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A connected socket to the command server, that has been sent `command`.
fn session(family: i32, server: (&str, u16), command: &str) -> Socket {
    let s = Socket::new(family, SOCK_STREAM, 0).expect("socket");
    s.connect(server).expect("connect to the command server");
    s.sendall(format!("{command}\n").as_bytes())
        .expect("send the command");
    s
}

fn main() {
    let args = capsock_test_guests::args();
    let (host, port) = capsock_test_guests::host_port(&args[0]);
    let closed_port: u16 = args[1].parse().expect("closed port");
    let host = host.as_str();
    let family = if host.contains(':') {
        AF_INET6
    } else {
        AF_INET
    };
    let server = (host, port);

    // --- a fresh socket: attributes, flags, ENOTCONN ---
    let s = Socket::new(family, SOCK_STREAM, 0).expect("socket");
    assert_eq!((s.family(), s.type_(), s.proto()), (family, SOCK_STREAM, 0));
    println!("ok: family/type/proto");
    assert!(s.fileno() >= 0, "fileno {}", s.fileno());
    println!("ok: fileno >= 0");
    assert!(!s.get_inheritable().unwrap());
    s.set_inheritable(true).unwrap();
    assert!(s.get_inheritable().unwrap());
    s.set_inheritable(false).unwrap();
    assert!(!s.get_inheritable().unwrap());
    println!("ok: inheritable false by default, round-trips");
    expect_os(
        s.getpeername(),
        ENOTCONN,
        "OSError",
        "getpeername unconnected",
    );

    // --- bind to port 0, getsockname, connect_ex, the peer's view ---
    s.bind((host, 0)).expect("bind port 0");
    let local = s.getsockname().expect("getsockname");
    assert_eq!(local.host(), Some(host), "{local:?}");
    assert_ne!(local.port(), Some(0), "{local:?}");
    println!("ok: bind port 0 gets a real port");
    assert_eq!(s.connect_ex(server).expect("connect_ex"), 0);
    println!("ok: connect_ex success -> 0");
    let peer = s.getpeername().expect("getpeername");
    assert_eq!(peer.host(), Some(host));
    assert_eq!(peer.port(), Some(port));
    println!("ok: getpeername is the server");
    s.sendall(b"PEER\n").unwrap();
    let seen = recv_line(&s);
    assert_eq!(
        seen.trim_end(),
        std_form(&local),
        "peer saw another address"
    );
    assert_eq!(s.getsockname().unwrap(), local);
    println!("ok: peer sees our getsockname");
    drop(s);

    // --- refused connects, and io::Error conversion ---
    let s = Socket::new(family, SOCK_STREAM, 0).unwrap();
    assert_eq!(s.connect_ex((host, closed_port)).unwrap(), ECONNREFUSED);
    println!("ok: connect_ex closed port -> 111");
    let s = Socket::new(family, SOCK_STREAM, 0).unwrap();
    let e = expect_os(
        s.connect((host, closed_port)),
        ECONNREFUSED,
        "ConnectionRefusedError",
        "connect closed port",
    );
    assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);
    let io: std::io::Error = e.into();
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
    // WASI's std reads raw codes in WASI's numbering, so the Linux errno rides inside instead.
    assert_eq!(io.raw_os_error(), None);
    assert_eq!(inner_errno(&io), Some(ECONNREFUSED));
    assert_eq!(io.to_string(), "[Errno 111] Connection refused");
    assert_eq!(Error::from(io).errno(), Some(ECONNREFUSED));
    println!("ok: io::Error keeps ConnectionRefused and errno 111");

    // --- receive and send forms over an echo session ---
    let s = session(family, server, "ECHO");
    assert_eq!(s.send(b"hello").unwrap(), 5);
    assert_eq!(recv_exact(&s, 5), b"hello");
    println!("ok: send returns 5, recv");
    s.sendall(b"flags").unwrap();
    let mut got = Vec::new();
    while got.len() < 5 {
        let chunk = s.recv_flags(5 - got.len(), 0).unwrap();
        assert!(!chunk.is_empty());
        got.extend_from_slice(&chunk);
    }
    assert_eq!(got, b"flags");
    println!("ok: recv_flags(0)");
    s.sendall(b"from").unwrap();
    let mut got = Vec::new();
    while got.len() < 4 {
        let (chunk, addr) = s.recvfrom(4 - got.len()).unwrap();
        assert_eq!(addr, None, "recvfrom on TCP gives no address");
        assert!(!chunk.is_empty());
        got.extend_from_slice(&chunk);
    }
    assert_eq!(got, b"from");
    println!("ok: recvfrom -> (data, None)");
    s.sendall(b"into").unwrap();
    let mut buf = [0u8; 16];
    let mut n = 0;
    while n < 4 {
        let k = s.recv_into(&mut buf[n..4]).unwrap();
        assert!(k > 0);
        n += k;
    }
    assert_eq!(&buf[..4], b"into");
    assert_eq!(buf[4..], [0u8; 12]);
    println!("ok: recv_into");
    s.sendall(b"frominto").unwrap();
    let mut buf = [0u8; 8];
    let mut n = 0;
    while n < 8 {
        let (k, addr) = s.recvfrom_into(&mut buf[n..]).unwrap();
        assert_eq!(addr, None);
        assert!(k > 0);
        n += k;
    }
    assert_eq!(&buf, b"frominto");
    println!("ok: recvfrom_into -> (n, None)");

    // MSG_DONTWAIT with nothing to read.
    let e = expect_os(
        s.recv_flags(10, MSG_DONTWAIT),
        capsock::errno::EAGAIN,
        "BlockingIOError",
        "recv MSG_DONTWAIT with nothing to read",
    );
    assert!(e.is_blocking());
    assert!(s.getblocking().unwrap(), "MSG_DONTWAIT changed the mode");

    // MSG_PEEK leaves the data in place.
    s.sendall(b"peekaboo").unwrap();
    let started = Instant::now();
    let peeked = loop {
        let p = s.recv_flags(8, MSG_PEEK).unwrap();
        if p.len() == 8 || started.elapsed() > Duration::from_secs(20) {
            break p;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(
        peeked, b"peekaboo",
        "MSG_PEEK never saw the whole echo in 20 s"
    );
    assert_eq!(s.recv_flags(8, MSG_PEEK).unwrap(), b"peekaboo");
    assert_eq!(s.recv(8).unwrap(), b"peekaboo");
    println!("ok: MSG_PEEK then recv returns the same bytes");

    // Read/Write on &Socket and on Socket.
    (&s).write_all(b"line one\nline two\n").unwrap();
    {
        let mut reader = BufReader::new(&s);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert_eq!(line, "line one\n");
        line.clear();
        reader.read_line(&mut line).unwrap();
        assert_eq!(line, "line two\n");
    }
    println!("ok: BufReader<&Socket>::read_line after write_all");
    let mut owned = s;
    owned.write_all(b"owned io").unwrap();
    owned.flush().unwrap();
    let mut buf = [0u8; 8];
    owned.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"owned io");
    assert_eq!(owned.write(b"w").unwrap(), 1);
    let mut one = [0u8; 1];
    owned.read_exact(&mut one).unwrap();
    assert_eq!(&one, b"w");
    println!("ok: Read/Write on Socket");

    // dup: a second socket on the same connection.
    let s = owned;
    let mut d = s.dup().expect("dup");
    assert_ne!(d.fileno(), s.fileno());
    assert!(d.fileno() >= 0);
    assert_eq!((d.family(), d.type_(), d.proto()), (family, SOCK_STREAM, 0));
    assert_eq!(d.getpeername().unwrap(), s.getpeername().unwrap());
    d.sendall(b"via dup").unwrap();
    assert_eq!(recv_exact(&s, 7), b"via dup");
    s.sendall(b"to dup").unwrap();
    assert_eq!(recv_exact(&d, 6), b"to dup");
    d.close();
    s.sendall(b"still").unwrap();
    assert_eq!(recv_exact(&s, 5), b"still");
    println!("ok: dup shares the connection; closing it keeps the original");

    // detach and from_fileno.
    let mut s = s;
    let fd = s.fileno();
    assert_eq!(s.detach(), fd);
    assert_eq!(s.fileno(), -1);
    expect_os(s.recv(1), EBADF, "OSError", "recv after detach");
    assert_eq!(s.detach(), -1);
    let mut s = Socket::from_fileno(fd).expect("from_fileno of a detached socket");
    assert_eq!(s.fileno(), fd);
    // One owner per number: taken once, a second take is EBADF, as is a number never given.
    expect_os(
        Socket::from_fileno(fd),
        EBADF,
        "OSError",
        "from_fileno of an owned socket",
    );
    expect_os(Socket::from_fileno(-1), EBADF, "OSError", "from_fileno(-1)");
    expect_os(
        Socket::from_fileno(9999),
        EBADF,
        "OSError",
        "from_fileno(9999)",
    );
    assert_eq!((s.family(), s.type_(), s.proto()), (family, SOCK_STREAM, 0));
    s.sendall(b"back").unwrap();
    assert_eq!(recv_exact(&s, 4), b"back");
    println!("ok: detach returns the fileno; from_fileno gets a working socket");

    // close, idempotent; EBADF afterwards.
    s.close();
    s.close();
    assert_eq!(s.fileno(), -1);
    println!("ok: close twice, fileno -1");
    expect_os(s.recv(1), EBADF, "OSError", "recv after close");
    expect_os(
        s.recv_flags(1, MSG_PEEK),
        EBADF,
        "OSError",
        "recv_flags after close",
    );
    expect_os(s.recvfrom(1), EBADF, "OSError", "recvfrom after close");
    expect_os(
        s.recv_into(&mut [0u8; 4]),
        EBADF,
        "OSError",
        "recv_into after close",
    );
    expect_os(s.send(b"x"), EBADF, "OSError", "send after close");
    expect_os(s.sendall(b"x"), EBADF, "OSError", "sendall after close");
    expect_os(s.getsockname(), EBADF, "OSError", "getsockname after close");
    expect_os(s.getpeername(), EBADF, "OSError", "getpeername after close");
    expect_os(
        s.shutdown(SHUT_WR),
        EBADF,
        "OSError",
        "shutdown after close",
    );
    expect_os(s.dup(), EBADF, "OSError", "dup after close");
    expect_os(s.connect(server), EBADF, "OSError", "connect after close");
    expect_os(s.bind((host, 0)), EBADF, "OSError", "bind after close");
    expect_os(s.listen(None), EBADF, "OSError", "listen after close");
    expect_os(s.accept(), EBADF, "OSError", "accept after close");
    expect_os(
        s.settimeout(Some(1.0)),
        EBADF,
        "OSError",
        "settimeout after close",
    );
    expect_os(
        s.setblocking(true),
        EBADF,
        "OSError",
        "setblocking after close",
    );
    expect_os(
        s.get_inheritable(),
        EBADF,
        "OSError",
        "get_inheritable after close",
    );
    let io: std::io::Error = (&s).read(&mut [0u8; 4]).expect_err("read after close");
    assert_eq!(inner_errno(&io), Some(EBADF));
    println!("ok: io::Read after close -> errno 9");

    // --- 16 MiB sendall, checked by the peer; SHUT_WR: the peer sees EOF, we still receive ---
    let s = session(family, server, "SUM");
    let data: Vec<u8> = (0..16usize << 20)
        .map(|i| (i.wrapping_mul(31) ^ (i >> 11)) as u8)
        .collect();
    s.sendall(&data).expect("sendall 16 MiB");
    s.shutdown(SHUT_WR).expect("shutdown(SHUT_WR)");
    expect_os(
        s.send(b"x"),
        capsock::errno::EPIPE,
        "BrokenPipeError",
        "send after SHUT_WR",
    );
    let reply = String::from_utf8(recv_to_eof(&s)).unwrap();
    assert_eq!(
        reply.trim_end(),
        format!("{} {:016x}", data.len(), fnv1a(&data)),
        "the peer got other bytes"
    );
    println!("ok: sendall 16 MiB arrives intact; SHUT_WR gives the peer EOF, recv still works");
    drop(s);

    // --- MSG_WAITALL gathers two writes; SHUT_RD ---
    let s = session(family, server, "TWO");
    let got = s.recv_flags(6, MSG_WAITALL).expect("recv MSG_WAITALL");
    assert_eq!(got, b"abcdef", "MSG_WAITALL returned a partial read");
    println!("ok: MSG_WAITALL gathers two writes");
    s.shutdown(SHUT_RD).expect("shutdown(SHUT_RD)");
    assert_eq!(s.recv(10).unwrap(), b"", "recv after SHUT_RD");
    println!("ok: recv after SHUT_RD -> b''");
    s.sendall(b"bye").expect("send still works after SHUT_RD");
    drop(s);

    // --- MSG_OOB between two capsock sockets (listener and client in this guest) ---
    let listener = Socket::new(family, SOCK_STREAM, 0).unwrap();
    listener.bind((host, 0)).unwrap();
    listener.listen(5).expect("listen(5)");
    let laddr = listener.getsockname().unwrap();
    let client = Socket::new(family, SOCK_STREAM, 0).unwrap();
    client.connect(&laddr).unwrap();
    let (conn, from) = listener.accept().unwrap();
    assert_eq!(from, client.getsockname().unwrap());
    expect_os(
        conn.recv_flags(1, MSG_OOB),
        EINVAL,
        "OSError",
        "recv MSG_OOB with no urgent data",
    );
    client.sendall(b"ab").unwrap();
    assert_eq!(client.send_flags(b"!", MSG_OOB).expect("send MSG_OOB"), 1);
    // Its arrival is poll's POLLPRI, the exceptional condition.
    let ready = capsock::poll(&[(&conn, POLLPRI)], Some(20.0)).expect("poll for POLLPRI");
    assert_eq!(ready, [(0, POLLPRI)]);
    let urgent = conn.recv_flags(1, MSG_OOB).expect("recv MSG_OOB");
    assert_eq!(urgent, b"!");
    assert_eq!(recv_exact(&conn, 2), b"ab");
    println!("ok: MSG_OOB byte sent, seen by poll (POLLPRI) and received out of band");
}
