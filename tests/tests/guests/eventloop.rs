//! The event loop (`select.epoll`, `selectors.DefaultSelector`): its semantics, a guest
//! server holding 1,000 connections at once with every byte echoed, and a wait the host's
//! time limit ends; capsock sockets as `wasi:io/poll` pollables beside WASI's own.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::time::Duration;

use capsock_tests::{EPOLL_ECHO, Guest, POLLABLES, connect_when_listening, free_port};

use super::cli::{host, host_cmd};
use super::peer::Peer;

#[test]
pub fn epoll_echo() {
    let out = Guest::new(EPOLL_ECHO).arg("semantics").run_ok();
    assert_eq!(
        out,
        "register twice: FileExistsError\n\
         nothing ready: []\n\
         all three: a:1 c:1 e:1\n\
         again (level-triggered only): a:1\n\
         new data re-fires the edge: a:1 c:1\n\
         modify re-arms the one-shot: a:1 e:1\n\
         maxevents 1: 1\n\
         readable and writable: a:1 c:4\n\
         unregister twice: FileNotFoundError\n\
         maxevents 0: maxevents must be greater than 0, got 0\n\
         closed: true I/O operation on closed epoll object\n\
         selector twice: KeyError\n\
         selector events 4: Invalid events: 4\n\
         selector ready: [\"a:1\"]\n\
         selector after modify: [\"a2:3\"]\n\
         unregistered a2 3\n\
         get_key: KeyError\n"
    );
}

/// An epoll instance takes a socket slot (`--max-sockets`) and gives it back when closed.
#[test]
fn epoll_limit() {
    let out = Guest::new(EPOLL_ECHO).arg("limit").max_sockets(2).run_ok();
    assert_eq!(
        out,
        "third: Some(24)
socket: Some(24)
socket after close: true
"
    );
}

/// One guest thread holds 1,000 connections at once from a native client and echoes every
/// byte of each exactly.
#[test]
fn epoll_echo_thousand() {
    const N: usize = 1000;
    let port = free_port("127.0.0.1");
    let guest = std::thread::spawn(move || {
        Guest::new(EPOLL_ECHO)
            .arg("serve")
            .arg(port)
            .arg(N)
            .allow(&format!("bind tcp://127.0.0.1:{port}"))
            .allow("accept tcp://127.0.0.1:*")
            .max_sockets(N + 8)
            .time_limit(Duration::from_secs(120))
            .run_ok()
    });
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut clients = vec![connect_when_listening(addr)];
    while clients.len() < N {
        clients.push(TcpStream::connect(addr).expect("connect"));
    }
    for (i, c) in clients.iter_mut().enumerate() {
        c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        c.write_all(format!("{i:064}").as_bytes()).unwrap();
    }
    for (i, c) in clients.iter_mut().enumerate() {
        let mut back = [0u8; 64];
        c.read_exact(&mut back).unwrap();
        assert_eq!(back, *format!("{i:064}").as_bytes(), "connection {i}");
    }
    drop(clients);
    let out = guest.join().unwrap();
    assert_eq!(out, format!("most held at once: {N}\nclosed: {N}\n"));
}

/// One guest holds 10,000 sockets at once (5,000 socketpairs), every one registered in one
/// epoll, and one wait reports the 5,000 that are readable.
#[test]
fn epoll_hold_ten_thousand() {
    let out = Guest::new(EPOLL_ECHO)
        .arg("hold")
        .arg(10_000)
        .max_sockets(10_001)
        .time_limit(Duration::from_secs(120))
        .run_ok();
    assert_eq!(out, "held 10000 sockets; 5000 ready in one wait\n");
}

/// `--timeout 1` ends a guest waiting on an epoll with nothing registered (no socket to shut
/// down: the host's cancel eventfd wakes it).
#[test]
fn epoll_forever() {
    let run = host(&["run", "--timeout", "1", EPOLL_ECHO, "forever"]);
    assert_eq!(run.code, Some(134), "{run:?}");
    assert_eq!(run.stdout, "waiting on an empty epoll\n", "{run:?}");
    assert!(run.stderr.contains("time limit"), "{run:?}");
}

/// Reads the peer's side of `pollables mix`: which connection is which from its first line,
/// then the commands on the capsock one, answering each; returns the commands it saw.
fn pollables_peer(listener: TcpListener) -> Vec<String> {
    let accept = || {
        let (stream, _) = listener.accept().expect("accept");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut hello = String::new();
        reader
            .read_line(&mut hello)
            .expect("the connection's hello");
        (hello, stream, reader)
    };
    let (first, second) = (accept(), accept());
    let ((_, mut capsock, mut commands), (_, mut wasi, _)) = match first.0.as_str() {
        "capsock\n" => (first, second),
        _ => (second, first),
    };
    let mut seen = Vec::new();
    loop {
        let mut line = String::new();
        if commands.read_line(&mut line).expect("a command") == 0 {
            break;
        }
        let command = line.trim_end().to_string();
        match command.as_str() {
            "poke capsock" => capsock.write_all(b"A").unwrap(),
            "poke wasi" => wasi.write_all(b"B").unwrap(),
            _ => {}
        }
        seen.push(command);
        if line == "close\n" {
            break;
        }
    }
    seen
}

/// A capsock socket is a `wasi:io/poll` pollable: one `poll` waits on it together with a
/// wasi:sockets stream, a clock and standard input, and reports each as it becomes ready, and
/// no longer once the data was read (level-triggered). Through `host run` with a native peer.
#[test]
pub fn pollables() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = std::thread::spawn(move || pollables_peer(listener));
    let mut command = host_cmd();
    command
        .args(["run", "--timeout", "60", "--allow"])
        .arg(format!("connect tcp://127.0.0.1:{port}"))
        .args([POLLABLES, "mix", &port.to_string()])
        .stdin(Stdio::piped());
    let mut guest = Peer::run(command);
    let mut before = String::new();
    while !before.ends_with("waiting for stdin\n") {
        let line = guest.line();
        assert!(!line.is_empty(), "the guest ended early: {before}");
        before.push_str(&line);
    }
    guest.stdin().write_all(b"hello from stdin\n").unwrap();
    let after = guest.output();
    assert_eq!(
        before + &after,
        "idle: [2]\n\
         capsock data: [0]\n\
         capsock read: \"A\"\n\
         after reading: [2]\n\
         wasi data: [1]\n\
         wasi read: \"B\"\n\
         wasi drained: []\n\
         writable: [0]\n\
         waiting for stdin\n\
         stdin: [2]\n\
         stdin read: \"hello from stdin\\n\"\n\
         peer closed: [0]\n\
         capsock at the end: []\n"
    );
    assert_eq!(peer.join().unwrap(), ["poke capsock", "poke wasi", "close"]);
}

/// `--timeout 1` ends a guest blocked in `wasi:io/poll` on a capsock pollable.
#[test]
fn pollables_forever() {
    let run = host(&["run", "--timeout", "1", POLLABLES, "forever"]);
    assert_eq!(run.code, Some(134), "{run:?}");
    assert_eq!(run.stdout, "waiting on a silent socket\n", "{run:?}");
    assert!(run.stderr.contains("time limit"), "{run:?}");
}
