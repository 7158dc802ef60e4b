//! python3's `socket` module as the native peer: TCP half-close and UDP, as Python programs
//! see a capsock guest.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use capsock_tests::{PYTHON_PEER, free_port, free_udp_port};

use super::bypass::host_run;

/// Starts python3 with `script` and `port`, once it printed `ready`.
fn python(script: &str, port: u16) -> (std::process::Child, BufReader<std::process::ChildStdout>) {
    let mut child = Command::new("python3")
        .args(["-c", script, &port.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("run python3");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    (child, out)
}

/// A server that reads to end of stream, then answers and closes its side.
const PY_HALF_CLOSE: &str = r#"
import socket, sys
srv = socket.create_server(("127.0.0.1", int(sys.argv[1])))
srv.settimeout(30)
print("ready", flush=True)
conn, _ = srv.accept()
conn.settimeout(30)
got = b""
while chunk := conn.recv(1024):
    got += chunk
print("server got:", got.decode().strip(), flush=True)
conn.sendall(b"reply after your end of stream\n")
conn.shutdown(socket.SHUT_WR)
conn.close()
"#;

/// A UDP echo of three datagrams.
const PY_UDP_ECHO: &str = r#"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(30)
print("ready", flush=True)
for _ in range(3):
    data, addr = s.recvfrom(100)
    s.sendto(data, addr)
print("echoed 3", flush=True)
"#;

#[test]
pub fn python_peer() {
    let port = free_port("127.0.0.1");
    let (mut child, mut out) = python(PY_HALF_CLOSE, port);
    let addr = format!("127.0.0.1:{port}");
    let allow = ["--allow".to_owned(), format!("connect tcp://{addr}")];
    let ran = host_run(None, &allow, PYTHON_PEER, &["shutdown".to_owned(), addr]);
    let mut said = String::new();
    out.read_to_string(&mut said).unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(said, "server got: request\n");
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "answer: reply after your end of stream\n\
         again: []\n\
         send after SHUT_WR: BrokenPipeError Some(32)\n"
    );

    let port = free_udp_port("127.0.0.1");
    let (mut child, mut out) = python(PY_UDP_ECHO, port);
    let addr = format!("127.0.0.1:{port}");
    let allow = [
        "--allow".to_owned(),
        format!("send udp://{addr}"),
        "--allow".to_owned(),
        format!("connect udp://{addr}"),
    ];
    let ran = host_run(None, &allow, PYTHON_PEER, &["udp".to_owned(), addr]);
    let mut said = String::new();
    out.read_to_string(&mut said).unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(said, "echoed 3\n");
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "recvfrom: first from the server: true\nempty datagram back: []\nrecv: connected\n"
    );
}
