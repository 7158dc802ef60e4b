//! python3's `socket` module as the native peer: TCP half-close and UDP, as Python programs
//! see a capsock guest.

use capsock_tests::{PYTHON_PEER, free_port, free_udp_port};

use super::bypass::host_run;
use super::peer::Peer;

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
    let peer = Peer::python(PY_HALF_CLOSE, &[&port.to_string()]).ready();
    let addr = format!("127.0.0.1:{port}");
    let allow = ["--allow".to_owned(), format!("connect tcp://{addr}")];
    let ran = host_run(None, &allow, PYTHON_PEER, &["shutdown".to_owned(), addr]);
    assert_eq!(peer.output(), "server got: request\n");
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "answer: reply after your end of stream\n\
         again: []\n\
         send after SHUT_WR: BrokenPipeError Some(32)\n"
    );

    let port = free_udp_port("127.0.0.1");
    let peer = Peer::python(PY_UDP_ECHO, &[&port.to_string()]).ready();
    let addr = format!("127.0.0.1:{port}");
    let allow = [
        "--allow".to_owned(),
        format!("send udp://{addr}"),
        "--allow".to_owned(),
        format!("connect udp://{addr}"),
    ];
    let ran = host_run(None, &allow, PYTHON_PEER, &["udp".to_owned(), addr]);
    assert_eq!(peer.output(), "echoed 3\n");
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "recvfrom: first from the server: true\nempty datagram back: []\nrecv: connected\n"
    );
}
