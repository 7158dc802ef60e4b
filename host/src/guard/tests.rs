//! The guard's decisions through both doors' entry points: capsock's (methods taking a
//! `NetSocket`) and wasi:sockets' (`wasi_check`), and `explain`'s agreement with them.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use wasmtime_wasi::sockets::SocketAddrUse;

use super::explain::explain;
use super::*;
use crate::audit::Stats;
use crate::error::SocketError;
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
    Guard::new(Arc::new(policy), monitor, 16, None)
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
    assert!(g.datagram_allowed(Proto::Udp, addr("127.0.0.1:53")));
    resolved(&g, "evil.test", &["127.0.0.1"]);
    assert!(!g.datagram_allowed(Proto::Udp, addr("127.0.0.1:53")));
    assert!(!g.wasi_check(addr("127.0.0.1:53"), SocketAddrUse::UdpReceive));
    assert!(g.datagram_allowed(Proto::Udp, addr("127.0.0.9:53")));
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

/// A scratch directory tree for the `AF_UNIX` confinement tests, removed when dropped.
struct Tree(std::path::PathBuf);

impl Tree {
    fn new(tag: &str) -> Tree {
        let dir = std::env::temp_dir().join(format!("capsock-unix-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Tree(dir)
    }

    fn path(&self, rel: &str) -> String {
        format!("{}/{rel}", self.0.display())
    }

    /// A listening `AF_UNIX` stream socket at `rel` (bound through its directory's descriptor,
    /// so that a path longer than `sun_path` works too).
    fn listener(&self, rel: &str) -> std::os::unix::net::UnixListener {
        use std::os::fd::AsRawFd;
        let path = std::path::PathBuf::from(self.path(rel));
        let dir = std::fs::File::open(path.parent().unwrap()).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let via = format!("/proc/self/fd/{}/{name}", dir.as_raw_fd());
        std::os::unix::net::UnixListener::bind(via).unwrap()
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn unix_sock() -> NetSocket {
    NetSocket::new(Family::Unix, Kind::Stream, 0, Mode::Blocking).unwrap()
}

/// What a connect through the guard comes to: `ok`, `denied: …`, or the OS's errno.
fn unix_connect(g: &Guard, path: &[u8]) -> String {
    let cancel = crate::net::Canceller::new().unwrap();
    let addr = crate::net::UnixAddr::Path(path.to_vec());
    match g.unix(Event::Connect, Verb::Connect, &addr) {
        Err(SocketError::Os(e, Some(m))) if e == rustix::io::Errno::ACCESS => {
            format!("denied: {m}")
        }
        Err(e) => format!("{:?}", e.errno()),
        Ok(permit) => match unix_sock().connect_unix(&permit, &cancel) {
            Ok(()) => "ok".to_owned(),
            Err(e) => format!("{:?}", e.errno()),
        },
    }
}

/// A guest's path confined to the directory its rule names: at least twenty ways out, each
/// refused, and the ways in that must work (a path longer than `sun_path` included).
#[test]
fn unix_paths_stay_in_the_directory_their_rule_names() {
    let t = Tree::new("escape");
    let long_dir = "allowed/deep/a-long-directory-name-0123456789/another-long-directory-name/k";
    for dir in ["allowed", "allowed/sub", "outside", long_dir] {
        std::fs::create_dir_all(t.path(dir)).unwrap();
    }
    let _inside = t.listener("allowed/app.sock");
    let _sub = t.listener("allowed/sub/app.sock");
    let _secret = t.listener("outside/secret.sock");
    let _long = t.listener(&format!("{long_dir}/long-name-of-a-socket.sock"));
    let _ = &_long;
    std::os::unix::fs::symlink(t.path("outside/secret.sock"), t.path("allowed/link.sock")).unwrap();
    std::os::unix::fs::symlink("../outside", t.path("allowed/outdir")).unwrap();
    std::os::unix::fs::symlink("sub", t.path("allowed/subdir-link")).unwrap();
    std::os::unix::fs::symlink("/etc", t.path("allowed/etc")).unwrap();
    std::fs::write(t.path("allowed/plain.file"), b"not a socket").unwrap();
    let allowed_dir = t.path("allowed/");
    let file_rule = t.path("outside/secret.sock");
    let g = guard(
        &[
            &format!("allow connect unix:{allowed_dir}"),
            &format!("deny connect unix:{}", t.path("allowed/sub/")),
            &format!("allow connect unix:{}", t.path("exact/only.sock")),
        ],
        false,
    );
    assert!(!file_rule.is_empty());
    let ok = |p: &str| assert_eq!(unix_connect(&g, p.as_bytes()), "ok", "{p}");
    ok(&t.path("allowed/app.sock"));
    ok(&t.path("allowed//./app.sock"));
    // Longer than sun_path's 108 bytes, inside the directory: works.
    let long = t.path(&format!("{long_dir}/long-name-of-a-socket.sock"));
    assert!(long.len() > 108, "{}", long.len());
    ok(&long);

    let root = t.0.display().to_string();
    let escapes: Vec<(String, &str)> = vec![
        (t.path("allowed/../outside/secret.sock"), "\"..\""),
        (t.path("allowed/./../outside/secret.sock"), "\"..\""),
        (t.path("allowed/sub/../../outside/secret.sock"), "\"..\""),
        (t.path("allowed/.."), "\"..\""),
        (t.path("allowed/link.sock"), "leads out"),
        (t.path("allowed/outdir/secret.sock"), "leads out"),
        (t.path("allowed/etc/passwd"), "leads out"),
        (t.path("allowed/subdir-link/app.sock"), "leads out"),
        (t.path("outside/secret.sock"), "no rule allows it"),
        (t.path("allowedx/app.sock"), "no rule allows it"),
        (t.path("allowed"), "no rule allows it"),
        (format!("{root}/./allowed/../outside/secret.sock"), "\"..\""),
        (format!("{root}//outside/secret.sock"), "no rule allows it"),
        ("allowed/app.sock".to_owned(), "absolute"),
        ("./allowed/app.sock".to_owned(), "absolute"),
        ("../../etc/passwd".to_owned(), "absolute"),
        (String::new(), "absolute"),
        ("/".to_owned(), "root directory"),
        (t.path("allowed/sub/app.sock"), "deny connect unix:"),
        (t.path("allowed/sub//app.sock"), "deny connect unix:"),
        ("/etc/passwd".to_owned(), "no rule allows it"),
        ("/proc/self/fd/0".to_owned(), "no rule allows it"),
    ];
    for (path, why) in &escapes {
        let got = unix_connect(&g, path.as_bytes());
        assert!(
            got.starts_with("denied: ") && got.contains(why),
            "{path:?} must be denied ({why}), got {got}"
        );
    }
    assert!(escapes.len() >= 20);
    // A NUL byte is no path.
    let got = unix_connect(&g, format!("{}\0x", t.path("allowed/app.sock")).as_bytes());
    assert!(got.contains("NUL"), "{got}");
    // Not escapes, but the OS's answers for what lies inside: no such file, not a socket.
    let errno = |e: rustix::io::Errno| format!("{:?}", Some(e));
    let none = unix_connect(&g, t.path("allowed/none.sock").as_bytes());
    assert_eq!(none, errno(rustix::io::Errno::NOENT));
    let plain = unix_connect(&g, t.path("allowed/plain.file").as_bytes());
    assert_eq!(plain, errno(rustix::io::Errno::CONNREFUSED));
    // Every refusal above was recorded as a denial.
    assert!(g.stats().denials() >= escapes.len() as u64);
}

/// A bind creates its socket inside the directory its rule names, under the guest's name
/// (which `getsockname` shows), and a bind through a symbolic link is refused.
#[test]
fn unix_binds_are_placed_beneath_their_directory() {
    let t = Tree::new("bind");
    std::fs::create_dir_all(t.path("srv/inner")).unwrap();
    std::fs::create_dir_all(t.path("elsewhere")).unwrap();
    std::os::unix::fs::symlink(t.path("elsewhere"), t.path("srv/away")).unwrap();
    let g = guard(&[&format!("allow bind unix:{}", t.path("srv/"))], false);
    let bind = |rel: &str| {
        let mut s = unix_sock();
        let addr = crate::net::UnixAddr::Path(t.path(rel).into_bytes());
        let permit = g.unix(Event::Bind, Verb::Bind, &addr)?;
        s.bind_unix(&permit)?;
        Ok::<_, SocketError>(s)
    };
    let s = bind("srv/inner/a.sock").unwrap();
    assert!(std::fs::symlink_metadata(t.path("srv/inner/a.sock")).is_ok());
    assert_eq!(
        s.getsockname().unwrap(),
        crate::net::NetAddr::Unix(crate::net::UnixAddr::Path(
            t.path("srv/inner/a.sock").into_bytes()
        ))
    );
    let refused = bind("srv/away/b.sock").unwrap_err();
    assert_eq!(
        refused.errno(),
        Some(rustix::io::Errno::ACCESS),
        "{refused}"
    );
    assert!(std::fs::symlink_metadata(t.path("elsewhere/b.sock")).is_err());
    let refused = bind("elsewhere/c.sock").unwrap_err();
    assert_eq!(
        refused.errno(),
        Some(rustix::io::Errno::ACCESS),
        "{refused}"
    );
    // A native client reaches the guest's socket by its real path.
    let mut s = s;
    let permit = g.listen(&s).unwrap();
    s.listen(1, &permit).unwrap();
    std::os::unix::net::UnixStream::connect(t.path("srv/inner/a.sock")).unwrap();
}

/// Abstract names: exact and prefix rules, and deny beats allow.
#[test]
fn unix_abstract_names() {
    let tag = format!("capsock-test-{}", std::process::id());
    let g = guard(
        &[
            &format!("allow connect unix:@{tag}-*"),
            &format!("deny connect unix:@{tag}-no"),
            &format!("allow bind unix:@{tag}-srv"),
        ],
        false,
    );
    let mut srv = unix_sock();
    let name = format!("{tag}-srv");
    let permit = g
        .unix(
            Event::Bind,
            Verb::Bind,
            &crate::net::UnixAddr::Abstract(name.clone().into_bytes()),
        )
        .unwrap();
    srv.bind_unix(&permit).unwrap();
    let permit = g.listen(&srv).unwrap();
    srv.listen(1, &permit).unwrap();
    let cancel = crate::net::Canceller::new().unwrap();
    let connect = |n: &str| {
        let addr = crate::net::UnixAddr::Abstract(n.as_bytes().to_vec());
        g.unix(Event::Connect, Verb::Connect, &addr)
            .and_then(|p| unix_sock().connect_unix(&p, &cancel))
    };
    connect(&name).unwrap();
    let denied = connect(&format!("{tag}-no")).unwrap_err();
    assert!(
        denied
            .to_string()
            .contains(&format!("deny connect unix:@{tag}-no")),
        "{denied}"
    );
    let denied = connect("other").unwrap_err();
    assert!(denied.to_string().contains("no rule allows it"), "{denied}");
    assert_eq!(
        srv.getsockname().unwrap(),
        crate::net::NetAddr::Unix(crate::net::UnixAddr::Abstract(name.into_bytes()))
    );
}

/// The permits carry what the resolver needs: the DNS server the guard was built with
/// (`--dns`) for a host decided as a name, and for any other that it must be read numerically,
/// and the host name the policy grants. And the guard keeps the limit it was given.
#[test]
fn lookup_and_reverse_permits_carry_the_server_and_the_names() {
    let mut policy = Policy::deny_all();
    policy.allow("resolve *").unwrap();
    policy.set_hostname("box.capsock.test");
    let policy = Arc::new(policy);
    let dns = Dns::new(addr("127.0.0.1:5353")).unwrap();
    let with = Guard::new(policy.clone(), Monitor::default(), 7, Some(dns));
    let without = Guard::new(policy, Monitor::default(), 7, None);
    assert_eq!(with.max_sockets(), 7);

    let name = with
        .lookup(Event::GetAddrInfo, Some("example.test"))
        .unwrap();
    assert!(name.target().dns().is_some());
    assert!(!name.target().numeric_only());
    for host in [Some("127.0.0.1"), Some("::1"), None] {
        // A host decided as numeric is never asked about under --dns.
        let permit = with.lookup(Event::GetAddrInfo, host).unwrap();
        assert!(permit.target().dns().is_none(), "{host:?}");
        assert!(permit.target().numeric_only(), "{host:?}");
        let permit = without.lookup(Event::GetAddrInfo, host).unwrap();
        assert!(!permit.target().numeric_only(), "{host:?}");
    }
    let name = without.lookup(Event::GetAddrInfo, Some("example.test"));
    let name = name.unwrap();
    assert!(name.target().dns().is_none());
    assert!(!name.target().numeric_only());

    let reverse = with
        .reverse_lookup(Event::GetHostByAddr, "127.0.0.1")
        .unwrap();
    assert_eq!(reverse.target().hostname(), "box.capsock.test");
    assert!(reverse.target().dns().is_some());
    let reverse = without.reverse_lookup(Event::GetHostByAddr, "127.0.0.1");
    assert!(reverse.unwrap().target().dns().is_none());
}

/// The guard reports to the monitor it was given: its guest's name, its counters.
#[test]
fn the_guard_reports_to_its_monitor() {
    let monitor = Monitor {
        guest: "plugin.wasm".to_owned(),
        stats: Arc::new(Stats::default()),
        ..Monitor::default()
    };
    let g = Guard::new(Arc::new(Policy::deny_all()), monitor, 16, None);
    assert_eq!(g.monitor().guest, "plugin.wasm");
    g.created(2, || "tcp".to_owned());
    assert_eq!(g.stats().sockets_opened(), 2);
}

/// A datagram from a Unix sender is decided by the `recv unix:` rules, on the sender's path
/// in normal form or its abstract name.
#[test]
fn unix_datagram_senders_are_decided_by_recv_rules() {
    let g = guard(
        &[
            "allow recv unix:@capsock-dgram-ok",
            "allow recv unix:/run/app/a.sock",
        ],
        false,
    );
    let sock = NetSocket::new(Family::Unix, Kind::Dgram, 0, Mode::Blocking).unwrap();
    let mut allowed = g.datagram_filter(&sock);
    let from = |addr: UnixAddr| NetAddr::Unix(addr);
    assert!(allowed(&from(UnixAddr::Abstract(
        b"capsock-dgram-ok".to_vec()
    ))));
    assert!(!allowed(&from(UnixAddr::Abstract(
        b"capsock-dgram-no".to_vec()
    ))));
    assert!(allowed(&from(UnixAddr::Path(
        b"/run//app/./a.sock".to_vec()
    ))));
    assert!(!allowed(&from(UnixAddr::Path(b"/run/app/b.sock".to_vec()))));
    assert!(!allowed(&from(UnixAddr::Path(
        b"/run/app/../app/a.sock".to_vec()
    ))));
    assert!(allowed(&from(UnixAddr::Unnamed)));
}

/// A guest's netlink messages go to the kernel (port id 0, no groups) only.
#[test]
fn netlink_goes_to_the_kernel_only() {
    let g = guard(&[], false);
    assert!(g.netlink_dest(Event::SendTo, 0, 0).is_ok());
    assert!(g.netlink_dest(Event::SendTo, 1234, 0).is_err());
    assert!(g.netlink_dest(Event::Connect, 0, 1).is_err());
}

/// The memory of resolved names is bounded: once it holds `MAX_RESOLVED` addresses, a new
/// address is refused (the guard cannot forget a name and still enforce its rules), while a
/// name resolved again to an address it knows still is remembered.
#[test]
fn the_memory_of_names_is_bounded() {
    let g = guard(&["allow resolve *", "allow connect tcp://a.test:*"], false);
    let lookup = g.lookup(Event::GetAddrInfo, Some("a.test")).unwrap();
    let full = (0..MAX_RESOLVED as u32).map(|n| IpAddr::from(Ipv4Addr::from(0x0a00_0000 + n)));
    g.remember(&lookup, full).unwrap();
    let known = IpAddr::from(Ipv4Addr::from(0x0a00_0001));
    let other = g.lookup(Event::GetAddrInfo, Some("b.test")).unwrap();
    g.remember(&other, std::iter::once(known)).unwrap();
    assert_eq!(g.names_of(known), ["a.test", "b.test"]);
    let new = IpAddr::from(Ipv4Addr::new(192, 0, 2, 1));
    let refused = g.remember(&lookup, std::iter::once(new)).unwrap_err();
    assert!(
        refused.message.contains("more than 65536 addresses"),
        "{}",
        refused.message
    );
}

/// A name the resolver could not encode (a NUL, a label IDNA refuses, an empty label) never
/// reaches it: the guard refuses it first, even under `resolve *`.
#[test]
fn names_the_resolver_cannot_encode_are_refused_first() {
    let g = guard(&["allow resolve *"], false);
    for name in [
        "a\0b.test",
        "a..test",
        "a b.test",
        "\u{fffd}.test",
        "x\u{2028}.test",
        "\u{a0}.test",
    ] {
        let refused = g.lookup(Event::GetAddrInfo, Some(name));
        assert!(refused.is_err(), "{name:?} was let through");
    }
    let long = format!("{}\u{e9}.test", "a".repeat(60));
    assert!(g.lookup(Event::GetAddrInfo, Some(&long)).is_err(), "{long}");
    assert!(g.lookup(Event::GetAddrInfo, Some("bücher.test")).is_ok());
}
