//! Against python3's `socket` module as the peer. argv: `MODE ADDR`:
//! - `shutdown ADDR`: sends a request, half-closes (`SHUT_WR`), reads the answer python3 sends
//!   after seeing that end of stream, then end of stream (twice: it stays), and a send after
//!   `SHUT_WR` (`BrokenPipeError`).
//! - `udp ADDR`: datagrams to a python3 UDP echo: `sendto`/`recvfrom`, then `connect` and
//!   `send`/`recv`; an empty datagram too.
use capsock::{AF_INET, Address, SHUT_WR, SOCK_DGRAM, SOCK_STREAM, Socket};

fn main() {
    let args = capsock_test_guests::args();
    let (host, port) = capsock_test_guests::host_port(&args[1]);
    match args[0].as_str() {
        "shutdown" => {
            let s = Socket::new(AF_INET, SOCK_STREAM, 0).unwrap();
            s.settimeout(Some(20.0)).unwrap();
            s.connect((host.as_str(), port)).unwrap();
            s.sendall(b"request\n").unwrap();
            s.shutdown(SHUT_WR).unwrap();
            let mut answer = Vec::new();
            loop {
                let chunk = s.recv(1024).unwrap();
                if chunk.is_empty() {
                    break;
                }
                answer.extend_from_slice(&chunk);
            }
            println!("answer: {}", String::from_utf8_lossy(&answer).trim_end());
            println!("again: {:?}", s.recv(1024).unwrap());
            let e = s.send(b"more").unwrap_err();
            println!("send after SHUT_WR: {} {:?}", e.python_class(), e.errno());
        }
        "udp" => {
            let s = Socket::new(AF_INET, SOCK_DGRAM, 0).unwrap();
            s.settimeout(Some(20.0)).unwrap();
            let to = Address::from((host.as_str(), port));
            s.sendto(b"first", to.clone()).unwrap();
            let (data, from) = s.recvfrom(100).unwrap();
            println!(
                "recvfrom: {} from the server: {}",
                String::from_utf8_lossy(&data),
                from == Some(to.clone())
            );
            s.connect(to).unwrap();
            s.send(b"").unwrap();
            println!("empty datagram back: {:?}", s.recv(100).unwrap());
            s.send(b"connected").unwrap();
            println!("recv: {}", String::from_utf8_lossy(&s.recv(100).unwrap()));
        }
        other => panic!("unknown mode {other}"),
    }
}
