//! What a guest sees when the network misbehaves. argv: `MODE ADDR`, against the runner's
//! native peer at ADDR (which knows the mode):
//! - `reset-recv`: blocked in `recv` when the peer resets the connection.
//! - `reset-send`: in `sendall` of 64 MiB when the peer, having read 1 MiB, resets.
//! - `epipe`: sends after the peer closed: the first sends go, then `EPIPE` (`BrokenPipeError`),
//!   with no signal (the host lives on to print the line).
//! - `never-reads`: the peer never reads: a non-blocking `send` fills the buffers and then
//!   fails with `EAGAIN`, and a `sendall` under a 0.3 s timeout ends in `TimeoutError`.
//! - `peer-half-close`: the peer sends, then shuts its sending side: the guest reads the data,
//!   then end of stream (twice), and still sends; the peer reads it.
//! - `unreachable`: a connect to an address whose route is `unreachable` (`EHOSTUNREACH`).
//! - `eintr`: says `ready`, then blocks in `recv` (no timeout) while the runner interrupts its
//!   thread with signals; prints what it then receives.
//! - `descriptors N`: (no ADDR) opens sockets until the host process runs out of descriptors
//!   (`EMFILE`, its limit lowered by the runner), closes them all and opens N again.
use capsock::errno::{EAGAIN, ECONNRESET, EHOSTUNREACH, EMFILE, EPIPE};
use capsock::{AF_INET, SHUT_WR, SOCK_STREAM, Socket, create_connection};

fn connect(addr: &str) -> Socket {
    let (host, port) = capsock_test_guests::host_port(addr);
    let s = create_connection((host.as_str(), port), Default::default()).unwrap();
    s.settimeout(Some(30.0)).unwrap();
    s
}

fn describe(e: &capsock::Error) -> String {
    format!("{} (errno {:?})", e.python_class(), e.errno())
}

fn main() {
    let args = capsock_test_guests::args();
    match args[0].as_str() {
        "reset-recv" => {
            let s = connect(&args[1]);
            s.sendall(b"receiving\n").unwrap();
            let e = s.recv(100).unwrap_err();
            assert_eq!(e.errno(), Some(ECONNRESET), "{e:?}");
            println!("recv: {}", describe(&e));
        }
        "reset-send" => {
            let s = connect(&args[1]);
            let block = vec![7u8; 1 << 20];
            let e = (0..64).find_map(|_| s.sendall(&block).err()).unwrap();
            // Linux answers a send after a reset with ECONNRESET, or EPIPE once it has
            // reported the reset: either is right.
            assert!(matches!(e.errno(), Some(ECONNRESET | EPIPE)), "{e:?}");
            println!("sendall: failed with {}", e.python_class());
        }
        "epipe" => {
            let s = connect(&args[1]);
            s.sendall(b"bye\n").unwrap();
            assert_eq!(s.recv(100).unwrap(), b"", "the peer closes");
            // The first send after the peer's FIN is accepted; the peer's RST then makes the
            // next ones fail. Bounded: 1,000 one-byte sends.
            let e = (0..1000)
                .find_map(|_| s.send(b"x").err())
                .expect("a send fails");
            assert!(matches!(e.errno(), Some(ECONNRESET | EPIPE)), "{e:?}");
            let again = s.send(b"x").unwrap_err();
            println!("send after close: {}", describe(&again));
        }
        "never-reads" => {
            let s = connect(&args[1]);
            s.setblocking(false).unwrap();
            let block = vec![1u8; 64 << 10];
            let mut sent = 0usize;
            let e = loop {
                match s.send(&block) {
                    Ok(n) => sent += n,
                    Err(e) => break e,
                }
                assert!(sent < 1 << 30, "a peer that never reads took 1 GiB");
            };
            assert_eq!(e.errno(), Some(EAGAIN), "{e:?}");
            println!("non-blocking send: {} after some bytes", describe(&e));
            s.settimeout(Some(0.3)).unwrap();
            let e = s.sendall(&block).unwrap_err();
            assert!(e.is_timeout(), "{e:?}");
            println!("sendall with a timeout: {}", e.python_class());
        }
        "peer-half-close" => {
            let s = connect(&args[1]);
            let mut got = Vec::new();
            loop {
                let chunk = s.recv(100).unwrap();
                if chunk.is_empty() {
                    break;
                }
                got.extend_from_slice(&chunk);
            }
            println!(
                "read: {:?}, then end of stream",
                String::from_utf8_lossy(&got)
            );
            println!("again: {:?}", s.recv(100).unwrap());
            s.sendall(b"still talking\n").unwrap();
            s.shutdown(SHUT_WR).unwrap();
            println!("sent after the peer's half-close");
        }
        "eintr" => {
            let s = connect(&args[1]);
            s.settimeout(None).unwrap();
            s.sendall(b"ready\n").unwrap();
            println!(
                "received: {:?}",
                String::from_utf8_lossy(&s.recv(100).unwrap())
            );
        }
        "unreachable" => {
            let (host, port) = capsock_test_guests::host_port(&args[1]);
            let s = Socket::new(AF_INET, SOCK_STREAM, 0).unwrap();
            s.settimeout(Some(30.0)).unwrap();
            let e = s.connect((host.as_str(), port)).unwrap_err();
            assert_eq!(e.errno(), Some(EHOSTUNREACH), "{e:?}");
            println!("connect: {} {e}", describe(&e));
        }
        "descriptors" => {
            let again: usize = args[1].parse().unwrap();
            let mut held = Vec::new();
            let e = loop {
                match Socket::new(AF_INET, SOCK_STREAM, 0) {
                    Ok(s) => held.push(s),
                    Err(e) => break e,
                }
                assert!(held.len() < 100_000, "no descriptor limit");
            };
            assert_eq!(e.errno(), Some(EMFILE), "{e:?}");
            println!("out of descriptors after {} sockets: {e}", held.len());
            drop(held);
            let reopened: Vec<Socket> = (0..again)
                .map(|_| Socket::new(AF_INET, SOCK_STREAM, 0).unwrap())
                .collect();
            println!("after closing them: {} opened again", reopened.len());
        }
        other => panic!("unknown mode {other}"),
    }
}
