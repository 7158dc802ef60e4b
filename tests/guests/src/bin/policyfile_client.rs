//! Resolves `localhost`, connects to the echo server at argv[1]'s port, echoes, then tries
//! 127.0.0.1:argv[2] and prints whether the policy allowed it (for audit and learn runs).
use capsock::{AF_INET, SOCK_STREAM, Socket};

fn main() {
    let args = capsock_test_guests::args();
    let port: u16 = args[0].parse().expect("echo port");
    let other: u16 = args[1].parse().expect("other port");
    let infos = capsock::getaddrinfo("localhost", port, AF_INET, SOCK_STREAM, 0, 0)
        .expect("getaddrinfo localhost");
    let (_, _, _, _, address) = infos.first().expect("an address for localhost").clone();
    let s = Socket::new(AF_INET, SOCK_STREAM, 0).expect("socket");
    s.connect(address).expect("connect to the echo server");
    s.sendall(b"ping").expect("sendall");
    let mut got = Vec::new();
    for _ in 0..100 {
        if got.len() >= 4 {
            break;
        }
        let chunk = s.recv(16).expect("recv");
        assert!(!chunk.is_empty(), "echo server closed early");
        got.extend_from_slice(&chunk);
    }
    assert_eq!(got, b"ping");
    println!("ok: echo");
    let t = Socket::new(AF_INET, SOCK_STREAM, 0).expect("second socket");
    match t.connect(("127.0.0.1", other)) {
        Ok(()) => println!("other: connected"),
        Err(e) if e.errno() == Some(capsock::errno::EACCES) => {
            println!("other: denied: {}", e.strerror());
        }
        Err(e) => println!("other: error {:?}", e.errno()),
    }
}
