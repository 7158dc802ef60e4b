//! IP protocols other than TCP and UDP must not pass under TCP and UDP rules, and ICMP echo
//! ("ping") sockets work under `icmp://` rules.
//!
//! argv: `PORT TYPE/PROTO…`: for each, makes `socket(AF_INET, TYPE, PROTO)` (`AF_INET6` for
//! protocol 58, ICMPv6) and, if that works, sends `leak` to `127.0.0.1:PORT` (datagram types;
//! for ICMP an echo request to 127.0.0.1 or ::1, whose reply it then waits for) or connects
//! there (stream), printing `TYPE/PROTO -> OUTCOME`.
use capsock::{AF_INET, AF_INET6, Address, SOCK_DGRAM, Socket};

fn main() {
    let args = capsock_test_guests::args();
    let port: u16 = args[0].parse().unwrap();
    for spec in &args[1..] {
        let (kind, proto) = spec.split_once('/').unwrap();
        let (kind, proto): (i32, i32) = (kind.parse().unwrap(), proto.parse().unwrap());
        let (family, host) = match proto {
            58 => (AF_INET6, "::1"),
            _ => (AF_INET, "127.0.0.1"),
        };
        let outcome = match Socket::new(family, kind, proto) {
            Err(e) => format!("socket: errno {:?}: {}", e.errno(), e.strerror()),
            Ok(s) => {
                s.settimeout(Some(10.0)).unwrap();
                let done = match (kind, proto) {
                    // An echo request: type 8 (ICMP) or 128 (ICMPv6), code 0, checksum (the
                    // kernel's), identifier (the kernel's), sequence 1.
                    (SOCK_DGRAM, 1 | 58) => {
                        let kind = if proto == 1 { 8 } else { 128 };
                        s.sendto(&[kind, 0, 0, 0, 0, 0, 0, 1], (host, 0))
                            .and_then(|_| s.recvfrom(64))
                            .map(|(reply, from)| {
                                let from = match from {
                                    Some(Address::Inet(h, _)) | Some(Address::Inet6(h, ..)) => h,
                                    other => format!("{other:?}"),
                                };
                                format!("sent, reply type {} from {from}", reply[0])
                            })
                    }
                    (SOCK_DGRAM, _) => s.sendto(b"leak", (host, port)).map(|_| "sent".to_owned()),
                    _ => s.connect((host, port)).map(|()| "connected".to_owned()),
                };
                match done {
                    Ok(what) => what,
                    Err(e) => format!("errno {:?}: {}", e.errno(), e.strerror()),
                }
            }
        };
        println!("{spec} -> {outcome}");
    }
}
