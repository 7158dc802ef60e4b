//! UDP under the policy: sendto with no `send` rule is EACCES naming `send to udp://…`; a deny
//! rule on the wildcard bind refuses the implicit bind of sendto on an unbound socket, while an
//! explicitly bound socket (allowed `bind` rule) sends and receives.
//!
//! argv: `ECHO_HOST:PORT UNLISTED_PORT MODE`. MODE `deny-all-binds` (policy denies `bind udp://*:*`:
//! the explicit bind is refused too) or `deny-wildcard-bind` (policy denies only the wildcard
//! addresses and allows binding the loopback address: the echo peer must see 1 datagram).
use capsock::errno::EACCES;
use capsock::{AF_INET, AF_INET6, Address, Error, SOCK_DGRAM, Socket};

fn assert_denied(e: &Error, what: &str) {
    assert_eq!(e.errno(), Some(EACCES), "{e}");
    assert_eq!(e.python_class(), "PermissionError");
    let text = e.to_string();
    assert!(text.contains(&format!("capsock policy: {what}")), "{text}");
    println!("denied: {}", e.strerror());
}

fn main() {
    let args = capsock_test_guests::args();
    let (host, port) = capsock_test_guests::host_port(&args[0]);
    let unlisted: u16 = args[1].parse().expect("unlisted port");
    let mode = args[2].as_str();
    let v6 = host.contains(':');
    let family = if v6 { AF_INET6 } else { AF_INET };
    let addr = |port: u16| {
        if v6 {
            Address::Inet6(host.clone(), port, 0, 0)
        } else {
            Address::Inet(host.clone(), port)
        }
    };
    let url_host = if v6 {
        format!("[{host}]")
    } else {
        host.clone()
    };
    let wildcard = if v6 { "[::]" } else { "0.0.0.0" };
    let udp = || {
        let s = Socket::new(family, SOCK_DGRAM, 0).expect("socket");
        s.settimeout(Some(10.0)).expect("settimeout");
        s
    };

    // No send rule for this destination: refused before the implicit bind is considered.
    let s = udp();
    let e = s.sendto(b"x", addr(unlisted)).expect_err("no send rule");
    assert_denied(
        &e,
        &format!("send to udp://{url_host}:{unlisted} denied (no rule allows it)"),
    );
    println!("ok: sendto without a send rule -> EACCES");

    // The destination is allowed, but the implicit bind of the unbound socket is denied.
    let e = s
        .sendto(b"x", addr(port))
        .expect_err("implicit bind denied");
    assert_denied(
        &e,
        &format!("bind to udp://{wildcard}:0 denied by rule \"deny bind udp://"),
    );
    println!("ok: implicit bind denied");
    let e = s.getsockname().map(|a| a.port());
    assert_eq!(e.ok(), Some(Some(0)), "the socket stayed unbound");

    let b = udp();
    match mode {
        "deny-all-binds" => {
            let e = b.bind(addr(0)).expect_err("deny beats allow");
            assert_denied(&e, &format!("bind to udp://{url_host}:0 denied by rule"));
            println!("ok: explicit bind denied too");
        }
        "deny-wildcard-bind" => {
            b.bind(addr(0)).expect("explicit bind is allowed");
            assert_eq!(b.sendto(b"bound", addr(port)).expect("sendto"), 5);
            let (data, from) = b.recvfrom(100).expect("recvfrom");
            assert_eq!(data, b"bound");
            assert_eq!(from, Some(addr(port)));
            println!("ok: bound socket sends and receives");
        }
        other => panic!("unknown mode {other}"),
    }
}
