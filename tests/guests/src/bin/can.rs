//! `AF_CAN` (`CAN_RAW`) under `can:` rules. argv: `MODE`:
//! - `try`: makes a `CAN_RAW` socket, then a `CAN_BCM` one, printing each outcome.
//! - `frames` (rules `bind can:vcan*`, `send can:vcan0`, in a namespace with `vcan0` and
//!   `vcan1`, on a kernel with CAN): binds to `vcan0`, sends frame 0x123 and reads until the
//!   runner's peer answers with 0x321; every frame heard must come from `vcan0` (the peer also
//!   sends one on `vcan1`). Then a socket bound to `vcan1` may not send.
use capsock::errno::EACCES;
use capsock::{AF_CAN, Address, CAN_BCM, CAN_RAW, SOCK_DGRAM, SOCK_RAW, Socket};

/// A classic CAN frame (`struct can_frame`): id, length, three bytes of padding, 8 of data.
fn frame(id: u32, data: &[u8]) -> Vec<u8> {
    let mut f = id.to_ne_bytes().to_vec();
    f.extend_from_slice(&[data.len() as u8, 0, 0, 0]);
    let mut payload = [0u8; 8];
    payload[..data.len()].copy_from_slice(data);
    f.extend_from_slice(&payload);
    f
}

fn outcome(what: &str, made: capsock::Result<Socket>) {
    match made {
        Ok(_) => println!("{what}: made"),
        Err(e) => println!("{what}: errno {:?}: {}", e.errno(), e.strerror()),
    }
}

fn frames() {
    let s = Socket::new(AF_CAN, SOCK_RAW, CAN_RAW).expect("socket");
    s.bind(Address::Can("vcan0".to_owned()))
        .expect("bind vcan0");
    s.send(&frame(0x123, b"guest")).expect("send on vcan0");
    s.settimeout(Some(20.0)).unwrap();
    for _ in 0..100 {
        let (data, from) = s.recvfrom(64).expect("recvfrom");
        assert_eq!(
            from,
            Some(Address::Can("vcan0".to_owned())),
            "a frame from elsewhere"
        );
        let id = u32::from_ne_bytes([data[0], data[1], data[2], data[3]]);
        assert_ne!(id, 0x666, "a frame of vcan1 reached the guest");
        if id == 0x321 {
            println!("heard the peer on vcan0");
            break;
        }
    }
    let other = Socket::new(AF_CAN, SOCK_RAW, CAN_RAW).expect("socket");
    other
        .bind(Address::Can("vcan1".to_owned()))
        .expect("bind vcan1");
    let e = other.send(&frame(1, b"x")).unwrap_err();
    assert_eq!(e.errno(), Some(EACCES), "{e:?}");
    println!("send on vcan1: {}", e.strerror());
}

fn main() {
    let args = capsock_test_guests::args();
    match args[0].as_str() {
        "try" => {
            outcome("CAN_RAW", Socket::new(AF_CAN, SOCK_RAW, CAN_RAW));
            outcome("CAN_BCM", Socket::new(AF_CAN, SOCK_DGRAM, CAN_BCM));
        }
        "frames" => frames(),
        other => panic!("unknown mode {other}"),
    }
}
