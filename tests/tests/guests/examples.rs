//! The examples in `guest/examples`, run with `host run` as their documentation says, against
//! programs nobody here wrote: curl and wrk for the HTTP server, socat for the echo server.

use std::io::Write;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use capsock_tests::{
    EXAMPLE_HTTP_SERVER, EXAMPLE_MUX_ECHO_SERVER, Scratch, connect_when_listening, free_port,
};

use super::cli::host_bin;

/// A guest server run with `host run` until the test ends (it serves until it is stopped).
struct Server(Child);

impl Server {
    /// `host run --allow 'bind tcp://ADDR' --allow 'accept tcp://127.0.0.1:*' GUEST ADDR`, once
    /// it listens.
    fn start(guest: &str) -> (Server, SocketAddr) {
        let port = free_port("127.0.0.1");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let child = Command::new(host_bin())
            .args(["run", "--timeout", "120", "--allow"])
            .arg(format!("bind tcp://{addr}"))
            .args(["--allow", "accept tcp://127.0.0.1:*", guest])
            .arg(addr.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run host");
        let server = Server(child);
        drop(connect_when_listening(addr));
        (server, addr)
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
