//! makefile() reading: `readline`/`read(n)`/`read(None)` in "rb", universal newlines and UTF-8
//! in "r", `BufRead`, unbuffered "rb" taking no byte too many, read/write on the wrong side,
//! and a timed-out file refusing further reads.
use std::io::{BufRead, Read};

use capsock::{AF_INET, SOCK_STREAM, Socket, errno};

/// Connects to the script server, names the script it should play, and returns the socket.
fn open(host: &str, port: u16, script: &str) -> Socket {
    let s = Socket::new(AF_INET, SOCK_STREAM, 0).expect("socket");
    s.settimeout(Some(20.0)).expect("settimeout");
    s.connect((host, port)).expect("connect");
    s.sendall(format!("{script}\n").as_bytes())
        .expect("send script name");
    s
}

fn main() {
    let args = capsock_test_guests::args();
    let (host, port) = capsock_test_guests::host_port(&args[0]);
    let host = host.as_str();

    // Binary: lines keep their "\r\n"; read(n) is exact; read(None) reads to EOF.
    let s = open(host, port, "lines");
    let mut f = s.makefile("rb", None).expect("makefile rb");
    assert_eq!(f.mode(), "rb");
    assert!(f.readable().unwrap() && !f.writable().unwrap());
    assert_eq!(f.readline().unwrap(), b"alpha\n");
    assert_eq!(f.readline().unwrap(), b"beta\r\n");
    assert_eq!(f.read(Some(5)).unwrap(), b"gamma");
    assert_eq!(f.read(None).unwrap(), b" delta\nlast-no-newline");
    assert_eq!(f.readline().unwrap(), b"");
    assert_eq!(f.read(Some(3)).unwrap(), b"");
    println!("ok: rb readline/read(n)/read(None)/EOF");
    drop(f);
    drop(s);

    // Text: "\r\n" reads as "\n", the last line has no newline, then "" at EOF.
    let s = open(host, port, "lines");
    let mut f = s.makefile("r", None).expect("makefile r");
    assert_eq!(f.mode(), "r");
    assert!(!f.is_binary());
    assert_eq!(f.readline_text().unwrap(), "alpha\n");
    assert_eq!(f.readline_text().unwrap(), "beta\n");
    assert_eq!(f.readline_text().unwrap(), "gamma delta\n");
    assert_eq!(f.readline_text().unwrap(), "last-no-newline");
    assert_eq!(f.readline_text().unwrap(), "");
    println!("ok: r readline_text with \\r\\n");
    drop(f);
    drop(s);

    // Text: a lone "\r" ends a line, and a "\r" + "\n" split over two sends is one line end.
    let s = open(host, port, "split-cr");
    let mut f = s.makefile("r", None).expect("makefile r");
    assert_eq!(f.readline_text().unwrap(), "one\n");
    assert_eq!(f.readline_text().unwrap(), "two\n");
    assert_eq!(f.readline_text().unwrap(), "three");
    println!("ok: r universal newlines across sends");
    drop(f);
    drop(s);

    // Text: UTF-8, read_text counts characters; BufRead::lines on a text file.
    let s = open(host, port, "utf8");
    let mut f = s.makefile("r", None).expect("makefile r");
    assert_eq!(f.readline_text().unwrap(), "héllo\n");
    assert_eq!(f.read_text(Some(2)).unwrap(), "é€");
    let rest: Vec<String> = (&mut f).lines().map(|l| l.unwrap()).collect();
    assert_eq!(rest, ["x", "ligne 2", "fin"]);
    println!("ok: r utf-8 read_text and BufRead::lines");
    drop(f);
    drop(s);

    // Text: invalid UTF-8 is a ValueError (UnicodeDecodeError).
    let s = open(host, port, "bad-utf8");
    let mut f = s.makefile("r", None).expect("makefile r");
    let e = f.readline_text().unwrap_err();
    assert!(e.is_value_error(), "{e:?}");
    assert!(
        e.strerror().contains("can't decode byte 0xff"),
        "{}",
        e.strerror()
    );
    println!("ok: r invalid utf-8 -> {}", e.python_class());
    drop(f);
    drop(s);

    // Unbuffered binary: readline takes no byte past the line, so recv sees the rest.
    let s = open(host, port, "unbuffered");
    {
        let mut f = s.makefile("rb", Some(0)).expect("makefile rb 0");
        assert_eq!(f.readline().unwrap(), b"l1\n");
        assert_eq!(f.read(Some(2)).unwrap(), b"l2");
        let mut one = [0u8; 1];
        assert_eq!(Read::read(&mut f, &mut one).unwrap(), 1);
        assert_eq!(&one, b"\n");
    }
    let mut rest = Vec::new();
    while rest.len() < 4 {
        let chunk = s.recv(64).unwrap();
        assert!(!chunk.is_empty(), "peer closed early");
        rest.extend_from_slice(&chunk);
    }
    assert_eq!(rest, b"rest");
    println!("ok: rb buffering=0 reads only what it returns");
    drop(s);

    // std::io::Read on a binary file.
    let s = open(host, port, "lines");
    let mut f = s.makefile("b", None).expect("makefile b");
    assert_eq!(f.mode(), "rb");
    let mut all = String::new();
    f.read_to_string(&mut all).unwrap();
    assert_eq!(all, "alpha\nbeta\r\ngamma delta\nlast-no-newline");
    println!("ok: io::Read::read_to_string");
    drop(f);
    drop(s);

    // The wrong direction: Python's io.UnsupportedOperation.
    let s = open(host, port, "lines");
    let mut w = s.makefile("wb", None).expect("makefile wb");
    let e = w.read(Some(1)).unwrap_err();
    assert_eq!(e.errno(), Some(errno::EBADF));
    assert_eq!(e.strerror(), "not readable");
    let mut buf = [0u8; 4];
    let io = Read::read(&mut w, &mut buf).unwrap_err();
    assert_eq!(io.kind(), std::io::ErrorKind::Unsupported);
    drop(w);
    let mut r = s.makefile("r", None).expect("makefile r");
    let e = r.write(b"x").unwrap_err();
    assert_eq!(e.strerror(), "not writable");
    let io = std::io::Write::write(&mut r, b"x").unwrap_err();
    assert_eq!(io.kind(), std::io::ErrorKind::Unsupported);
    println!("ok: wrong direction -> not readable / not writable");
    drop(r);
    drop(s);

    // A read that timed out makes the file refuse further reads.
    let s = open(host, port, "silent");
    s.settimeout(Some(0.3)).unwrap();
    let mut f = s.makefile("rb", None).expect("makefile rb");
    let e = f.read(Some(1)).unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    let e = f.readline().unwrap_err();
    assert!(!e.is_timeout(), "{e:?}");
    assert_eq!(e.strerror(), "cannot read from timed out object");
    println!("ok: timed-out file refuses reads");
}
