//! create_server(): on port 0 (the guest connects to itself), on a given port for a native
//! client (echo), and on a port in use (EADDRINUSE with Python's message).
use capsock::{
    AF_INET, SO_REUSEADDR, SOCK_STREAM, SOL_SOCKET, ServerOptions, create_connection,
    create_server, errno,
};

fn main() {
    let args = capsock_test_guests::args();
    let port: u16 = args[0].parse().expect("server port");
    let busy: u16 = args[1].parse().expect("busy port");

    let srv = create_server(("127.0.0.1", 0), Default::default()).expect("create_server :0");
    assert_eq!(srv.family(), AF_INET);
    assert_eq!(srv.type_(), SOCK_STREAM);
    assert_ne!(srv.getsockopt(SOL_SOCKET, SO_REUSEADDR).unwrap(), 0);
    let local = srv.getsockname().unwrap();
    let own = local.port().unwrap();
    assert_ne!(own, 0);
    let c = create_connection(("127.0.0.1", own), Default::default()).expect("self connect");
    let (peer, addr) = srv.accept().expect("accept");
    assert_eq!(addr, c.getsockname().unwrap());
    c.sendall(b"to self").unwrap();
    assert_eq!(peer.recv(64).unwrap(), b"to self");
    println!("ok: create_server on port 0");

    let srv = create_server(("127.0.0.1", port), ServerOptions::default()).expect("server");
    let (conn, _) = srv.accept().expect("accept the native client");
    let mut got = Vec::new();
    while !got.ends_with(b"\n") {
        let chunk = conn.recv(1024).expect("recv");
        assert!(!chunk.is_empty(), "client closed early");
        got.extend_from_slice(&chunk);
    }
    conn.sendall(&got).expect("echo back");
    println!("ok: served {:?}", String::from_utf8_lossy(&got).trim_end());

    let e = create_server(("127.0.0.1", busy), Default::default()).unwrap_err();
    assert_eq!(e.errno(), Some(errno::EADDRINUSE), "{e:?}");
    assert_eq!(
        e.strerror(),
        format!(
            "Address already in use (while attempting to bind on address ('127.0.0.1', {busy}))"
        )
    );
    println!("ok: {e}");
}
