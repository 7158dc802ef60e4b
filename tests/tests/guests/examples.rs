//! The examples in `guest/examples`, run with `host run` as their documentation says, against
//! programs nobody here wrote: curl and wrk for the HTTP server, socat for the echo server.

use std::io::Write;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use capsock_tests::{
    EXAMPLE_CHAT_SERVER, EXAMPLE_HTTP_CLIENT, EXAMPLE_HTTP_SERVER, EXAMPLE_MUX_ECHO_SERVER,
    EXAMPLE_RESP_CLIENT, EXAMPLE_UDP_ECHO, Scratch, connect_when_listening, free_port,
    free_udp_port,
};

use super::cli::{host_bin, host_cmd};

/// A guest server run with `host run` until the test ends (it serves until it is stopped).
struct Server(Child);

impl Server {
    /// `host run --allow 'bind tcp://ADDR' --allow 'accept tcp://127.0.0.1:*' GUEST ADDR`, once
    /// it listens.
    fn start(guest: &str) -> (Server, SocketAddr) {
        let port = free_port("127.0.0.1");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let bind = format!("bind tcp://{addr}");
        let server = Server::run(guest, &[&bind, "accept tcp://127.0.0.1:*"], addr);
        (server, addr)
    }

    /// `host run` of `guest ADDR` with `rules` allowed, once it printed its first line (each
    /// example server says it listens).
    fn run(guest: &str, rules: &[&str], addr: SocketAddr) -> Server {
        let mut cmd = host_cmd();
        cmd.args(["run", "--timeout", "120"]);
        for rule in rules {
            cmd.args(["--allow", rule]);
        }
        let mut child = cmd
            .arg(guest)
            .arg(addr.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run host");
        let stdout = child.stdout.take().expect("piped");
        let server = Server(child);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the server says it listens");
        assert!(line.contains("listening on"), "{line:?}");
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs a native client: its exit status, stdout and stderr.
fn run(program: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `host run --allow 'connect tcp://ADDR' GUEST ARG`, a client example as the README runs it:
/// its exit status, stdout and stderr.
fn client(guest: &str, addr: SocketAddr, arg: &str) -> (bool, String, String) {
    let rule = format!("connect tcp://{addr}");
    let host = host_bin();
    let host = host.to_str().expect("a UTF-8 path");
    run(
        host,
        &["run", "--timeout", "60", "--allow", &rule, guest, arg],
    )
}

/// curl against `http_server`: status, headers and body; a second request on the same
/// connection (keep-alive); 404 and 405; then a bounded wrk run with no socket errors and no
/// answer but 2xx.
#[test]
fn example_http_server() {
    let (_server, addr) = Server::start(EXAMPLE_HTTP_SERVER);
    let url = format!("http://{addr}/");
    let (ok, out, err) = run("curl", &["-sS", "-i", "--max-time", "10", &url]);
    assert!(ok, "{err}");
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(out.contains("\r\nContent-Length: 27\r\n"), "{out}");
    assert!(out.contains("\r\nContent-Type: text/plain\r\n"), "{out}");
    assert!(
        out.ends_with("\r\n\r\nhello from a capsock guest\n"),
        "{out}"
    );

    let (ok, out, err) = run("curl", &["-sS", "-v", "--max-time", "10", &url, &url]);
    assert!(ok, "{err}");
    assert_eq!(out, "hello from a capsock guest\n".repeat(2));
    assert!(err.contains("Re-using existing connection"), "{err}");

    let code = |args: &[&str]| {
        let mut all = vec![
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "10",
        ];
        all.extend_from_slice(args);
        run("curl", &all).1
    };
    assert_eq!(code(&[&format!("http://{addr}/nothing")]), "404");
    assert_eq!(code(&["-X", "POST", "-d", "x=1", &url]), "405");
    // A request line longer than the server reads (readline with a size) is refused whole.
    let long = format!("http://{addr}/{}", "a".repeat(10_000));
    assert_eq!(code(&[&long]), "414");
    // And the server goes on serving.
    assert_eq!(code(&[&url]), "200");

    let (ok, out, err) = run("wrk", &["-t1", "-c1", "-d2s", "--timeout", "5s", &url]);
    assert!(ok, "{err}");
    assert!(out.contains("Requests/sec:"), "{out}");
    assert!(!out.contains("Socket errors"), "{out}");
    assert!(!out.contains("Non-2xx"), "{out}");
}

/// socat sends 1 MiB to `mux_echo_server` and half-closes; every byte comes back, in order,
/// before the server closes.
#[test]
fn example_mux_echo_server() {
    let (_server, addr) = Server::start(EXAMPLE_MUX_ECHO_SERVER);
    let dir = Scratch::new("mux-echo");
    let data: Vec<u8> = (0..1 << 20).map(|i: u32| (i * 7 + i / 251) as u8).collect();
    let input = dir.path("in");
    std::fs::File::create(&input)
        .unwrap()
        .write_all(&data)
        .unwrap();
    let out = Command::new("socat")
        .args(["-t", "10", "-T", "30", "-", &format!("TCP:{addr}")])
        .stdin(std::fs::File::open(&input).unwrap())
        .output()
        .expect("run socat");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout.len(), data.len());
    assert!(out.stdout == data, "the echo differs");
}

/// Peers that misbehave crash nothing: one sends without reading until its sends would block
/// (the server stops reading from it at 1 MiB unechoed, and the kernel's buffers fill), one
/// resets its connection in the middle of a transfer; meanwhile another client is served, and
/// the first then reads back every byte it sent, in order.
#[test]
fn example_mux_echo_faults() {
    use std::io::{ErrorKind, Read};
    use std::net::TcpStream;
    use std::os::fd::AsRawFd;

    let (_server, addr) = Server::start(EXAMPLE_MUX_ECHO_SERVER);
    let pattern = |i: usize| (i % 251) as u8;

    // A peer that never reads: non-blocking sends until the pipe is full (bounded: 64 MiB).
    let mut hog = TcpStream::connect(addr).unwrap();
    hog.set_nonblocking(true).unwrap();
    let chunk: Vec<u8> = (0..65536).map(pattern).collect();
    let (mut sent, mut blocked_for) = (0usize, 0);
    while sent < 64 << 20 && blocked_for < 50 {
        let offset = sent % 65536;
        match hog.write(&chunk[offset..]) {
            Ok(n) => {
                sent += n;
                blocked_for = 0;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                blocked_for += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => panic!("the hog's send: {e}"),
        }
    }
    assert!(
        sent < 64 << 20,
        "the server kept reading a peer that never reads"
    );

    // A peer that resets in the middle of a transfer.
    let mut resetter = TcpStream::connect(addr).unwrap();
    resetter.write_all(&vec![7u8; 512 << 10]).unwrap();
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket and a `linger` of the size given.
    let rc = unsafe {
        libc::setsockopt(
            resetter.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            std::ptr::from_ref(&linger).cast(),
            size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0);
    drop(resetter);

    // Someone else is served meanwhile.
    let mut polite = TcpStream::connect(addr).unwrap();
    polite
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    polite.write_all(b"still there?").unwrap();
    let mut back = [0u8; 12];
    polite.read_exact(&mut back).unwrap();
    assert_eq!(&back, b"still there?");

    // The hog reads back everything it sent, in order.
    hog.set_nonblocking(false).unwrap();
    hog.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut got = 0usize;
    let mut buf = vec![0u8; 65536];
    while got < sent {
        let n = hog.read(&mut buf).unwrap();
        assert!(n > 0, "the echo ended after {got} of {sent} bytes");
        for (k, &b) in buf[..n].iter().enumerate() {
            assert_eq!(b, pattern((got + k) % 65536), "byte {}", got + k);
        }
        got += n;
    }
}

/// A native UDP client gets every datagram back from `udp_echo` (up to 60,000 bytes); a
/// sender no `recv` rule allows (127.0.0.2) is never answered.
#[test]
fn example_udp_echo() {
    use std::net::UdpSocket;
    let port = free_udp_port("127.0.0.1");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let bind = format!("bind udp://{addr}");
    let rules = [
        &bind[..],
        "recv udp://127.0.0.1:*",
        "send udp://127.0.0.1:*",
    ];
    let _server = Server::run(EXAMPLE_UDP_ECHO, &rules, addr);
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut buf = vec![0u8; 65536];
    for size in [1usize, 1400, 60_000] {
        let data: Vec<u8> = (0..size).map(|i| (i % 253) as u8).collect();
        client.send_to(&data, addr).unwrap();
        let (n, from) = client.recv_from(&mut buf).unwrap();
        assert_eq!((n, from), (size, addr));
        assert!(buf[..n] == data[..], "datagram of {size}");
    }
    let stranger = UdpSocket::bind("127.0.0.2:0").unwrap();
    stranger
        .set_read_timeout(Some(std::time::Duration::from_millis(500)))
        .unwrap();
    stranger.send_to(b"anyone?", addr).unwrap();
    assert!(
        stranger.recv_from(&mut buf).is_err(),
        "the stranger got an answer"
    );
    // The server still answers the allowed client.
    client.send_to(b"still", addr).unwrap();
    let (n, _) = client.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"still");
}

/// `resp_client` against redis-server on loopback: SET, GET, INCR and a pipeline of 100.
#[test]
fn example_resp_client() {
    let port = free_port("127.0.0.1");
    let dir = Scratch::new("resp");
    let mut redis = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(&dir.0)
        .stdout(Stdio::null())
        .spawn()
        .expect("run redis-server");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    drop(connect_when_listening(addr));
    let (ok, out, err) = client(EXAMPLE_RESP_CLIENT, addr, &addr.to_string());
    let _ = redis.kill();
    let _ = redis.wait();
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "SET capsock:greeting hello from a wasm guest -> OK\n\
         GET capsock:greeting -> hello from a wasm guest\n\
         DEL capsock:counter -> 0\n\
         INCR capsock:counter -> 1\n\
         INCR capsock:counter -> 2\n\
         INCR capsock:counter -> 3\n\
         pipelined 100 INCR -> 4 .. 103\n"
    );
}

/// `http_client` against python3's http.server: the status line, the headers, the body.
#[test]
fn example_http_client() {
    let port = free_port("127.0.0.1");
    let dir = Scratch::new("http-client");
    dir.file("hello.txt", "a file served by python3\n");
    let mut server = Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .arg("--directory")
        .arg(&dir.0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run python3 -m http.server");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    drop(connect_when_listening(addr));
    let (ok, out, err) = client(
        EXAMPLE_HTTP_CLIENT,
        addr,
        &format!("http://{addr}/hello.txt"),
    );
    let _ = server.kill();
    let _ = server.wait();
    assert!(ok, "{err}");
    assert!(out.starts_with("HTTP/1.0 200 OK\r\n"), "{out}");
    assert!(out.contains("Content-Length: 25\r\n"), "{out}");
    assert!(out.ends_with("\r\n\na file served by python3\n"), "{out}");
}

/// Three clients of `chat_server`: joins announced, a line reaches the two others, a leave
/// announced.
#[test]
fn example_chat_server() {
    use std::io::{BufRead, BufReader};
    use std::net::TcpStream;

    let (_server, addr) = Server::start(EXAMPLE_CHAT_SERVER);
    let join = || {
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let mut r = BufReader::new(s.try_clone().unwrap());
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        (s, r, line)
    };
    let next = |r: &mut BufReader<TcpStream>| {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        line
    };
    let (mut a, mut ra, welcome) = join();
    assert_eq!(welcome, "welcome, you are [1]\n");
    let (_b, mut rb, welcome) = join();
    assert_eq!(welcome, "welcome, you are [2]\n");
    assert_eq!(next(&mut ra), "[2] joined\n");
    let (c, mut rc, welcome) = join();
    assert_eq!(welcome, "welcome, you are [3]\n");
    assert_eq!(next(&mut ra), "[3] joined\n");
    assert_eq!(next(&mut rb), "[3] joined\n");
    a.write_all(b"hello, all\n").unwrap();
    assert_eq!(next(&mut rb), "[1] hello, all\n");
    assert_eq!(next(&mut rc), "[1] hello, all\n");
    drop((c, rc));
    assert_eq!(next(&mut ra), "[3] left\n");
    assert_eq!(next(&mut rb), "[3] left\n");
}
