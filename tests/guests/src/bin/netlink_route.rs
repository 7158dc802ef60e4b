//! `AF_NETLINK` (`NETLINK_ROUTE`) for reading. argv: `MODE`:
//! - `list`: binds, dumps the interfaces (`RTM_GETLINK`) and IPv4 addresses (`RTM_GETADDR`),
//!   prints `link NAME` and `addr A.B.C.D/LEN on INDEX`, then tries what it may not: a
//!   `RTM_NEWLINK` request, a datagram to another process, and prints each refusal.
//! - `try`: makes the socket and prints the outcome.
//! - `watch`: subscribes to the link notifications (`RTMGRP_LINK`) and waits (at most 20 s)
//!   for the kernel's `RTM_NEWLINK` of `capsock0`, which the runner then adds; the first
//!   notification is peeked with a 16-byte `recvmsg` first, which must say `MSG_TRUNC`.
//! - `hear`: binds, waits (at most 10 s) until something arrives, then dumps the interfaces:
//!   the runner's native process has sent it a forged `RTM_NEWLINK` for `evil0`, which must
//!   never reach it (only the kernel may).
use capsock::errno::{EACCES, EPERM};
use capsock::{AF_NETLINK, Address, MSG_PEEK, MSG_TRUNC, NETLINK_ROUTE, SOCK_RAW, Socket};

const NLM_F_REQUEST: u16 = 1;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const RTM_NEWLINK: u16 = 16;
const RTM_GETLINK: u16 = 18;
const RTM_NEWADDR: u16 = 20;
const RTM_GETADDR: u16 = 22;

/// A request: `nlmsghdr` then `payload`.
fn request(kind: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&((16 + payload.len()) as u32).to_ne_bytes());
    m.extend_from_slice(&kind.to_ne_bytes());
    m.extend_from_slice(&flags.to_ne_bytes());
    m.extend_from_slice(&seq.to_ne_bytes());
    m.extend_from_slice(&0u32.to_ne_bytes());
    m.extend_from_slice(payload);
    m
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_ne_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// The `(type, data)` attributes (`rtattr`) in `b`.
fn attributes(mut b: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    while b.len() >= 4 {
        let len = u16_at(b, 0) as usize;
        if len < 4 || len > b.len() {
            break;
        }
        out.push((u16_at(b, 2), &b[4..len]));
        b = &b[len.next_multiple_of(4).min(b.len())..];
    }
    out
}

/// Receives the replies of a dump until `NLMSG_DONE`, calling `each(type, payload)`.
fn dump(s: &Socket, mut each: impl FnMut(u16, &[u8])) {
    loop {
        let (data, from) = s.recvfrom(1 << 16).expect("recv");
        assert_eq!(from, Some(Address::Netlink(0, 0)), "from the kernel");
        let mut rest = data.as_slice();
        while rest.len() >= 16 {
            let len = u32_at(rest, 0) as usize;
            let kind = u16_at(rest, 4);
            match kind {
                NLMSG_DONE => return,
                NLMSG_ERROR => panic!("netlink error {}", u32_at(rest, 16) as i32),
                _ => each(kind, &rest[16..len]),
            }
            rest = &rest[len.next_multiple_of(4).min(rest.len())..];
        }
    }
}

/// Dumps the interfaces (`RTM_GETLINK`) and prints `link NAME` for each.
fn print_links(s: &Socket) {
    let ifinfomsg = [0u8; 16];
    s.send(&request(
        RTM_GETLINK,
        NLM_F_REQUEST | NLM_F_DUMP,
        1,
        &ifinfomsg,
    ))
    .expect("RTM_GETLINK");
    dump(s, |kind, payload| {
        assert_eq!(kind, RTM_NEWLINK);
        for (attr, data) in attributes(&payload[16..]) {
            if attr == 3 {
                // IFLA_IFNAME, NUL-terminated.
                let name = data.split(|&b| b == 0).next().unwrap();
                println!("link {}", String::from_utf8_lossy(name));
            }
        }
    });
}

fn list() {
    let s = Socket::new(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE).expect("socket");
    s.settimeout(Some(10.0)).unwrap();
    s.bind(Address::Netlink(0, 0)).expect("bind");
    match s.getsockname().unwrap() {
        Address::Netlink(pid, 0) if pid != 0 => println!("bound to a port id of its own"),
        other => panic!("getsockname: {other:?}"),
    }

    let ifinfomsg = [0u8; 16];
    print_links(&s);

    // ifaddrmsg: family AF_INET, then prefix length, flags, scope, index.
    let ifaddrmsg = [2u8, 0, 0, 0, 0, 0, 0, 0];
    s.sendto(
        &request(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 2, &ifaddrmsg),
        Address::Netlink(0, 0),
    )
    .expect("RTM_GETADDR");
    dump(&s, |kind, payload| {
        assert_eq!(kind, RTM_NEWADDR);
        let (prefix, index) = (payload[1], u32_at(payload, 4));
        for (attr, data) in attributes(&payload[8..]) {
            if attr == 2 && data.len() == 4 {
                // IFA_LOCAL.
                let ip = std::net::Ipv4Addr::new(data[0], data[1], data[2], data[3]);
                println!("addr {ip}/{prefix} on {index}");
            }
        }
    });

    let e = s
        .send(&request(RTM_NEWLINK, NLM_F_REQUEST, 3, &ifinfomsg))
        .expect_err("RTM_NEWLINK is a change");
    assert_eq!(e.errno(), Some(EPERM), "{e:?}");
    println!("RTM_NEWLINK -> {}", e.strerror());
    // A change behind a read, gathered by sendmsg into one datagram.
    let read = request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 5, &ifinfomsg);
    let change = request(RTM_NEWLINK, NLM_F_REQUEST, 6, &ifinfomsg);
    let e = s
        .sendmsg(&[&read, &change], &[], 0, None)
        .expect_err("a change behind a read");
    assert_eq!(e.errno(), Some(EPERM), "{e:?}");
    println!("sendmsg read + RTM_NEWLINK -> errno {EPERM}");
    let e = s
        .sendto(
            &request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 4, &ifinfomsg),
            Address::Netlink(1234, 0),
        )
        .expect_err("another process");
    assert_eq!(e.errno(), Some(EACCES), "{e:?}");
    println!("to pid 1234 -> {}", e.strerror());
}

fn watch() {
    const RTMGRP_LINK: u32 = 1;
    let s = Socket::new(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE).expect("socket");
    s.settimeout(Some(20.0)).unwrap();
    s.bind(Address::Netlink(0, RTMGRP_LINK)).expect("subscribe");
    let (head, _, flags, _) = s.recvmsg(16, 0, MSG_PEEK).expect("peek");
    println!(
        "peeked {} bytes, MSG_TRUNC {}",
        head.len(),
        flags & MSG_TRUNC != 0
    );
    for _ in 0..100 {
        let (data, from) = s.recvfrom(1 << 16).expect("a notification");
        assert_eq!(
            from,
            Some(Address::Netlink(0, RTMGRP_LINK)),
            "from the kernel's group"
        );
        let mut rest = data.as_slice();
        while rest.len() >= 16 {
            let len = (u32_at(rest, 0) as usize).clamp(16, rest.len());
            if u16_at(rest, 4) == RTM_NEWLINK && len >= 32 {
                for (attr, value) in attributes(&rest[32..len]) {
                    if attr == 3 && value.starts_with(b"capsock0\0") {
                        println!("heard RTM_NEWLINK for capsock0");
                        return;
                    }
                }
            }
            rest = &rest[len.next_multiple_of(4).min(rest.len())..];
        }
    }
    panic!("no RTM_NEWLINK for capsock0 in 100 notifications");
}

fn main() {
    let args = capsock_test_guests::args();
    match args[0].as_str() {
        "list" => list(),
        "hear" => {
            let s = Socket::new(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE).expect("socket");
            s.settimeout(Some(10.0)).unwrap();
            s.bind(Address::Netlink(0, 0)).expect("bind");
            let ready = capsock::select(&[&s], &[], &[], Some(10.0)).unwrap();
            println!("something arrived: {}", !ready.0.is_empty());
            print_links(&s);
        }
        "watch" => watch(),
        "try" => match Socket::new(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) {
            Ok(_) => println!("made"),
            Err(e) => println!("errno {:?}: {}", e.errno(), e.strerror()),
        },
        other => panic!("unknown mode {other:?}"),
    }
}
