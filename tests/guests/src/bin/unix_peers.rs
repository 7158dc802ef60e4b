//! `AF_UNIX` streams and datagrams against programs nobody here wrote. argv: `MODE …`:
//! - `redis PATH`: speaks RESP to redis-server's `unixsocket` through `makefile`: PING, SET,
//!   GET, INCR, then three commands pipelined in one `sendall`.
//! - `echo PATH`: `sendall`s 1 MiB in chunks to socat's echo at PATH, half-closes
//!   (`SHUT_WR`), reads to end of stream and checks every byte.
//! - `silent PATH`: connects to a server that never answers: `recv` under a 0.2 s timeout
//!   raises `timeout`; non-blocking, `EAGAIN`.
//! - `serve PATH`: a server socat connects to: reads a line with `makefile`, answers it in
//!   upper case.
//! - `dgram PATH N`: binds a datagram socket at PATH and prints the first N datagrams that
//!   get through, with their senders (`None` for an unnamed one: Linux gives no address, and
//!   CPython says `None` too).
use capsock::errno::EAGAIN;
use capsock::{AF_UNIX, Address, SHUT_WR, SOCK_DGRAM, SOCK_STREAM, Socket};

fn unix(path: &str) -> Address {
    Address::Unix(path.as_bytes().to_vec())
}

fn connect(path: &str) -> Socket {
    let s = Socket::new(AF_UNIX, SOCK_STREAM, 0).unwrap();
    s.settimeout(Some(20.0)).unwrap();
    s.connect(unix(path)).expect("connect");
    s
}

/// A RESP command as an array of bulk strings.
fn resp(args: &[&str]) -> String {
    let mut out = format!("*{}\r\n", args.len());
    for a in args {
        out += &format!("${}\r\n{a}\r\n", a.len());
    }
    out
}

fn redis(path: &str) {
    let s = connect(path);
    {
        let mut f = s.makefile("rwb", None).unwrap();
        let mut ask = |args: &[&str]| {
            f.write(resp(args).as_bytes()).unwrap();
            f.flush().unwrap();
            let mut reply = f.readline_text().unwrap();
            if reply.starts_with('$') && reply != "$-1\r\n" {
                reply += &f.readline_text().unwrap();
            }
            println!(
                "{} -> {}",
                args.join(" "),
                reply.trim_end().replace("\r\n", " ")
            );
        };
        ask(&["PING"]);
        ask(&["SET", "capsock", "over a unix socket"]);
        ask(&["GET", "capsock"]);
        ask(&["INCR", "hits"]);
    }
    // Pipelined: one sendall, three replies.
    let batch = [
        resp(&["INCR", "hits"]),
        resp(&["INCR", "hits"]),
        resp(&["GET", "hits"]),
    ]
    .concat();
    s.sendall(batch.as_bytes()).unwrap();
    let mut f = s.makefile("rb", None).unwrap();
    let replies: Vec<String> = (0..4)
        .map(|_| f.readline_text().unwrap().trim_end().to_owned())
        .collect();
    println!("pipelined -> {}", replies.join(" "));
}

fn echo(path: &str) {
    let s = connect(path);
    let data: Vec<u8> = (0..1 << 20).map(|i: u32| (i * 7 % 251) as u8).collect();
    // The echo comes back while we send: keep at most 64 KiB unanswered, or both sides could
    // fill their buffers and wait for each other.
    let mut got = Vec::new();
    let mut sent = 0;
    for chunk in data.chunks(16 << 10) {
        s.sendall(chunk).unwrap();
        sent += chunk.len();
        while sent - got.len() > 64 << 10 {
            let echoed = s.recv(65536).unwrap();
            assert!(!echoed.is_empty(), "closed early");
            got.extend_from_slice(&echoed);
        }
    }
    s.shutdown(SHUT_WR).unwrap();
    loop {
        let chunk = s.recv(65536).unwrap();
        if chunk.is_empty() {
            break;
        }
        got.extend_from_slice(&chunk);
    }
    assert!(
        got == data,
        "echo differs: {} of {} bytes",
        got.len(),
        data.len()
    );
    println!("echoed {} bytes exactly, then end of stream", got.len());
}

fn silent(path: &str) {
    let s = connect(path);
    s.settimeout(Some(0.2)).unwrap();
    let e = s.recv(10).expect_err("nothing comes");
    assert!(e.is_timeout(), "{e:?}");
    s.setblocking(false).unwrap();
    let e = s.recv(10).expect_err("nothing comes");
    assert_eq!(e.errno(), Some(EAGAIN), "{e:?}");
    println!("timeout, then EAGAIN");
}

fn serve(path: &str) {
    let s = Socket::new(AF_UNIX, SOCK_STREAM, 0).unwrap();
    s.bind(unix(path)).expect("bind");
    s.listen(None).unwrap();
    s.settimeout(Some(20.0)).unwrap();
    println!("listening");
    let (conn, _) = s.accept().expect("accept");
    conn.settimeout(Some(20.0)).unwrap();
    let mut f = conn.makefile("rwb", None).unwrap();
    let line = f.readline_text().unwrap();
    f.write(line.to_uppercase().as_bytes()).unwrap();
    f.flush().unwrap();
    println!("served {}", line.trim());
}

fn dgram(path: &str, n: usize) {
    let s = Socket::new(AF_UNIX, SOCK_DGRAM, 0).unwrap();
    s.bind(unix(path)).expect("bind");
    s.settimeout(Some(20.0)).unwrap();
    println!("bound");
    for _ in 0..n {
        let (data, from) = s.recvfrom(100).unwrap();
        let from = match from {
            Some(Address::Unix(p)) if p.is_empty() => "''".to_owned(),
            Some(Address::Unix(p)) => String::from_utf8_lossy(&p).into_owned(),
            other => format!("{other:?}"),
        };
        println!("{} from {from}", String::from_utf8_lossy(&data));
    }
}

fn main() {
    let args = capsock_test_guests::args();
    match args[0].as_str() {
        "redis" => redis(&args[1]),
        "echo" => echo(&args[1]),
        "silent" => silent(&args[1]),
        "serve" => serve(&args[1]),
        "dgram" => dgram(&args[1], args[2].parse().unwrap()),
        other => panic!("unknown mode {other:?}"),
    }
}
