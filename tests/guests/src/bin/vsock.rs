//! `AF_VSOCK` under `vsock://` rules. argv: `PORT [PEER_PORT]`:
//! - binds a stream socket to `(VMADDR_CID_ANY, PORT)` and a seqpacket socket to `PORT + 1`,
//!   listens on both and shows their names; an accept times out (no one connects);
//! - tries what the rules do not allow, printing each refusal: a bind to `PORT + 2`, a connect
//!   to the host (CID 2), a `sendto` with an address, a datagram socket;
//! - with `PEER_PORT`: connects to `(VMADDR_CID_LOCAL, PEER_PORT)`, where the runner's native
//!   peer answers `ping` with `pong`.
use capsock::errno::{EACCES, EOPNOTSUPP, ESOCKTNOSUPPORT};
use capsock::{
    AF_VSOCK, Address, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, Socket, VMADDR_CID_ANY,
    VMADDR_CID_HOST, VMADDR_CID_LOCAL,
};

fn main() {
    let args = capsock_test_guests::args();
    let port: u32 = args[0].parse().expect("PORT");

    let stream = Socket::new(AF_VSOCK, SOCK_STREAM, 0).expect("socket");
    stream
        .bind(Address::Vsock(VMADDR_CID_ANY, port))
        .expect("bind");
    stream.listen(4).expect("listen");
    let Address::Vsock(cid, p) = stream.getsockname().unwrap() else {
        panic!("getsockname is not a vsock address");
    };
    println!("stream bound to {cid:#x}:{}", p - port);
    stream.settimeout(Some(0.2)).unwrap();
    let e = stream.accept().expect_err("no one connects");
    println!("accept: {e}");

    let seq = Socket::new(AF_VSOCK, SOCK_SEQPACKET, 0).expect("socket");
    seq.bind(Address::Vsock(VMADDR_CID_ANY, port + 1))
        .expect("bind");
    seq.listen(1).expect("listen");
    println!(
        "seqpacket bound: {}",
        seq.getsockname().unwrap() == Address::Vsock(VMADDR_CID_ANY, port + 1)
    );

    let other = Socket::new(AF_VSOCK, SOCK_STREAM, 0).expect("socket");
    let e = other
        .bind(Address::Vsock(VMADDR_CID_ANY, port + 2))
        .expect_err("no rule allows it");
    assert_eq!(e.errno(), Some(EACCES), "{e:?}");
    println!(
        "bind +2: {}",
        e.strerror().replace(&(port + 2).to_string(), "P+2")
    );
    let e = other
        .connect(Address::Vsock(VMADDR_CID_HOST, 9))
        .expect_err("no rule allows it");
    assert_eq!(e.errno(), Some(EACCES), "{e:?}");
    println!("connect host:9: {}", e.strerror());
    let e = other
        .sendto(b"x", Address::Vsock(VMADDR_CID_HOST, 9))
        .expect_err("vsock sends on its connection");
    assert_eq!(e.errno(), Some(EOPNOTSUPP), "{e:?}");
    println!("sendto: {}", e.strerror());
    let e = Socket::new(AF_VSOCK, SOCK_DGRAM, 0).expect_err("no vsock datagrams");
    assert_eq!(e.errno(), Some(ESOCKTNOSUPPORT), "{e:?}");
    println!("SOCK_DGRAM: {}", e.strerror());

    if let Some(peer) = args.get(1) {
        let peer: u32 = peer.parse().expect("PEER_PORT");
        let c = Socket::new(AF_VSOCK, SOCK_STREAM, 0).expect("socket");
        c.settimeout(Some(10.0)).unwrap();
        c.connect(Address::Vsock(VMADDR_CID_LOCAL, peer))
            .expect("connect");
        c.sendall(b"ping").unwrap();
        let got = c.recv(16).unwrap();
        println!(
            "peer {:?} said {}",
            c.getpeername().unwrap() == Address::Vsock(VMADDR_CID_LOCAL, peer),
            String::from_utf8_lossy(&got)
        );
    }
}
