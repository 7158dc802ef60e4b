//! Raw IP sockets (`SOCK_RAW` on `AF_INET` / `AF_INET6`) under `raw://HOST:PROTOS` rules, in a
//! network namespace. argv: `MODE`:
//! - `exchange` (rules `send raw://127.0.0.1:253`, `send raw://[::1]:253`): sends protocol 253
//!   to 127.0.0.1 and reads until the runner's native peer answers `reply` (the peer sends
//!   `stranger` from 127.0.0.2 first, which must never arrive); then tries what the rules do
//!   not allow, printing each refusal; then the same exchange with itself over IPv6.
//! - `try`: makes a raw socket of protocol 253 and prints the outcome.
use capsock::errno::{EACCES, ENOPROTOOPT, EPROTONOSUPPORT};
use capsock::{AF_INET, AF_INET6, IP_HDRINCL, IPPROTO_IP, IPPROTO_RAW, SOCK_RAW, Socket};

const PROTO: i32 = 253;

fn refused(what: &str, e: capsock::Error, errno: i32) {
    assert_eq!(e.errno(), Some(errno), "{what}: {e:?}");
    println!("{what}: {}", e.strerror());
}

fn exchange() {
    let s = Socket::new(AF_INET, SOCK_RAW, PROTO).expect("socket");
    s.settimeout(Some(10.0)).unwrap();
    s.sendto(b"hello", ("127.0.0.1", 0))
        .expect("sendto 127.0.0.1");
    let mut heard = Vec::new();
    for _ in 0..50 {
        let (data, from) = s.recvfrom(2048).expect("recvfrom");
        // An IPv4 raw socket reads the IP header too.
        let header = usize::from(data[0] & 0x0f) * 4;
        let payload = String::from_utf8_lossy(&data[header..]).into_owned();
        assert_ne!(
            payload, "stranger",
            "a sender no rule allows reached the guest"
        );
        heard.push(format!("{payload} from {from:?}"));
        if payload == "reply" {
            break;
        }
    }
    println!("heard: {}", heard.join(", "));

    refused(
        "sendto 127.0.0.2",
        s.sendto(b"x", ("127.0.0.2", 0)).unwrap_err(),
        EACCES,
    );
    let other = Socket::new(AF_INET, SOCK_RAW, PROTO + 1).expect("another protocol");
    refused(
        "protocol 254 to 127.0.0.1",
        other.sendto(b"x", ("127.0.0.1", 0)).unwrap_err(),
        EACCES,
    );
    refused(
        "IPPROTO_RAW",
        Socket::new(AF_INET, SOCK_RAW, IPPROTO_RAW).unwrap_err(),
        EPROTONOSUPPORT,
    );
    refused(
        "protocol 0",
        Socket::new(AF_INET, SOCK_RAW, 0).unwrap_err(),
        EPROTONOSUPPORT,
    );
    refused(
        "IP_HDRINCL",
        s.setsockopt(IPPROTO_IP, IP_HDRINCL, 1).unwrap_err(),
        ENOPROTOOPT,
    );

    let six = Socket::new(AF_INET6, SOCK_RAW, PROTO).expect("socket");
    six.settimeout(Some(10.0)).unwrap();
    six.sendto(b"six", ("::1", 0)).expect("sendto ::1");
    let (data, from) = six.recvfrom(2048).expect("recvfrom");
    println!(
        "heard over IPv6: {} from {from:?}",
        String::from_utf8_lossy(&data)
    );
}

fn main() {
    let args = capsock_test_guests::args();
    match args[0].as_str() {
        "exchange" => exchange(),
        "try" => match Socket::new(AF_INET, SOCK_RAW, PROTO) {
            Ok(_) => println!("made"),
            Err(e) => println!("errno {:?}: {}", e.errno(), e.strerror()),
        },
        other => panic!("unknown mode {other}"),
    }
}
