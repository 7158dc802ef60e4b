//! The resolver against a real DNS server (`host run --dns`, the tests' own server on
//! loopback in a network namespace), zone `capsock.test`. argv: `MODE`:
//! - `lookups`: every resolver function and flag, one line per call with what it returned
//!   (or the exception); forward lookups through both doors.
//! - `slow`: a name the server never answers (`EAI_AGAIN` once the queries time out).
//! - `rebind NAME PORT ROUNDS`: looks NAME up ROUNDS times (its answer may change at every
//!   lookup) and connects to PORT at each address it gets; prints what the policy said.
use std::net::ToSocketAddrs;

use capsock::{
    AF_INET, AF_INET6, AF_UNSPEC, AI_ADDRCONFIG, AI_ALL, AI_CANONNAME, AI_NUMERICHOST,
    AI_NUMERICSERV, AI_PASSIVE, AI_V4MAPPED, Address, NI_DGRAM, NI_NAMEREQD, NI_NOFQDN,
    NI_NUMERICHOST, NI_NUMERICSERV, SOCK_STREAM, Socket, getaddrinfo, getfqdn, gethostbyaddr,
    gethostbyname, gethostbyname_ex, getnameinfo,
};

/// What a call returned, or its exception as Python prints it.
fn show<T: std::fmt::Debug>(result: capsock::Result<T>) -> String {
    match result {
        Ok(value) => format!("{value:?}"),
        Err(e) => format!("{}({e})", e.python_class()),
    }
}

/// getaddrinfo with `SOCK_STREAM`, printing `(canonname, address)` of each result.
fn gai(host: Option<&str>, port: &str, family: i32, flags: i32) -> String {
    let found = match host {
        Some(host) => getaddrinfo(host, port, family, SOCK_STREAM, 0, flags),
        None => getaddrinfo((), port, family, SOCK_STREAM, 0, flags),
    };
    show(found.map(|list| {
        list.into_iter()
            .map(|(_, _, _, canon, addr)| match addr {
                Address::Inet(host, port) => format!("{canon}|{host}:{port}"),
                Address::Inet6(host, port, _, _) => format!("{canon}|[{host}]:{port}"),
                other => format!("{other:?}"),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }))
}

fn lookups() {
    let www = "www.capsock.test";
    println!("unspec: {}", gai(Some(www), "80", AF_UNSPEC, 0));
    println!("inet: {}", gai(Some(www), "80", AF_INET, 0));
    println!("inet6: {}", gai(Some(www), "80", AF_INET6, 0));
    println!(
        "canonname: {}",
        gai(Some("chain.capsock.test"), "80", AF_INET, AI_CANONNAME)
    );
    println!(
        "v4mapped: {}",
        gai(Some("v4only.capsock.test"), "80", AF_INET6, AI_V4MAPPED)
    );
    println!(
        "v4mapped with AAAA: {}",
        gai(Some(www), "80", AF_INET6, AI_V4MAPPED)
    );
    println!(
        "v4mapped all: {}",
        gai(Some(www), "80", AF_INET6, AI_V4MAPPED | AI_ALL)
    );
    println!(
        "inet6 of v4only: {}",
        gai(Some("v4only.capsock.test"), "80", AF_INET6, 0)
    );
    println!(
        "inet of v6only: {}",
        gai(Some("v6only.capsock.test"), "80", AF_INET, 0)
    );
    println!(
        "addrconfig unspec: {}",
        gai(Some(www), "80", AF_UNSPEC, AI_ADDRCONFIG)
    );
    println!(
        "addrconfig inet6: {}",
        gai(Some(www), "80", AF_INET6, AI_ADDRCONFIG)
    );
    println!(
        "numericserv: {}",
        gai(Some(www), "http", AF_INET, AI_NUMERICSERV)
    );
    println!("service name: {}", gai(Some(www), "http", AF_INET, 0));
    println!(
        "numerichost name: {}",
        gai(Some(www), "80", AF_INET, AI_NUMERICHOST)
    );
    println!(
        "numerichost: {}",
        gai(Some("127.0.0.5"), "80", AF_INET, AI_NUMERICHOST)
    );
    println!("passive: {}", gai(None, "80", AF_INET, AI_PASSIVE));
    println!(
        "nxdomain: {}",
        gai(Some("nosuch.capsock.test"), "80", AF_INET, 0)
    );
    println!(
        "servfail: {}",
        gai(Some("broken.capsock.test"), "80", AF_INET, 0)
    );
    println!("localhost: {}", gai(Some("localhost"), "80", AF_INET, 0));
    // Numeric to the guard (no rule needed), not to the C library: nothing may be asked.
    println!(
        "bad scope: {}",
        gai(Some("fe80::1%x.capsock.test"), "80", AF_INET6, 0)
    );

    println!(
        "gethostbyname: {}",
        show(gethostbyname("alias.capsock.test"))
    );
    println!(
        "gethostbyname_ex: {}",
        show(gethostbyname_ex("chain.capsock.test"))
    );
    println!(
        "gethostbyname_ex nxdomain: {}",
        show(gethostbyname_ex("nosuch.capsock.test"))
    );
    println!("gethostbyaddr: {}", show(gethostbyaddr("192.0.2.10")));
    println!(
        "gethostbyaddr two names: {}",
        show(gethostbyaddr("192.0.2.12"))
    );
    println!("gethostbyaddr none: {}", show(gethostbyaddr("192.0.2.99")));
    println!(
        "gethostbyaddr of a name: {}",
        show(gethostbyaddr("alias.capsock.test"))
    );
    println!("getfqdn: {}", show(getfqdn("192.0.2.10")));
    println!("getfqdn none: {}", show(getfqdn("192.0.2.99")));

    let nameinfo = |ip: &str, port: u16, flags: i32| show(getnameinfo((ip, port), flags));
    println!("getnameinfo: {}", nameinfo("192.0.2.10", 80, 0));
    println!(
        "getnameinfo numeric: {}",
        nameinfo("192.0.2.10", 80, NI_NUMERICHOST | NI_NUMERICSERV)
    );
    println!(
        "getnameinfo dgram: {}",
        nameinfo("192.0.2.10", 514, NI_DGRAM)
    );
    println!("getnameinfo stream: {}", nameinfo("192.0.2.10", 514, 0));
    println!(
        "getnameinfo no name: {}",
        nameinfo("192.0.2.99", 80, NI_NUMERICSERV)
    );
    println!(
        "getnameinfo namereqd: {}",
        nameinfo("192.0.2.99", 80, NI_NAMEREQD)
    );
    println!(
        "getnameinfo mapped: {}",
        show(getnameinfo(("::ffff:192.0.2.10", 80), 0))
    );
    println!(
        "getnameinfo nofqdn: {}",
        nameinfo("192.0.2.10", 80, NI_NOFQDN)
    );

    let std_net: Vec<String> = ("www.capsock.test", 80)
        .to_socket_addrs()
        .map(|addrs| addrs.map(|a| a.to_string()).collect())
        .unwrap_or_else(|e| vec![format!("error: {e}")]);
    println!("std::net: {}", std_net.join(" "));
    let std_nx = ("nosuch.capsock.test", 80)
        .to_socket_addrs()
        .map(|a| a.count());
    println!("std::net nxdomain: {}", std_nx.is_err());
    // The wasi:sockets errors themselves, which std::net folds into one io::Error.
    for name in [
        "nosuch.capsock.test",
        "broken.capsock.test",
        "v4only.capsock.test",
    ] {
        println!("wasi {name}: {}", wasi_lookup(name));
    }
}

/// A wasi:sockets `resolve-addresses` of `name`, called directly: how many addresses it gave,
/// or the name of its error code.
fn wasi_lookup(name: &str) -> String {
    use capsock::wasi::sockets::instance_network::instance_network;
    use capsock::wasi::sockets::ip_name_lookup::{ErrorCode, resolve_addresses};
    let network = instance_network();
    let stream = match resolve_addresses(&network, name) {
        Ok(stream) => stream,
        Err(e) => return e.name().to_owned(),
    };
    let mut found = 0;
    loop {
        match stream.resolve_next_address() {
            Ok(Some(_)) => found += 1,
            Ok(None) => return format!("{found} addresses"),
            Err(ErrorCode::WouldBlock) => stream.subscribe().block(),
            Err(e) => return e.name().to_owned(),
        }
    }
}

fn rebind(name: &str, port: u16, rounds: usize) {
    for _ in 0..rounds {
        let ip = gethostbyname(name).unwrap();
        let sock = Socket::new(AF_INET, SOCK_STREAM, 0).unwrap();
        sock.settimeout(Some(10.0)).unwrap();
        let outcome = match sock.connect((ip.as_str(), port)) {
            Ok(()) => "connected".to_owned(),
            Err(e) => format!("{}({e})", e.python_class()),
        };
        println!("{ip}: {outcome}");
    }
}

fn main() {
    let args = capsock_test_guests::args();
    match args[0].as_str() {
        "lookups" => lookups(),
        "slow" => println!("slow: {}", gai(Some("slow.capsock.test"), "80", AF_INET, 0)),
        "rebind" => rebind(&args[1], args[2].parse().unwrap(), args[3].parse().unwrap()),
        other => panic!("unknown mode {other}"),
    }
}
