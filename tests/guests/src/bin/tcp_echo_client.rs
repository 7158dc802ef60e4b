//! Connects to the echo server named by argv[1] (`HOST:PORT`), sends, and checks the echo.
use capsock::{AF_INET, AF_INET6, SOCK_STREAM, Socket};

fn main() {
    let args = capsock_test_guests::args();
    let (host, port) = capsock_test_guests::host_port(&args[0]);
    let family = if host.contains(':') {
        AF_INET6
    } else {
        AF_INET
    };
    let s = Socket::new(family, SOCK_STREAM, 0).expect("socket");
    s.connect((host.as_str(), port)).expect("connect");
    s.sendall(b"hello, capsock").expect("sendall");
    let mut got = Vec::new();
    while got.len() < 14 {
        let chunk = s.recv(1024).expect("recv");
        assert!(!chunk.is_empty(), "echo server closed early");
        got.extend_from_slice(&chunk);
    }
    assert_eq!(got, b"hello, capsock");
    println!("echoed {} bytes", got.len());
}
