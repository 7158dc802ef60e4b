//! makefile() writing against a native echo peer: buffered "wb" reaches the peer only on
//! flush or overflow, "rwb" round trip, line-buffered text, mode checks, and close() leaving
//! the socket usable.
use std::io::Write;

use capsock::{AF_INET, SOCK_STREAM, Socket};

/// What comes back from the echo peer within `secs` seconds (at most `limit` bytes).
fn echoed(s: &Socket, secs: f64, limit: usize) -> Vec<u8> {
    s.settimeout(Some(secs)).unwrap();
    let mut got = Vec::new();
    while got.len() < limit {
        match s.recv(limit - got.len()) {
            Ok(chunk) if chunk.is_empty() => panic!("echo peer closed"),
            Ok(chunk) => got.extend_from_slice(&chunk),
            Err(e) if e.is_timeout() => break,
            Err(e) => panic!("recv: {e:?}"),
        }
    }
    s.settimeout(Some(20.0)).unwrap();
    got
}

/// Asserts the peer echoes nothing within 0.3 s: nothing was sent.
fn nothing_sent(s: &Socket, what: &str) {
    let got = echoed(s, 0.3, 1);
    assert!(got.is_empty(), "{what}: the peer already got {got:?}");
}

/// Reads exactly `want` echoed bytes.
fn expect_echo(s: &Socket, want: &[u8]) {
    let got = echoed(s, 10.0, want.len());
    assert_eq!(got, want);
}

fn main() {
    let args = capsock_test_guests::args();
    let (host, port) = capsock_test_guests::host_port(&args[0]);
    let s = Socket::new(AF_INET, SOCK_STREAM, 0).expect("socket");
    s.connect((host.as_str(), port)).expect("connect");

    // Default buffering: nothing leaves before flush.
    let mut f = s.makefile("wb", None).expect("makefile wb");
    assert_eq!(f.mode(), "wb");
    assert!(f.writable().unwrap() && !f.readable().unwrap());
    assert_eq!(f.write(b"hello").unwrap(), 5);
    nothing_sent(&s, "wb before flush");
    f.flush().unwrap();
    expect_echo(&s, b"hello");
    println!("ok: wb sends on flush");
    drop(f);

    // A 16-byte buffer: an overflowing write sends what was buffered first.
    let mut f = s.makefile("wb", Some(16)).expect("makefile wb 16");
    assert_eq!(f.write(b"0123456789").unwrap(), 10);
    nothing_sent(&s, "10 bytes in a 16-byte buffer");
    assert_eq!(f.write(b"abcdefg").unwrap(), 7);
    expect_echo(&s, b"0123456789");
    nothing_sent(&s, "7 bytes left in the buffer");
    assert_eq!(f.write(&[b'x'; 40]).unwrap(), 40);
    let mut want = b"abcdefg".to_vec();
    want.extend_from_slice(&[b'x'; 40]);
    expect_echo(&s, &want);
    println!("ok: wb buffer of 16 flushes on overflow");
    drop(f);

    // "rwb": write, flush, read the echo back through the same file.
    let mut f = s.makefile("rwb", None).expect("makefile rwb");
    assert_eq!(f.mode(), "rwb");
    assert!(f.readable().unwrap() && f.writable().unwrap());
    f.write(b"ping\nsecond\n").unwrap();
    f.flush().unwrap();
    assert_eq!(f.readline().unwrap(), b"ping\n");
    assert_eq!(f.read(Some(7)).unwrap(), b"second\n");
    println!("ok: rwb round trip");
    drop(f);

    // Text "w", buffering=1: line buffered.
    let mut f = s.makefile("w", Some(1)).expect("makefile w 1");
    assert_eq!(f.mode(), "w");
    f.write_str("abc").unwrap();
    nothing_sent(&s, "line-buffered text without newline");
    f.write_str("def\nxyz").unwrap();
    expect_echo(&s, b"abcdef\nxyz");
    writeln!(f, "n={}", 5).unwrap();
    expect_echo(&s, b"n=5\n");
    println!("ok: w buffering=1 flushes on newline");
    drop(f);

    // Text "w", default buffering: a newline does not flush; "\n" is written as is.
    let mut f = s.makefile("w", None).expect("makefile w");
    f.write_str("é\r\nb\n").unwrap();
    nothing_sent(&s, "fully buffered text");
    f.flush().unwrap();
    expect_echo(&s, "é\r\nb\n".as_bytes());
    let e = f.write(b"\xff").unwrap_err();
    assert!(e.is_value_error(), "{e:?}");
    println!("ok: w default buffering waits for flush");
    drop(f);

    // Modes.
    for (mode, want) in [
        ("r", "r"),
        ("b", "rb"),
        ("rw", "rw"),
        ("wb", "wb"),
        ("", ""),
    ] {
        assert_eq!(
            s.makefile(mode, None).unwrap().mode(),
            want,
            "mode {mode:?}"
        );
    }
    assert_eq!(s.makefile("rb", Some(0)).unwrap().mode(), "rb");
    for bad in ["rt", "r+", "a", "wx", "R"] {
        let e = s.makefile(bad, None).unwrap_err();
        assert!(e.is_value_error(), "{bad}: {e:?}");
        assert_eq!(
            e.strerror(),
            format!("invalid mode '{bad}' (only r, w, b allowed)")
        );
    }
    for text in ["r", "w", "rw"] {
        let e = s.makefile(text, Some(0)).unwrap_err();
        assert!(e.is_value_error());
        assert_eq!(e.strerror(), "unbuffered streams must be binary");
    }
    println!("ok: invalid modes rejected");

    // Unbuffered binary write: one send.
    let mut f = s.makefile("wb", Some(0)).expect("makefile wb 0");
    assert_eq!(f.write(b"raw").unwrap(), 3);
    expect_echo(&s, b"raw");
    drop(f);
    println!("ok: wb buffering=0 sends at once");

    // close() flushes, closes the file, and leaves the socket open.
    let mut f = s.makefile("wb", None).expect("makefile wb");
    f.write(b"bye").unwrap();
    f.close().unwrap();
    assert!(f.closed());
    expect_echo(&s, b"bye");
    let e = f.write(b"x").unwrap_err();
    assert!(e.is_value_error());
    assert_eq!(e.strerror(), "I/O operation on closed file.");
    assert!(f.readable().is_err());
    f.close().unwrap();
    drop(f);
    s.sendall(b"after").unwrap();
    expect_echo(&s, b"after");
    println!("ok: close() leaves the socket usable");

    // Dropping a file flushes it.
    {
        let mut f = s.makefile("wb", None).expect("makefile wb");
        f.write(b"dropped").unwrap();
    }
    expect_echo(&s, b"dropped");
    println!("ok: drop flushes");
}
