//! `AF_PACKET` under `packet:` rules, in a namespace with a veth pair `v0`–`v1`. argv: `MODE`:
//! - `frames` (rules `bind packet:v*`, `send packet:v0`): binds to `v0` for every protocol,
//!   sends frames out of it (`send`; `sendmsg` without and with an address), and reads frames
//!   until the runner's native peer on `v1` answers; every frame heard must come from `v0` (the
//!   peer also sends one on `lo`). Then tries what the rules do not allow, printing each
//!   refusal.
//! - `try`: makes a packet socket and prints the outcome.
use capsock::errno::{EACCES, EOPNOTSUPP};
use capsock::{AF_PACKET, Address, ETH_P_ALL, SOCK_DGRAM, SOCK_RAW, Socket, htons};

/// The local-experimental Ethertype the frames carry.
const ETHERTYPE: u16 = 0x88b5;

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0xff; 6];
    f.extend_from_slice(&[2, 0, 0, 0, 0, 1]);
    f.extend_from_slice(&ETHERTYPE.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn iface(name: &str, proto: u16) -> Address {
    Address::Packet(name.to_owned(), proto, 0, 0, Vec::new())
}

fn refused(what: &str, e: capsock::Error) {
    assert_eq!(e.errno(), Some(EACCES), "{what}: {e:?}");
    println!("{what}: {}", e.strerror());
}

fn frames() {
    let s = Socket::new(AF_PACKET, SOCK_RAW, i32::from(htons(ETH_P_ALL as u16))).expect("socket");
    s.bind(iface("v0", 0)).expect("bind v0");
    match s.getsockname().unwrap() {
        Address::Packet(name, proto, ..) => println!("bound to {name} for protocol {proto}"),
        other => panic!("getsockname: {other:?}"),
    }
    s.send(&frame(b"from guest")).expect("send out of v0");
    // sendmsg, bound (decided by the interface bound to) and addressed (by the one named).
    s.sendmsg(&[&frame(b"sendmsg ")[..], b"bound"], &[], 0, None)
        .expect("sendmsg out of v0");
    let v0 = Address::Packet("v0".to_owned(), ETHERTYPE, 0, 0, vec![0xff; 6]);
    s.sendmsg(&[&frame(b"sendmsg to v0")], &[], 0, Some(v0))
        .expect("sendmsg to v0");
    s.settimeout(Some(20.0)).unwrap();
    let mut heard_peer = false;
    let mut frames = 0;
    while frames < 1000 {
        frames += 1;
        let (data, from) = match s.recvfrom(2048) {
            Ok(got) => got,
            Err(e) if e.is_timeout() && heard_peer => break,
            Err(e) => panic!("recvfrom: {e:?}"),
        };
        let Some(Address::Packet(name, ..)) = from else {
            panic!("no packet address: {from:?}");
        };
        assert_eq!(name, "v0", "a frame from elsewhere");
        assert!(!data.ends_with(b"on lo"), "a frame of lo reached the guest");
        if data.len() > 14
            && data[12..14] == ETHERTYPE.to_be_bytes()
            && data.ends_with(b"from peer")
        {
            println!("heard the peer on {name}");
            heard_peer = true;
            // Drain briefly: the lo frame, sent before, must not come.
            s.settimeout(Some(0.5)).unwrap();
        }
    }
    assert!(heard_peer);

    // What the rules do not allow.
    let other = Socket::new(AF_PACKET, SOCK_DGRAM, i32::from(htons(ETHERTYPE))).expect("socket");
    refused("bind lo", other.bind(iface("lo", 0)).unwrap_err());
    refused(
        "bind every interface",
        other.bind(iface("", 0)).unwrap_err(),
    );
    let to = Address::Packet("lo".to_owned(), ETHERTYPE, 0, 0, vec![0; 6]);
    refused("sendto lo", other.sendto(b"x", to).unwrap_err());
    // v1 may be heard (bind packet:v*) but not sent out of (send packet:v0 only): the send is
    // decided by the interface the socket is bound to, at each send.
    other.bind(iface("v1", 0)).expect("bind v1");
    refused("send on v1", other.send(b"x").unwrap_err());
    refused("sendall on v1", other.sendall(b"x").unwrap_err());
    refused(
        "sendmsg on v1",
        other.sendmsg(&[b"x"], &[], 0, None).unwrap_err(),
    );
    let e = other.connect(iface("v0", 0)).unwrap_err();
    assert_eq!(e.errno(), Some(EOPNOTSUPP), "{e:?}");
    println!("connect: {}", e.strerror());
}

fn main() {
    let args = capsock_test_guests::args();
    match args[0].as_str() {
        "frames" => frames(),
        "try" => match Socket::new(AF_PACKET, SOCK_RAW, 0) {
            Ok(_) => println!("made"),
            Err(e) => println!("errno {:?}: {}", e.errno(), e.strerror()),
        },
        other => panic!("unknown mode {other}"),
    }
}
