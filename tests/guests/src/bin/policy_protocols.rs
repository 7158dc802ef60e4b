//! IP protocols other than TCP and UDP must not pass under TCP and UDP rules.
//!
//! argv: `PORT TYPE/PROTO…`: for each, makes `socket(AF_INET, TYPE, PROTO)` and, if that works,
//! sends `leak` to `127.0.0.1:PORT` (datagram types; for ICMP an echo request) or connects
//! there (stream), printing `TYPE/PROTO -> OUTCOME`.
use capsock::{AF_INET, SOCK_DGRAM, Socket};

fn main() {
    let args = capsock_test_guests::args();
    let port: u16 = args[0].parse().unwrap();
    for spec in &args[1..] {
        let (kind, proto) = spec.split_once('/').unwrap();
        let (kind, proto): (i32, i32) = (kind.parse().unwrap(), proto.parse().unwrap());
        let outcome = match Socket::new(AF_INET, kind, proto) {
            Err(e) => format!("socket: errno {:?}: {}", e.errno(), e.strerror()),
            Ok(s) => {
                s.settimeout(Some(10.0)).unwrap();
                let done = if kind == SOCK_DGRAM {
                    // An ICMP echo request (type 8) for a ping socket; plain bytes otherwise.
                    let payload: &[u8] = if proto == 1 {
                        &[8, 0, 0, 0, 0, 1, 0, 1]
                    } else {
                        b"leak"
                    };
                    s.sendto(payload, ("127.0.0.1", port)).map(|_| "sent")
                } else {
                    s.connect(("127.0.0.1", port)).map(|()| "connected")
                };
                match done {
                    Ok(what) => what.to_owned(),
                    Err(e) => format!("errno {:?}: {}", e.errno(), e.strerror()),
                }
            }
        };
        println!("{spec} -> {outcome}");
    }
}
