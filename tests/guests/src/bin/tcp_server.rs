//! A TCP server in the guest driven by native clients (argv: `HOST`, `PORT` to listen on):
//! bind + getsockname, listen(None) and listen(5), accept returning the client's own address,
//! and an echo service through `BufReader<&Socket>`/`write_all` and through `Read`/`Write` on
//! an owned `Socket`.
use std::io::{BufRead, BufReader, Read, Write};

use capsock::{AF_INET, AF_INET6, SOCK_STREAM, Socket};

fn main() {
    let args = capsock_test_guests::args();
    let host = args[0].as_str();
    let port: u16 = args[1].parse().expect("port");
    let family = if host.contains(':') {
        AF_INET6
    } else {
        AF_INET
    };

    // listen(None) on a socket bound to port 0.
    let any = Socket::new(family, SOCK_STREAM, 0).unwrap();
    any.bind((host, 0)).expect("bind port 0");
    let got = any.getsockname().unwrap();
    assert_eq!(got.host(), Some(host));
    assert!(got.port().unwrap() > 0, "{got:?}");
    any.listen(None).expect("listen(None)");
    println!("ok: bind port 0 + listen(None)");
    drop(any);

    let listener = Socket::new(family, SOCK_STREAM, 0).unwrap();
    listener.bind((host, port)).expect("bind");
    let got = listener.getsockname().unwrap();
    assert_eq!((got.host(), got.port()), (Some(host), Some(port)));
    listener.listen(5).expect("listen(5)");
    println!("ok: bind + getsockname + listen(5)");

    // Client 1 tells us its local address; accept must have returned the same one.
    let (conn, peer) = listener.accept().expect("accept");
    assert_eq!(conn.getpeername().unwrap(), peer);
    assert_eq!(conn.getsockname().unwrap(), listener.getsockname().unwrap());
    assert_eq!(
        (conn.family(), conn.type_(), conn.proto()),
        (family, SOCK_STREAM, 0)
    );
    {
        let mut reader = BufReader::new(&conn);
        let mut line = String::new();
        reader.read_line(&mut line).expect("read_line");
        let told = line.trim_end().strip_prefix("LOCAL ").expect("LOCAL line");
        let accepted = peer.socket_addr().expect("numeric peer").to_string();
        assert_eq!(accepted, told, "accept returned another address");
        println!("ok: accept returns the client's local address");
        (&conn).write_all(b"OK\n").unwrap();
        // Echo line by line until the client closes.
        let mut lines = 0;
        loop {
            line.clear();
            if reader.read_line(&mut line).expect("read_line") == 0 {
                break;
            }
            (&conn).write_all(line.as_bytes()).expect("write_all");
            lines += 1;
        }
        println!("ok: echoed {lines} lines");
    }
    drop(conn);

    // Client 2: bulk echo through Read/Write on the owned Socket.
    let (mut conn, _) = listener.accept().expect("accept 2");
    let mut buf = vec![0u8; 32 * 1024];
    let mut total = 0usize;
    loop {
        let n = conn.read(&mut buf).expect("read");
        if n == 0 {
            break;
        }
        conn.write_all(&buf[..n]).expect("write_all");
        total += n;
    }
    println!("ok: echoed {total} bytes");
}
