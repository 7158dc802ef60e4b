//! TCP: the socket object as client and server, over IPv4 and IPv6, and the policy's refusal.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread::JoinHandle;

use capsock_tests::{
    GUEST_TIME_LIMIT, Guest, TCP_CLIENT_OPS, TCP_ECHO_CLIENT, TCP_SERVER, connect_when_listening,
    free_port, join_within, tcp_echo_server,
};

#[test]
pub fn tcp_echo_client() {
    for (bind, host) in [("127.0.0.1:0", "127.0.0.1"), ("[::1]:0", "[::1]")] {
        let (addr, server) = tcp_echo_server(bind, 1);
        let out = Guest::new(TCP_ECHO_CLIENT)
            .arg(format!("{host}:{}", addr.port()))
            .allow(&format!("connect tcp://{host}:{}", addr.port()))
            .run_ok();
        assert_eq!(out.trim(), "echoed 14 bytes");
        server.join().unwrap();
    }
}

#[test]
fn tcp_connect_denied_by_default() {
    let (addr, _server) = tcp_echo_server("127.0.0.1:0", 1);
    let out = Guest::new(TCP_ECHO_CLIENT)
        .arg(format!("127.0.0.1:{}", addr.port()))
        .run();
    assert_ne!(out.code, Some(0));
    let text = format!("{}{}", out.stderr, out.trap.unwrap_or_default());
    assert!(
        text.contains(&format!(
            "capsock policy: connect to tcp://127.0.0.1:{} denied (no rule allows it)",
            addr.port()
        )),
        "{text}"
    );
    assert!(text.contains("PermissionError"), "{text}");
}

/// `(bind, host)` for each family: the native peer's bind address and the host the guest uses.
const FAMILIES: [(&str, &str); 2] = [("127.0.0.1:0", "127.0.0.1"), ("[::1]:0", "::1")];

/// The host in a policy rule (`[::1]` for IPv6).
fn rule_host(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// FNV-1a, 64 bits (the guest computes the same).
fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Reads one `\n`-terminated line byte by byte (nothing read ahead).
fn read_line(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while !line.ends_with(b"\n") && line.len() < 4096 {
        if stream.read(&mut b)? == 0 {
            break;
        }
        line.push(b[0]);
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// A native server that reads a command line on each connection and then acts:
/// `PEER` writes the client's address as it sees it (`1.2.3.4:5`, `[::1]:5`) and echoes;
/// `ECHO` echoes until EOF; `SUM` reads to EOF and answers `LEN FNV1A-HEX`; `TWO` writes `abc`,
/// waits until the client has read it, writes `def`, then waits for EOF. Serves at most
/// `connections` connections; returns the command of each, in the order they came.
pub(crate) fn command_server(
    bind: &str,
    connections: usize,
) -> (SocketAddr, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind(bind).expect("bind the native command server");
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let sessions: Vec<_> = listener
            .incoming()
            .take(connections)
            .map(|stream| {
                let mut stream = stream.expect("accept a connection of the guest");
                std::thread::spawn(move || serve_command(&mut stream))
            })
            .collect();
        sessions.into_iter().map(|s| s.join().unwrap()).collect()
    });
    (addr, handle)
}

/// Serves one connection of [`command_server`]; returns its command.
fn serve_command(stream: &mut TcpStream) -> String {
    stream.set_read_timeout(Some(GUEST_TIME_LIMIT)).ok();
    let Ok(command) = read_line(stream) else {
        return String::new();
    };
    let echo = |stream: &mut TcpStream| {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n @ 1..) = stream.read(&mut buf) {
            if stream.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    };
    match command.trim_end() {
        "PEER" => {
            let peer = stream.peer_addr().unwrap();
            if stream.write_all(format!("{peer}\n").as_bytes()).is_ok() {
                echo(stream);
            }
        }
        "ECHO" => echo(stream),
        "SUM" => {
            let mut data = Vec::new();
            if stream.read_to_end(&mut data).is_ok() {
                let reply = format!("{} {:016x}\n", data.len(), fnv1a(&data));
                let _ = stream.write_all(reply.as_bytes());
            }
        }
        // `def` comes only once the client's MSG_WAITALL receive has taken `abc`.
        "TWO" => {
            let _ = stream.write_all(b"abc");
            capsock_tests::wait_until_read(stream);
            let _ = stream.write_all(b"def");
            let _ = stream.read_to_end(&mut Vec::new());
        }
        other => panic!("unknown command {other:?}"),
    }
    command.trim_end().to_owned()
}

/// Asserts that every `ok:` line in `expected` appears in the guest's output.
fn assert_lines(out: &str, expected: &[&str]) {
    for line in expected {
        assert!(
            out.lines().any(|l| l == *line),
            "missing {line:?} in:\n{out}"
        );
    }
}

#[test]
pub fn tcp_client_ops() {
    for (bind, host) in FAMILIES {
        // PEER, ECHO, SUM, TWO sessions.
        let (addr, server) = command_server(bind, 4);
        let closed = free_port(host);
        let h = rule_host(host);
        let out = Guest::new(TCP_CLIENT_OPS)
            .arg(format!("{h}:{}", addr.port()))
            .arg(closed)
            .allow(&format!("connect tcp://{h}:*"))
            .allow(&format!("bind tcp://{h}:*"))
            .allow(&format!("accept tcp://{h}:*"))
            .run_ok();
        assert_lines(
            &out,
            &[
                "ok: family/type/proto",
                "ok: fileno >= 0",
                "ok: inheritable false by default, round-trips",
                "ok: getpeername unconnected -> OSError errno 107",
                "ok: bind port 0 gets a real port",
                "ok: connect_ex success -> 0",
                "ok: getpeername is the server",
                "ok: peer sees our getsockname",
                "ok: connect_ex closed port -> 111",
                "ok: connect closed port -> ConnectionRefusedError errno 111",
                "ok: io::Error keeps ConnectionRefused and errno 111",
                "ok: send returns 5, recv",
                "ok: recv_flags(0)",
                "ok: recvfrom -> (data, None)",
                "ok: recv_into",
                "ok: recvfrom_into -> (n, None)",
                "ok: recv MSG_DONTWAIT with nothing to read -> BlockingIOError errno 11",
                "ok: MSG_PEEK then recv returns the same bytes",
                "ok: BufReader<&Socket>::read_line after write_all",
                "ok: Read/Write on Socket",
                "ok: dup shares the connection; closing it keeps the original",
                "ok: recv after detach -> OSError errno 9",
                "ok: from_fileno of an owned socket -> OSError errno 9",
                "ok: from_fileno(-1) -> OSError errno 9",
                "ok: from_fileno(9999) -> OSError errno 9",
                "ok: detach returns the fileno; from_fileno gets a working socket",
                "ok: close twice, fileno -1",
                "ok: recv after close -> OSError errno 9",
                "ok: send after close -> OSError errno 9",
                "ok: getsockname after close -> OSError errno 9",
                "ok: accept after close -> OSError errno 9",
                "ok: settimeout after close -> OSError errno 9",
                "ok: io::Read after close -> errno 9",
                "ok: send after SHUT_WR -> BrokenPipeError errno 32",
                "ok: sendall 16 MiB arrives intact; SHUT_WR gives the peer EOF, recv still works",
                "ok: MSG_WAITALL gathers two writes",
                "ok: recv after SHUT_RD -> b''",
                "ok: recv MSG_OOB with no urgent data -> OSError errno 22",
                "ok: MSG_OOB byte sent, seen by poll (POLLPRI) and received out of band",
            ],
        );
        assert_eq!(
            out.lines().filter(|l| l.starts_with("ok: ")).count(),
            51,
            "{out}"
        );
        assert_eq!(
            join_within(server, "the command server"),
            ["PEER", "ECHO", "SUM", "TWO"]
        );
    }
}

#[test]
pub fn tcp_server() {
    for (_, host) in FAMILIES {
        let port = free_port(host);
        let h = rule_host(host);
        let addr = SocketAddr::new(host.parse().unwrap(), port);
        let client = std::thread::spawn(move || {
            // Client 1: tells the guest its local address, then echoes lines.
            let mut c = connect_when_listening(addr);
            let local = c.local_addr().unwrap();
            c.write_all(format!("LOCAL {local}\n").as_bytes()).unwrap();
            assert_eq!(read_line(&mut c).unwrap(), "OK\n");
            for i in 0..20 {
                let line = format!("line {i} from the native client\n");
                c.write_all(line.as_bytes()).unwrap();
                assert_eq!(read_line(&mut c).unwrap(), line);
            }
            drop(c);
            // Client 2: 1 MiB echoed back intact (a writer thread, so nothing deadlocks).
            let c = TcpStream::connect(addr).unwrap();
            c.set_read_timeout(Some(GUEST_TIME_LIMIT)).ok();
            let data: Vec<u8> = (0..1usize << 20).map(|i| (i % 251) as u8).collect();
            let mut w = c.try_clone().unwrap();
            let sent = data.clone();
            let writer = std::thread::spawn(move || {
                w.write_all(&sent).unwrap();
                w.shutdown(std::net::Shutdown::Write).unwrap();
            });
            let mut back = Vec::new();
            (&c).read_to_end(&mut back).unwrap();
            writer.join().unwrap();
            assert!(back == data, "echo differs: {} bytes back", back.len());
        });
        let out = Guest::new(TCP_SERVER)
            .arg(host)
            .arg(port)
            .allow(&format!("bind tcp://{h}:*"))
            .allow(&format!("accept tcp://{h}:*"))
            .run_ok();
        client.join().expect("the native client's checks");
        assert_lines(
            &out,
            &[
                "ok: bind port 0 + listen(None)",
                "ok: bind + getsockname + listen(5)",
                "ok: accept returns the client's local address",
                "ok: echoed 20 lines",
                "ok: echoed 1048576 bytes",
            ],
        );
    }
}
