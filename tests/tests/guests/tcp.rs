//! TCP: connect, send and receive, over IPv4 and IPv6, and the policy's refusal.

use capsock_tests::{Guest, TCP_ECHO_CLIENT, tcp_echo_server};

#[test]
pub fn tcp_echo_client() {
    for (bind, host) in [("127.0.0.1:0", "127.0.0.1"), ("[::1]:0", "[::1]")] {
        let (addr, server) = tcp_echo_server(bind, 1);
        let out = Guest::new(TCP_ECHO_CLIENT)
            .arg(format!("{host}:{}", addr.port()))
            .allow(&format!("connect tcp://{host}:{}", addr.port()))
            .run_ok();
        assert_eq!(out.trim(), "echoed 14 bytes");
        server.join().unwrap();
    }
}

#[test]
fn tcp_connect_denied_by_default() {
    let (addr, _server) = tcp_echo_server("127.0.0.1:0", 1);
    let out = Guest::new(TCP_ECHO_CLIENT)
        .arg(format!("127.0.0.1:{}", addr.port()))
        .run();
    assert_ne!(out.code, Some(0));
    let text = format!("{}{}", out.stderr, out.trap.unwrap_or_default());
    assert!(
        text.contains(&format!(
            "capsock policy: connect to tcp://127.0.0.1:{} denied (no rule allows it)",
            addr.port()
        )),
        "{text}"
    );
    assert!(text.contains("PermissionError"), "{text}");
}
