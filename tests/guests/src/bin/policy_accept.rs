//! Policy on accept: listens on argv[1] (`HOST:PORT`) and accepts one connection. Peers that
//! no `accept` rule allows are reset by the host and never reach the guest, so the connection
//! accepted here must be the allowed peer: the guest prints its address and echoes one message.
use capsock::{AF_INET, SOCK_STREAM, Socket};

fn main() {
    let args = capsock_test_guests::args();
    let (host, port) = capsock_test_guests::host_port(&args[0]);
    let server = Socket::new(AF_INET, SOCK_STREAM, 0).expect("socket");
    server.bind((host.as_str(), port)).expect("bind");
    server.listen(None).expect("listen");
    server.settimeout(Some(30.0)).expect("settimeout");
    let (conn, peer) = server.accept().expect("accept");
    println!("accepted {}", peer.host().expect("an IP peer"));
    conn.settimeout(Some(10.0)).expect("settimeout");
    let data = conn.recv(1024).expect("recv");
    assert!(!data.is_empty(), "the allowed client sent nothing");
    conn.sendall(&data).expect("sendall");
    println!("echoed {}", String::from_utf8_lossy(&data));
}
