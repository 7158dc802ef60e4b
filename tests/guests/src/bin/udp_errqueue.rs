//! The error queue (`MSG_ERRQUEUE`) and refused datagrams under `MSG_PEEK`.
//!
//! argv: `MODE …`:
//! - `wait SECONDS`: a socket with a normal datagram queued (sent to itself) waits for its
//!   error queue in timeout mode, `SECONDS` times one second: each wait must end in a timeout
//!   (the runner measures that the host did not spin meanwhile); `wait 0` does no waiting (the
//!   baseline). In blocking mode an empty error queue is `EAGAIN` at once, as in CPython.
//! - `peek CLOSED_PORT READY_PORT`: with `IP_RECVERR`, a datagram to `127.0.0.1:CLOSED_PORT`
//!   (nothing listens) puts an error in the queue, whose address no rule lets the guest hear
//!   from; then the guest tells the runner on `READY_PORT`, which sends `good` to the guest.
//!   A peek of the error queue must drop the refused error from the error queue (and say
//!   `EAGAIN`), never the normal datagram, which `recvfrom` then returns.
use std::time::{Duration, Instant};

use capsock::errno::{EAGAIN, ECONNREFUSED};
use capsock::{
    AF_INET, IP_RECVERR, IPPROTO_IP, MSG_DONTWAIT, MSG_ERRQUEUE, MSG_PEEK, SO_ERROR, SOCK_DGRAM,
    SOL_SOCKET, Socket,
};

fn main() {
    let args = capsock_test_guests::args();
    match args[0].as_str() {
        "wait" => wait(args[1].parse().unwrap()),
        "peek" => peek(args[1].parse().unwrap(), args[2].parse().unwrap()),
        other => panic!("unknown mode {other:?}"),
    }
}

fn wait(rounds: u32) {
    let s = Socket::new(AF_INET, SOCK_DGRAM, 0).unwrap();
    s.bind(("127.0.0.1", 0)).unwrap();
    let me = s.getsockname().unwrap();
    s.sendto(b"normal data stays queued", me).unwrap();
    // Blocking mode: the kernel never waits for the error queue; neither does the host.
    let e = s.recvmsg(64, 64, MSG_ERRQUEUE).unwrap_err();
    assert_eq!(e.errno(), Some(EAGAIN), "{e:?}");
    println!("blocking: EAGAIN");
    s.settimeout(Some(1.0)).unwrap();
    for _ in 0..rounds {
        let started = Instant::now();
        let e = s.recvmsg(64, 64, MSG_ERRQUEUE).unwrap_err();
        assert!(e.is_timeout(), "{e:?}");
        let waited = started.elapsed().as_secs_f64();
        assert!((0.9..10.0).contains(&waited), "waited {waited} s");
    }
    println!("timeouts: {rounds}");
    // The normal datagram is still there.
    let (data, _) = s.recvfrom(64).unwrap();
    assert_eq!(data, b"normal data stays queued");
    println!("normal data: kept");
}

fn peek(closed: u16, ready: u16) {
    let s = Socket::new(AF_INET, SOCK_DGRAM, 0).unwrap();
    s.bind(("127.0.0.1", 0)).unwrap();
    s.setsockopt(IPPROTO_IP, IP_RECVERR, 1).unwrap();
    s.sendto(b"to nobody", ("127.0.0.1", closed)).unwrap();
    // The port-unreachable error comes back over loopback: polled (bounded) on SO_ERROR, which
    // the kernel sets after queueing the error, and which reading takes, leaving the error
    // queue's entry.
    let started = Instant::now();
    loop {
        match s.getsockopt(SOL_SOCKET, SO_ERROR).unwrap() {
            0 => {
                assert!(
                    started.elapsed() < Duration::from_secs(10),
                    "no port-unreachable error within 10 s"
                );
                std::thread::sleep(Duration::from_millis(5));
            }
            e => {
                assert_eq!(e, ECONNREFUSED);
                break;
            }
        }
    }
    s.sendto(b"ready", ("127.0.0.1", ready)).unwrap();
    s.settimeout(Some(10.0)).unwrap();
    // Wait (bounded) until the runner's datagram has arrived: a plain peek admits it.
    let (data, _) = s.recvfrom_flags(64, MSG_PEEK).unwrap();
    assert_eq!(data, b"good");
    // The error (from 127.0.0.1:CLOSED, which no rule admits) is dropped from the error
    // queue; nothing else is there.
    let e = s
        .recvmsg(64, 256, MSG_ERRQUEUE | MSG_PEEK | MSG_DONTWAIT)
        .unwrap_err();
    assert_eq!(e.errno(), Some(EAGAIN), "{e:?}");
    println!("errqueue peek: EAGAIN");
    let (data, from) = s.recvfrom(64).unwrap();
    assert_eq!(data, b"good");
    println!(
        "normal datagram: {} from port {}",
        String::from_utf8_lossy(&data),
        from.and_then(|a| a.port()).unwrap_or(0)
    );
}
