//! UDP receive rules: datagrams from senders no rule admits never reach the guest, also not
//! under MSG_PEEK; with no rule at all, nothing arrives and the timeout fires.
use capsock::{AF_INET, MSG_PEEK, SOCK_DGRAM, Socket};

fn main() {
    let args = capsock_test_guests::args();
    let port: u16 = args[0].parse().unwrap();
    let s = Socket::new(AF_INET, SOCK_DGRAM, 0).unwrap();
    s.bind(("127.0.0.1", port)).unwrap();
    s.settimeout(Some(if args[1] == "none" { 1.0 } else { 20.0 }))
        .unwrap();
    if args[1] == "none" {
        let e = s.recvfrom(100).unwrap_err();
        assert!(e.is_timeout(), "{e:?}");
        println!("ok: nothing admitted");
        return;
    }
    let (data, from) = s.recvfrom_flags(100, MSG_PEEK).unwrap();
    assert_eq!(from.as_ref().and_then(|a| a.host()), Some("127.0.0.1"));
    let (again, _) = s.recvfrom(100).unwrap();
    assert_eq!(data, again, "the peeked datagram is the one received");
    println!("ok: peek saw only the admitted sender");
    for _ in 0..3 {
        let (data, from) = s.recvfrom(100).unwrap();
        assert_eq!(
            from.as_ref().and_then(|a| a.host()),
            Some("127.0.0.1"),
            "{data:?}"
        );
        assert_eq!(data, b"allowed");
        let data = s.recv(100).unwrap();
        assert_eq!(data, b"allowed");
    }
    println!("ok: only 127.0.0.1 came through");
}
