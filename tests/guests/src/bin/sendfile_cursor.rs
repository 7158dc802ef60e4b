//! sendfile: a slice of a file (offset, count) and the rest of it reach the peer, the file
//! position ends after the last byte sent, and non-blocking sockets are refused.
use std::io::{Cursor, Seek};

use capsock::{AF_INET, AF_INET6, SOCK_STREAM, Socket};

fn main() {
    let args = capsock_test_guests::args();
    let family = if args[0] == "6" { AF_INET6 } else { AF_INET };
    let host = if family == AF_INET6 {
        "::1"
    } else {
        "127.0.0.1"
    };
    let listener = Socket::new(family, SOCK_STREAM, 0).unwrap();
    listener.bind((host, 0)).unwrap();
    listener.listen(None).unwrap();
    let port = listener.getsockname().unwrap().port().unwrap();
    let client = Socket::new(family, SOCK_STREAM, 0).unwrap();
    client.connect((host, port)).unwrap();
    let (conn, _) = listener.accept().unwrap();

    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let mut file = Cursor::new(content.clone());
    let sent = client.sendfile(&mut file, 3, Some(10)).unwrap();
    assert_eq!(sent, 10);
    assert_eq!(file.stream_position().unwrap(), 13);
    let mut got = Vec::new();
    while got.len() < 10 {
        got.extend(conn.recv(64).unwrap());
    }
    assert_eq!(got, &content[3..13]);
    println!("ok: sendfile offset 3 count 10");

    let sent = client.sendfile(&mut file, 13, None).unwrap();
    assert_eq!(sent as usize, content.len() - 13);
    assert_eq!(file.stream_position().unwrap() as usize, content.len());
    client.shutdown(capsock::SHUT_WR).unwrap();
    let mut rest = Vec::new();
    loop {
        let chunk = conn.recv(65536).unwrap();
        if chunk.is_empty() {
            break;
        }
        rest.extend(chunk);
    }
    assert_eq!(rest, &content[13..]);
    println!("ok: sendfile to the end");

    let other = Socket::new(family, SOCK_STREAM, 0).unwrap();
    other.setblocking(false).unwrap();
    let err = other.sendfile(&mut file, 0, None).unwrap_err();
    assert!(err.is_value_error(), "{err:?}");
    assert_eq!(err.strerror(), "non-blocking sockets are not supported");
    println!("ok: non-blocking refused");
}
