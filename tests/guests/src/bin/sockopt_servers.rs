//! `has_dualstack_ipv6()` and `create_server`: a dual-stack server on `::` accepts an IPv4
//! client (seen as `::ffff:127.0.0.1`) and an IPv6 client; `reuse_port` sets SO_REUSEPORT.
//!
//! argv: `PORT`, a free TCP port on `::`. The runner connects from 127.0.0.1, then from ::1;
//! each client sends one line, which is echoed back.
use capsock::{
    AF_INET6, IPPROTO_IPV6, IPV6_V6ONLY, SO_REUSEADDR, SO_REUSEPORT, SOL_SOCKET, ServerOptions,
    create_server, has_dualstack_ipv6,
};

fn main() {
    let args = capsock_test_guests::args();
    let port: u16 = args[0].parse().expect("port");
    assert!(has_dualstack_ipv6());
    println!("ok: has_dualstack_ipv6");
    let srv = create_server(
        ("::", port),
        ServerOptions {
            family: AF_INET6,
            dualstack_ipv6: true,
            reuse_port: true,
            ..ServerOptions::default()
        },
    )
    .expect("create_server");
    srv.settimeout(Some(30.0)).expect("settimeout");
    assert_eq!(srv.getsockopt(SOL_SOCKET, SO_REUSEPORT).unwrap(), 1);
    assert_eq!(srv.getsockopt(SOL_SOCKET, SO_REUSEADDR).unwrap(), 1);
    assert_eq!(srv.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY).unwrap(), 0);
    println!("ok: SO_REUSEPORT SO_REUSEADDR set, IPV6_V6ONLY off");
    let name = srv.getsockname().expect("getsockname");
    assert_eq!(name.host(), Some("::"));
    assert_eq!(name.port(), Some(port));
    for _ in 0..2 {
        let (conn, peer) = srv.accept().expect("accept");
        conn.settimeout(Some(30.0)).expect("settimeout");
        let mut line = Vec::new();
        while !line.ends_with(b"\n") {
            let chunk = conn.recv(100).expect("recv");
            assert!(!chunk.is_empty(), "client closed early");
            line.extend_from_slice(&chunk);
        }
        conn.sendall(&line).expect("sendall");
        println!(
            "accepted {} {} said {}",
            peer.host().expect("IP peer"),
            peer.port().expect("port"),
            String::from_utf8_lossy(&line).trim_end()
        );
    }
}
