//! create_connection(): by IP and by `localhost`, with a timeout, with a source address,
//! refused with and without `all_errors`, and (mode `noresolve`) the policy's refusal of the
//! name.
use capsock::{
    AF_INET, ConnectionOptions, SOCK_STREAM, Socket, create_connection, errno, getaddrinfo,
    getdefaulttimeout,
};

/// Sends a message over `s` to the echo peer and checks it comes back.
fn echo(s: &Socket, msg: &[u8]) {
    s.sendall(msg).expect("sendall");
    let mut got = Vec::new();
    while got.len() < msg.len() {
        let chunk = s.recv(1024).expect("recv");
        assert!(!chunk.is_empty(), "echo peer closed early");
        got.extend_from_slice(&chunk);
    }
    assert_eq!(got, msg);
}

fn main() {
    let args = capsock_test_guests::args();
    let mode = args[0].as_str();
    let port: u16 = args[1].parse().expect("echo port");
    let closed: u16 = args[2].parse().expect("closed port");

    if mode == "noresolve" {
        let e = create_connection(("localhost", port), Default::default()).unwrap_err();
        assert_eq!(e.errno(), Some(errno::EACCES), "{e:?}");
        assert_eq!(e.python_class(), "PermissionError");
        assert!(
            e.strerror().contains("resolve localhost"),
            "{}",
            e.strerror()
        );
        println!("ok: localhost refused: {}", e.strerror());
        return;
    }

    assert_eq!(getdefaulttimeout(), None);
    let s = create_connection(("127.0.0.1", port), Default::default()).expect("connect by IP");
    assert_eq!(s.family(), AF_INET);
    assert_eq!(s.type_(), SOCK_STREAM);
    assert_eq!(s.gettimeout().unwrap(), None);
    echo(&s, b"by ip");
    println!("ok: create_connection by IP");

    let s = create_connection(("localhost", port), Default::default()).expect("by name");
    assert_eq!(s.getpeername().unwrap().port(), Some(port));
    echo(&s, b"by name");
    println!("ok: create_connection via localhost");

    let options = ConnectionOptions {
        timeout: Some(Some(2.5)),
        ..Default::default()
    };
    let s = create_connection(("127.0.0.1", port), options).expect("with timeout");
    assert_eq!(s.gettimeout().unwrap(), Some(2.5));
    echo(&s, b"timeout");
    let options = ConnectionOptions {
        timeout: Some(None),
        ..Default::default()
    };
    let s = create_connection(("127.0.0.1", port), options).expect("blocking");
    assert_eq!(s.gettimeout().unwrap(), None);
    assert!(s.getblocking().unwrap());
    println!("ok: create_connection timeout option");

    let options = ConnectionOptions {
        source_address: Some(("127.0.0.1", 0).into()),
        ..Default::default()
    };
    let s = create_connection(("127.0.0.1", port), options).expect("with source address");
    let local = s.getsockname().unwrap();
    assert_eq!(local.host(), Some("127.0.0.1"));
    assert_ne!(local.port(), Some(0));
    echo(&s, b"source");
    println!("ok: create_connection source_address");

    // A closed port: the last error, or (all_errors) every attempt's error in a group.
    let e = create_connection(("127.0.0.1", closed), Default::default()).unwrap_err();
    assert_eq!(e.errno(), Some(errno::ECONNREFUSED), "{e:?}");
    assert_eq!(e.python_class(), "ConnectionRefusedError");
    let attempts = getaddrinfo("localhost", closed, 0, SOCK_STREAM, 0, 0)
        .unwrap()
        .len();
    assert!(attempts >= 1);
    let options = ConnectionOptions {
        all_errors: true,
        ..Default::default()
    };
    let e = create_connection(("localhost", closed), options).unwrap_err();
    assert_eq!(e.python_class(), "ExceptionGroup");
    assert_eq!(e.errno(), None);
    assert_eq!(e.strerror(), "create_connection failed");
    assert_eq!(e.exceptions().len(), attempts);
    for inner in e.exceptions() {
        assert_eq!(inner.python_class(), "ConnectionRefusedError", "{inner:?}");
    }
    println!("ok: all_errors group of {attempts}");
}
