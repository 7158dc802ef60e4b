//! Names against a real DNS server (issue 13): the tests' own authoritative server
//! (`capsock_tests::dns`) answers zone `capsock.test` inside a network namespace the test
//! makes, and `host run --dns` sends the guest's lookups (both doors) to it. Nothing reaches
//! the machine's resolver or `/etc/hosts`.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use capsock_tests::dns::{DnsServer, Zone};
use capsock_tests::{DNS_NAMES, FN_REVEAL, Netns};

use super::bypass::{Ran, host_run};

/// The test zone.
fn zone() -> Zone {
    Zone::default()
        .addr("www.capsock.test", "192.0.2.10")
        .addr("www.capsock.test", "fd00::10")
        .cname("alias.capsock.test", "www.capsock.test")
        .cname("chain.capsock.test", "alias.capsock.test")
        .addr("v4only.capsock.test", "192.0.2.11")
        .addr("v6only.capsock.test", "fd00::11")
        .ptr("192.0.2.10", "www.capsock.test")
        .ptr("192.0.2.12", "host.capsock.test")
        .ptr("192.0.2.12", "other.capsock.test")
        .servfail("broken.capsock.test")
        .silent("slow.capsock.test")
        .rotating("rebind.capsock.test", &["127.0.0.21", "127.0.0.22"])
        .addr("private.capsock.test", "127.0.0.23")
}

/// A namespace with only `lo` up and, for `AI_ADDRCONFIG`, one IPv4 address on a veth link
/// left down (so it has no IPv6 link-local address): glibc's view is "IPv4 only". (This
/// kernel has no `dummy` links.)
fn namespace(tag: &str) -> Netns {
    let ns = Netns::new(tag, &[]);
    for args in [
        &["link", "add", "v0", "type", "veth", "peer", "name", "v1"][..],
        &["addr", "add", "192.0.2.1/24", "dev", "v0"],
    ] {
        let status = ns.command("ip").args(args).status().expect("run ip");
        assert!(status.success(), "ip {args:?}");
    }
    ns
}

/// The zone served inside `ns`.
fn serve(ns: &Netns) -> DnsServer {
    ns.spawn(|| zone().serve())
        .join()
        .expect("start the DNS server")
}

fn run(ns: &Netns, server: &DnsServer, rules: &[&str], args: &[&str]) -> Ran {
    let mut options = vec!["--dns".to_owned(), server.addr().to_string()];
    for rule in rules {
        options.push("--allow".to_owned());
        options.push((*rule).to_owned());
    }
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    host_run(Some(ns), &options, DNS_NAMES, &args)
}

/// Every resolver function and `AI_*` / `NI_*` flag against the zone, through `host run
/// --dns`: A, AAAA, CNAME chains, PTR, NXDOMAIN, SERVFAIL, `localhost` answered locally, and
/// the std::net door asking the same server. The order is glibc's for this namespace (checked
/// with python3 and the same records in its hosts file): neither address is reachable, so the
/// precedence table puts `fd00::10` first, which is also why `gethostbyaddr` of a name that
/// has it finds no PTR record.
#[test]
pub fn dns_names() {
    let ns = namespace("dns");
    let server = serve(&ns);
    // The granted host name's domain is what NI_NOFQDN strips.
    let options = vec![
        "--dns".to_owned(),
        server.addr().to_string(),
        "--allow".to_owned(),
        "resolve *".to_owned(),
        "--hostname".to_owned(),
        "box.capsock.test".to_owned(),
    ];
    let ran = host_run(Some(&ns), &options, DNS_NAMES, &["lookups".to_owned()]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let expected = "\
unspec: \"|[fd00::10]:80 |192.0.2.10:80\"
inet: \"|192.0.2.10:80\"
inet6: \"|[fd00::10]:80\"
canonname: \"www.capsock.test|192.0.2.10:80\"
v4mapped: \"|[::ffff:192.0.2.11]:80\"
v4mapped with AAAA: \"|[fd00::10]:80\"
v4mapped all: \"|[fd00::10]:80 |[::ffff:192.0.2.10]:80\"
inet6 of v4only: gaierror([Errno -5] No address associated with hostname)
inet of v6only: gaierror([Errno -5] No address associated with hostname)
addrconfig unspec: \"|192.0.2.10:80\"
addrconfig inet6: gaierror([Errno -2] Name or service not known)
numericserv: gaierror([Errno -2] Name or service not known)
service name: \"|192.0.2.10:80\"
numerichost name: gaierror([Errno -2] Name or service not known)
numerichost: \"|127.0.0.5:80\"
passive: \"|0.0.0.0:80\"
nxdomain: gaierror([Errno -2] Name or service not known)
servfail: gaierror([Errno -3] Temporary failure in name resolution)
localhost: \"|127.0.0.1:80\"
bad scope: gaierror([Errno -2] Name or service not known)
gethostbyname: \"192.0.2.10\"
gethostbyname_ex: (\"www.capsock.test\", [\"chain.capsock.test\", \"alias.capsock.test\"], [\"192.0.2.10\"])
gethostbyname_ex nxdomain: gaierror([Errno -2] Name or service not known)
gethostbyaddr: (\"www.capsock.test\", [], [\"192.0.2.10\"])
gethostbyaddr two names: (\"host.capsock.test\", [\"other.capsock.test\"], [\"192.0.2.12\"])
gethostbyaddr none: herror([Errno 1] Unknown host)
gethostbyaddr of a name: herror([Errno 1] Unknown host)
getfqdn: \"www.capsock.test\"
getfqdn none: \"192.0.2.99\"
getnameinfo: (\"www.capsock.test\", \"http\")
getnameinfo numeric: (\"192.0.2.10\", \"80\")
getnameinfo dgram: (\"www.capsock.test\", \"syslog\")
getnameinfo stream: (\"www.capsock.test\", \"shell\")
getnameinfo no name: (\"192.0.2.99\", \"80\")
getnameinfo namereqd: gaierror([Errno -2] Name or service not known)
getnameinfo mapped: (\"www.capsock.test\", \"http\")
getnameinfo nofqdn: (\"www\", \"http\")
std::net: [fd00::10]:80 192.0.2.10:80
std::net nxdomain: true
wasi nosuch.capsock.test: name-unresolvable
wasi broken.capsock.test: temporary-resolver-failure
wasi v4only.capsock.test: 1 addresses
";
    assert_eq!(ran.stdout, expected);
    let asked = server.queries();
    assert!(
        asked
            .iter()
            .all(|(name, _)| !name.contains("localhost") && !name.contains('%')),
        "localhost went to the server: {asked:?}"
    );
    assert!(
        asked
            .iter()
            .any(|(name, kind)| name == "10.2.0.192.in-addr.arpa" && kind == "PTR"),
        "{asked:?}"
    );
}

/// A server that never answers: `EAI_AGAIN` once the queries time out (2 attempts of 2 s).
#[test]
fn dns_names_timeout() {
    let ns = namespace("dnsslow");
    let server = serve(&ns);
    let started = Instant::now();
    let ran = run(&ns, &server, &["resolve *.capsock.test"], &["slow"]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "slow: gaierror([Errno -3] Temporary failure in name resolution)\n"
    );
    let asked = server.queries();
    assert!(asked.len() >= 2, "retried: {asked:?}");
    assert!(started.elapsed() < Duration::from_secs(50));
}

/// A name whose answer changes between lookups (DNS rebinding): the guest may connect to what
/// an allowed name resolved to, but not once the name points at an address a deny rule
/// covers; the peer on that address sees no connection.
#[test]
fn dns_names_rebinding() {
    let ns = namespace("rebind");
    let server = serve(&ns);
    let listeners = ns
        .spawn(|| {
            let first = TcpListener::bind("127.0.0.21:0").unwrap();
            let port = first.local_addr().unwrap().port();
            let second = TcpListener::bind(("127.0.0.22", port)).unwrap();
            second.set_nonblocking(true).unwrap();
            (first, second, port)
        })
        .join()
        .unwrap();
    let (_first, second, port) = listeners;
    let allow = format!("connect tcp://rebind.capsock.test:{port}");
    let ran = host_run(
        Some(&ns),
        &[
            "--dns".into(),
            server.addr().to_string(),
            "--allow".into(),
            "resolve *.capsock.test".into(),
            "--allow".into(),
            allow,
            "--deny".into(),
            "connect tcp://127.0.0.22:*".into(),
            "--quiet".into(),
        ],
        DNS_NAMES,
        &[
            "rebind".into(),
            "rebind.capsock.test".into(),
            port.to_string(),
            "2".into(),
        ],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(lines[0], "127.0.0.21: connected", "{}", ran.stdout);
    assert!(
        lines[1].starts_with("127.0.0.22: PermissionError([Errno 13]"),
        "{}",
        ran.stdout
    );
    assert!(
        second.accept().is_err(),
        "a connection reached the rebound address"
    );

    // Under --deny-private a rule for the name does not admit a private (here loopback)
    // address it resolves to: the classic rebinding of a public name onto the inside.
    let ran = host_run(
        Some(&ns),
        &[
            "--dns".into(),
            server.addr().to_string(),
            "--deny-private".into(),
            "--allow".into(),
            "resolve *.capsock.test".into(),
            "--allow".into(),
            format!("connect tcp://private.capsock.test:{port}"),
        ],
        DNS_NAMES,
        &[
            "rebind".into(),
            "private.capsock.test".into(),
            port.to_string(),
            "1".into(),
        ],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(
        ran.stdout
            .starts_with("127.0.0.23: PermissionError([Errno 13]")
            && ran.stdout.contains("--deny-private"),
        "{}",
        ran.stdout
    );
}

/// A `--dns` value that is no address is refused before the run, saying what is expected.
#[test]
fn dns_names_bad_server() {
    let run = super::cli::host(&["run", "--dns", "dns.example", DNS_NAMES, "lookups"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr
            .contains("expected a DNS server's address, e.g. 127.0.0.1, 127.0.0.1:5353"),
        "{run:?}"
    );
    assert_eq!(run.stdout, "", "{run:?}");
}

/// What the host reveals is granted, not ambient: by default the guest learns the host name
/// `localhost` and the interface `lo` only; `--hostname` grants a name, a packet rule the
/// interface it names, `--reveal-interfaces` all of them (a namespace with `lo`, `v0`, `v1`).
#[test]
pub fn fn_reveal() {
    let ns = namespace("reveal");
    let run = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let ran = host_run(Some(&ns), &args, FN_REVEAL, &[]);
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
        ran.stdout
    };
    assert_eq!(
        run(&[]),
        "gethostname: localhost\n\
         getfqdn: localhost\n\
         if_nameindex: lo\n\
         if_nametoindex lo: found\n\
         if_nametoindex v0: OSError([Errno 19] no interface with this name)\n\
         if_nametoindex v1: OSError([Errno 19] no interface with this name)\n\
         if_indextoname 1-8: lo\n"
    );
    assert_eq!(
        run(&["--hostname", "build-7.ci", "--allow", "bind packet:v0"]),
        "gethostname: build-7.ci\n\
         getfqdn: build-7.ci\n\
         if_nameindex: lo v0\n\
         if_nametoindex lo: found\n\
         if_nametoindex v0: found\n\
         if_nametoindex v1: OSError([Errno 19] no interface with this name)\n\
         if_indextoname 1-8: lo v0\n"
    );
    let all = run(&["--reveal-interfaces"]);
    assert!(
        all.contains("if_nametoindex v1: found\n") && all.contains("if_indextoname 1-8: lo "),
        "{all}"
    );
    let refused = super::cli::host(&["run", "--hostname", "a b", FN_REVEAL]);
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(
        refused.stderr.contains("invalid host name \"a b\""),
        "{refused:?}"
    );
}
