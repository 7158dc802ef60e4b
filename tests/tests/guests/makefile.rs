//! makefile(): Python's file objects over a socket, read and written by the guest against
//! native peers on loopback.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread::JoinHandle;

use capsock_tests::{
    GUEST_TIME_LIMIT, Guest, MAKEFILE_READ, MAKEFILE_WRITE, join_within, tcp_echo_server,
};

/// Plays one script per connection: reads the script's name (a line), sends its bytes, and
/// closes; at most `connections` connections. Returns the names of the scripts played, in the
/// order the connections came.
fn script_server(connections: usize) -> (SocketAddr, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the script server");
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let players: Vec<_> = listener
            .incoming()
            .take(connections)
            .map(|stream| {
                let stream = stream.expect("accept a connection of the guest");
                std::thread::spawn(move || play(stream))
            })
            .collect();
        players.into_iter().map(|p| p.join().unwrap()).collect()
    });
    (addr, handle)
}

/// Plays the script the connection names; returns its name.
fn play(stream: TcpStream) -> String {
    stream.set_read_timeout(Some(GUEST_TIME_LIMIT)).ok();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut name = String::new();
    if reader.read_line(&mut name).is_err() {
        return name;
    }
    let mut out = &stream;
    let _ = match name.trim_end() {
        "lines" => out.write_all(b"alpha\nbeta\r\ngamma delta\nlast-no-newline"),
        // The "\n" comes only once the guest has read up to the "\r" before it.
        "split-cr" => out.write_all(b"one\rtwo\r").and_then(|()| {
            capsock_tests::wait_until_read(&stream);
            out.write_all(b"\nthree")
        }),
        "utf8" => out.write_all("héllo\né€x\nligne 2\r\nfin".as_bytes()),
        "bad-utf8" => out.write_all(b"bad\xff\n"),
        "unbuffered" => out.write_all(b"l1\nl2\nrest"),
        // Sends nothing and waits for the guest to close.
        "silent" => reader.read_to_end(&mut Vec::new()).map(drop),
        other => panic!("unknown script {other:?}"),
    };
    name.trim_end().to_owned()
}

#[test]
pub fn makefile_read() {
    let (addr, server) = script_server(9);
    let out = Guest::new(MAKEFILE_READ)
        .arg(addr)
        .allow(&format!("connect tcp://127.0.0.1:{}", addr.port()))
        .run_ok();
    let expected = [
        "ok: rb readline/read(n)/read(None)/EOF",
        "ok: r readline_text with \\r\\n",
        "ok: r universal newlines across sends",
        "ok: r utf-8 read_text and BufRead::lines",
        "ok: r invalid utf-8 -> ValueError",
        "ok: rb buffering=0 reads only what it returns",
        "ok: io::Read::read_to_string",
        "ok: wrong direction -> not readable / not writable",
        "ok: timed-out file refuses reads",
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), expected, "{out}");
    assert_eq!(
        join_within(server, "the script server"),
        [
            "lines",
            "lines",
            "split-cr",
            "utf8",
            "bad-utf8",
            "unbuffered",
            "lines",
            "lines",
            "silent"
        ]
    );
}

#[test]
pub fn makefile_write() {
    let (addr, server) = tcp_echo_server("127.0.0.1:0", 1);
    let out = Guest::new(MAKEFILE_WRITE)
        .arg(addr)
        .allow(&format!("connect tcp://127.0.0.1:{}", addr.port()))
        .run_ok();
    let expected = [
        "ok: wb sends on flush",
        "ok: wb buffer of 16 flushes on overflow",
        "ok: rwb round trip",
        "ok: w buffering=1 flushes on newline",
        "ok: w default buffering waits for flush",
        "ok: invalid modes rejected",
        "ok: wb buffering=0 sends at once",
        "ok: close() leaves the socket usable",
        "ok: drop flushes",
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), expected, "{out}");
    server.join().unwrap();
}
