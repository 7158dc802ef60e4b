//! A dual-stack IPv6 socket bound to `[::]` also listens on IPv4: the deny rules about IPv4
//! binds apply to it. argv: `PORT`.
//!
//! 1. An AF_INET6 socket (IPV6_V6ONLY off, Linux's default) binds `[::]:PORT`: printed as
//!    `dual-stack bind -> denied: MESSAGE`, or, were it allowed, `-> ok`, then it listens and
//!    accepts one connection (`accepted HOST`), which the runner makes from IPv4.
//! 2. An AF_INET6 socket with IPV6_V6ONLY set binds `[::]:PORT`: `v6only bind -> ok`,
//!    `listening`, then accepts one connection (`accepted HOST`).
use capsock::errno::EACCES;
use capsock::{AF_INET6, IPPROTO_IPV6, IPV6_V6ONLY, SOCK_STREAM, Socket};

fn serve(s: &Socket) {
    s.listen(None).unwrap();
    println!("listening");
    s.settimeout(Some(20.0)).unwrap();
    let (_conn, peer) = s.accept().unwrap();
    println!("accepted {}", peer.host().unwrap_or("?"));
}

fn main() {
    let args = capsock_test_guests::args();
    let port: u16 = args[0].parse().unwrap();
    let dual = Socket::new(AF_INET6, SOCK_STREAM, 0).unwrap();
    assert_eq!(dual.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY).unwrap(), 0);
    match dual.bind(("::", port)) {
        Ok(()) => {
            println!("dual-stack bind -> ok");
            serve(&dual);
        }
        Err(e) if e.errno() == Some(EACCES) => {
            println!("dual-stack bind -> denied: {}", e.strerror())
        }
        Err(e) => panic!("dual-stack bind: {e:?}"),
    }
    drop(dual);
    let v6only = Socket::new(AF_INET6, SOCK_STREAM, 0).unwrap();
    v6only.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1).unwrap();
    v6only.bind(("::", port)).unwrap();
    println!("v6only bind -> ok");
    serve(&v6only);
}
