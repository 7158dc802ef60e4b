//! The guard's decisions through both doors' entry points: capsock's (methods taking a
//! `NetSocket`) and wasi:sockets' (`wasi_check`), and `explain`'s agreement with them.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use wasmtime_wasi::sockets::SocketAddrUse;

use super::explain::explain;
use super::*;
use crate::audit::Stats;
use crate::net::{Family, Kind, Mode, NetSocket};

fn guard(rules: &[&str], deny_private: bool) -> Guard {
    let mut policy = Policy::deny_all();
    for line in rules {
        match line.split_once(' ') {
            Some(("allow", rule)) => policy.allow(rule).unwrap(),
            Some(("deny", rule)) => policy.deny(rule).unwrap(),
            _ => panic!("bad test rule {line:?}"),
        };
    }
    policy.set_deny_private(deny_private);
    let monitor = Monitor {
        stats: Arc::new(Stats::default()),
        ..Monitor::default()
    };
    Guard::new(Arc::new(policy), monitor, 16)
}

/// A lookup of `name` that answered `addrs`, as a door makes one.
fn resolved(guard: &Guard, name: &str, addrs: &[&str]) {
    let lookup = guard.lookup(Event::GetAddrInfo, Some(name)).unwrap();
    let addrs: Vec<IpAddr> = addrs.iter().map(|a| a.parse().unwrap()).collect();
    guard.remember(&lookup, addrs.into_iter()).unwrap();
}

fn tcp(family: Family) -> NetSocket {
    NetSocket::new(family, Kind::Stream, 0, Mode::Blocking).unwrap()
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// The capsock door's and the wasi:sockets door's answer for a TCP connect to `to`, which must
/// agree; the capsock door's message when denied.
fn connect_both(guard: &Guard, to: &str) -> Result<(), String> {
    let to = addr(to);
    let family = if to.is_ipv6() {
        Family::Inet6
    } else {
        Family::Inet
    };
    let capsock = guard.connect(&tcp(family), to).map(drop);
    let wasi = guard.wasi_check(to, SocketAddrUse::TcpConnect);
    assert_eq!(
        capsock.is_ok(),
        wasi,
        "the doors disagree on {to}: {capsock:?}"
    );
    capsock.map_err(|d| d.message)
}

#[test]
fn a_deny_rule_for_a_resolved_name_beats_an_allow_rule_for_its_address() {
    let g = guard(
        &[
            "allow resolve *",
            "allow connect tcp://127.0.0.0/8:*",
            "allow connect tcp://*.example.com:443",
            "deny connect tcp://evil.test:*",
            "deny connect tcp://evil.example.com:*",
        ],
        false,
    );
    // Before any lookup, the address rules decide.
    assert_eq!(connect_both(&g, "127.0.0.1:80"), Ok(()));
    resolved(&g, "Evil.Test.", &["127.0.0.1", "::1"]);
    let denied = connect_both(&g, "127.0.0.1:80").unwrap_err();
    assert_eq!(
        denied,
        "capsock policy: connect to tcp://127.0.0.1:80 denied by rule \"deny connect tcp://evil.test:*\" (the guest resolved this address from evil.test)"
    );
    assert!(connect_both(&g, "[::ffff:127.0.0.1]:80").is_err());
    assert!(connect_both(&g, "[::1]:80").is_err());
    // Another loopback address no denied name resolved to stays allowed.
    assert_eq!(connect_both(&g, "127.0.0.2:80"), Ok(()));
    // A name allowed by a name rule allows its address; the same address from a denied name
    // is denied whichever name came first.
    resolved(&g, "api.example.com", &["192.0.2.10"]);
    assert_eq!(connect_both(&g, "192.0.2.10:443"), Ok(()));
    assert!(connect_both(&g, "192.0.2.10:80").is_err());
    resolved(&g, "evil.example.com", &["192.0.2.10"]);
    assert!(
        connect_both(&g, "192.0.2.10:443")
            .unwrap_err()
            .contains("evil.example.com")
    );
    // Datagram senders are decided with the names too (both doors share `datagram_allowed`).
    let g = guard(
        &[
            "allow resolve *",
            "allow recv udp://127.0.0.0/8:*",
            "deny recv udp://evil.test:*",
        ],
        false,
    );
    assert!(g.datagram_allowed(addr("127.0.0.1:53")));
    resolved(&g, "evil.test", &["127.0.0.1"]);
    assert!(!g.datagram_allowed(addr("127.0.0.1:53")));
    assert!(!g.wasi_check(addr("127.0.0.1:53"), SocketAddrUse::UdpReceive));
    assert!(g.datagram_allowed(addr("127.0.0.9:53")));
}

#[test]
fn a_name_that_cannot_be_remembered_is_refused_not_forgotten() {
    let g = guard(
        &["allow resolve *", "deny connect tcp://evil.test:*"],
        false,
    );
    let ip = "192.0.2.1";
    for i in 0..MAX_NAMES_PER_ADDRESS {
        resolved(&g, &format!("n{i}.test"), &[ip]);
    }
    let lookup = g.lookup(Event::GetAddrInfo, Some("evil.test")).unwrap();
    let refused = g
        .remember(&lookup, std::iter::once(ip.parse().unwrap()))
        .unwrap_err();
    assert_eq!(refused.refusal, Refusal::NameMemory);
    assert!(refused.message.contains("remember"), "{}", refused.message);
    // Without a rule about names the memory is not kept at all, so nothing can fill it.
    let g = guard(&["allow resolve *", "allow connect tcp://*:*"], false);
    for i in 0..(MAX_NAMES_PER_ADDRESS + 5) {
        resolved(&g, &format!("n{i}.test"), &[ip]);
    }
    assert!(g.names_of(ip.parse().unwrap()).is_empty());
}

#[test]
fn dual_stack_binds_answer_to_ipv4_rules() {
    let g = guard(
        &[
            "allow bind tcp://[::]:8080",
            "allow bind tcp://*:9090",
            "deny bind tcp://0.0.0.0:9090",
            "allow bind tcp://[::]:7070",
            "allow bind tcp://0.0.0.0:7070",
        ],
        false,
    );
    let dual = tcp(Family::Inet6);
    assert!(dual.dual_stack());
    let message = g.bind(&dual, addr("[::]:8080")).unwrap_err().message;
    assert!(
        message.contains("no rule allows 0.0.0.0") && message.contains("IPV6_V6ONLY"),
        "{message}"
    );
    let message = g.bind(&dual, addr("[::]:9090")).unwrap_err().message;
    assert!(
        message.contains("deny bind tcp://0.0.0.0:9090"),
        "{message}"
    );
    assert!(message.contains("dual-stack"), "{message}");
    assert!(g.bind(&dual, addr("[::]:7070")).is_ok());
    // With IPV6_V6ONLY set, [::] is IPv6 alone.
    let v6only = tcp(Family::Inet6);
    rustix::net::sockopt::set_ipv6_v6only(v6only.fd(), true).unwrap();
    assert!(!v6only.dual_stack());
    assert!(g.bind(&v6only, addr("[::]:8080")).is_ok());
    // The wasi:sockets door's sockets are IPv6-only: [::] is IPv6 alone there.
    assert!(g.wasi_check(addr("[::]:8080"), SocketAddrUse::TcpBind));
    // The implicit bind of an unbound dual-stack socket meets IPv4's deny rules too.
    let g = guard(
        &["allow connect tcp://[::1]:*", "deny bind tcp://0.0.0.0:0"],
        false,
    );
    assert!(g.connect(&tcp(Family::Inet6), addr("[::1]:80")).is_err());
    assert!(g.connect(&v6only, addr("[::1]:80")).is_ok());
    assert!(g.connect(&tcp(Family::Inet), addr("127.0.0.1:80")).is_err());
}

#[test]
fn socket_slots_are_bounded_and_given_back() {
    let g = guard(&[], false);
    g.take_sockets(10).unwrap();
    let refused = g.take_sockets(7).unwrap_err();
    assert_eq!(refused.refusal, Refusal::SocketLimit);
    assert_eq!(g.open_sockets(), 10);
    g.take_sockets(6).unwrap();
    assert!(g.take_sockets(1).is_err());
    g.release_sockets(16);
    assert_eq!(g.open_sockets(), 0);
    g.release_sockets(1);
    assert_eq!(g.open_sockets(), 0, "never below zero");
}

/// `host policy explain` gives the run's answer: for an address as the guard decides it, and
/// for a name with `--resolved-to` as the guard decides the address once the guest resolved
/// the name.
#[test]
fn explain_agrees_with_the_guard() {
    let rules = [
        "allow resolve *",
        "deny resolve *.blocked.test",
        "allow connect tcp://*:*",
        "deny connect tcp://10.0.0.0/8:*",
        "deny connect tcp://evil.test:*",
        "allow connect tcp://api.internal.test:443",
        "allow send udp://*:53",
    ];
    for deny_private in [false, true] {
        let queries: &[(&str, &str, &[&str])] = &[
            ("connect", "tcp://127.0.0.1:80", &[]),
            ("connect", "tcp://10.1.2.3:80", &[]),
            ("connect", "tcp://[::ffff:10.1.2.3]:80", &[]),
            ("connect", "tcp://[64:ff9b::a01:203]:80", &[]),
            ("connect", "tcp://[2002:a01:203::1]:80", &[]),
            ("connect", "tcp://93.184.216.34:443", &[]),
            ("connect", "tcp://evil.test:443", &["93.184.216.34"]),
            ("connect", "tcp://good.test:443", &["93.184.216.34"]),
            ("connect", "tcp://good.test:443", &["127.0.0.1"]),
            ("connect", "tcp://api.internal.test:443", &["10.9.9.9"]),
            ("connect", "tcp://api.internal.test:443", &["192.168.1.1"]),
            ("send", "udp://good.test:53", &["8.8.8.8"]),
            ("send", "udp://good.test:53", &["127.0.0.53"]),
        ];
        for &(verb, target, to) in queries {
            let g = guard(&rules, deny_private);
            let to: Vec<IpAddr> = to.iter().map(|a| a.parse().unwrap()).collect();
            let assume = super::explain::Assume {
                resolved_to: to.clone(),
                v6only: true,
            };
            let explained = explain(g.policy(), verb, target, &assume).unwrap();
            let (_, rest) = target.split_once("://").unwrap();
            let (host, port) = rest.rsplit_once(':').unwrap();
            let port: u16 = port.parse().unwrap();
            let addrs: Vec<SocketAddr> = match to.is_empty() {
                true => vec![SocketAddr::new(
                    host.trim_matches(['[', ']']).parse().unwrap(),
                    port,
                )],
                false => {
                    resolved(&g, host, &[]);
                    let lookup = g.lookup(Event::GetAddrInfo, Some(host)).unwrap();
                    g.remember(&lookup, to.iter().copied()).unwrap();
                    to.iter().map(|ip| SocketAddr::new(*ip, port)).collect()
                }
            };
            let run = addrs.iter().all(|&a| match verb {
                "connect" => g.wasi_check(a, SocketAddrUse::TcpConnect),
                _ => g.wasi_check(a, SocketAddrUse::UdpSend),
            });
            assert_eq!(
                explained.allowed, run,
                "deny-private {deny_private}: {verb} {target} resolved to {to:?}: explain says\n{explained}"
            );
        }
    }
}
