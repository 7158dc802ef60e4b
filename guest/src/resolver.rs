//! Python's resolver functions: `getaddrinfo`, `getnameinfo`, `gethostbyname`, … answered by
//! the host's system resolver under the host's policy (names need a `resolve` rule).

use std::net::{IpAddr, SocketAddr, SocketAddrV4, SocketAddrV6};

use crate::address::{Address, from_wit, numeric_host, wit_ip};
use crate::bindings::capsock::sockets::resolver as raw;
use crate::consts::EAI_NONAME;
use crate::errno::EINVAL;
use crate::error::{Error, Result};
use crate::socket::{family_int, kind_int, wit_family, wit_kind};

/// One `getaddrinfo` result: Python's `(family, type, proto, canonname, sockaddr)`.
pub type AddrInfo = (i32, i32, i32, String, Address);

/// Python's `(hostname, aliaslist, ipaddrlist)`.
pub type HostEntry = (String, Vec<String>, Vec<String>);

/// The `host` argument of [`getaddrinfo`]: a name or numeric address (`&str`, `String`), or
/// Python's `None` (`None::<&str>` or `()`).
pub trait ToHost {
    /// The host as text, or `None` for Python's `None`.
    fn to_host(&self) -> Option<String>;
}

impl ToHost for &str {
    fn to_host(&self) -> Option<String> {
        Some((*self).to_owned())
    }
}

impl ToHost for String {
    fn to_host(&self) -> Option<String> {
        Some(self.clone())
    }
}

impl ToHost for &String {
    fn to_host(&self) -> Option<String> {
        Some((*self).clone())
    }
}

impl ToHost for Option<&str> {
    fn to_host(&self) -> Option<String> {
        self.map(str::to_owned)
    }
}

impl ToHost for () {
    fn to_host(&self) -> Option<String> {
        None
    }
}

/// The `port` argument of [`getaddrinfo`]: a number (`u16`), a service name (`&str`), or
/// Python's `None` (`()` or `None::<u16>`).
pub trait ToPort {
    /// The port as text, or `None` for Python's `None`.
    fn to_port(&self) -> Option<String>;
}

impl ToPort for u16 {
    fn to_port(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl ToPort for &str {
    fn to_port(&self) -> Option<String> {
        Some((*self).to_owned())
    }
}

impl ToPort for String {
    fn to_port(&self) -> Option<String> {
        Some(self.clone())
    }
}

impl ToPort for Option<u16> {
    fn to_port(&self) -> Option<String> {
        self.map(|p| p.to_string())
    }
}

impl ToPort for () {
    fn to_port(&self) -> Option<String> {
        None
    }
}

/// `getaddrinfo(host, port, family, type, proto, flags)`: the addresses to reach `host:port`.
/// `family` 0 (`AF_UNSPEC`) and `type_` 0 mean any; `flags` are `AI_*`.
pub fn getaddrinfo(
    host: impl ToHost,
    port: impl ToPort,
    family: i32,
    type_: i32,
    proto: i32,
    flags: i32,
) -> Result<Vec<AddrInfo>> {
    let family = wit_family(family)
        .map_err(|_| Error::gai(crate::consts::EAI_FAMILY, "ai_family not supported"))?;
    let kind =
        match type_ {
            0 => None,
            t => Some(wit_kind(t).map_err(|_| {
                Error::gai(crate::consts::EAI_SOCKTYPE, "ai_socktype not supported")
            })?),
        };
    let infos = raw::getaddrinfo(
        host.to_host().as_deref(),
        port.to_port().as_deref(),
        family,
        kind,
        proto,
        flags,
    )?;
    Ok(infos
        .into_iter()
        .map(|ai| {
            (
                family_int(ai.family),
                kind_int(ai.kind),
                ai.proto,
                ai.canonical_name,
                from_wit(ai.address),
            )
        })
        .collect())
}

/// `getnameinfo(sockaddr, flags)`: `(host, port)` as text; `flags` are `NI_*`.
///
/// As in CPython, the host part must be a numeric address, never a name: it is read as
/// `getaddrinfo(3)` reads it with `AI_NUMERICHOST` and `AF_UNSPEC` (so `("::1", 80)` is an IPv6
/// address, and `("127.1", 80)` is `127.0.0.1`), and nothing is looked up to read it. A name is
/// `gaierror(EAI_NONAME, "Name or service not known")`; an IPv4 host in a 4-tuple is
/// `OSError("IPv4 sockaddr must be 2 tuple")` (here with `EINVAL`: [`Error`] has no `OSError`
/// without an errno); a flow info above `0xfffff` is `OverflowError("getnameinfo(): flowinfo
/// must be 0-1048575.")`. An IPv6 address takes the tuple's flow info and scope id (0 and 0 for
/// a 2-tuple); a `%scope` in the host is checked, then replaced by them, as CPython does.
///
/// The host's reverse lookup (without `NI_NUMERICHOST`) needs the policy's `resolve *`.
pub fn getnameinfo(sockaddr: impl Into<Address>, flags: i32) -> Result<(String, String)> {
    let addr = nameinfo_sockaddr(&sockaddr.into(), |name| if_nametoindex(name).ok())?;
    let (flow, scope) = match addr {
        SocketAddr::V6(a) => (a.flowinfo(), a.scope_id()),
        SocketAddr::V4(_) => (0, 0),
    };
    Ok(raw::getnameinfo(&wit_ip(addr, flow, scope), flags)?)
}

/// The socket address CPython's `getnameinfo` builds from its `sockaddr` argument, a `(host,
/// port)` or `(host, port, flowinfo, scope_id)` tuple, without looking any name up (`ifindex`
/// reads an interface name in a `%scope`).
fn nameinfo_sockaddr(
    addr: &Address,
    ifindex: impl FnOnce(&str) -> Option<u32>,
) -> Result<SocketAddr> {
    // The `(str, int)` and `(str, int, int, int)` tuples; a Bluetooth address is written as a
    // `(str, int)` tuple too (and is no IP address).
    let (host, port, v6) = match addr {
        Address::Inet(host, port)
        | Address::Rds(host, port)
        | Address::BluetoothL2cap(host, port) => (host.as_str(), *port, None),
        Address::BluetoothRfcomm(host, channel) => (host.as_str(), u16::from(*channel), None),
        Address::Inet6(host, port, flow, scope) => (host.as_str(), *port, Some((*flow, *scope))),
        Address::Unix(_) | Address::BluetoothSco(_) => {
            return Err(Error::value("getnameinfo() argument 1 must be a tuple"));
        }
        _ => return Err(Error::value("getnameinfo(): illegal sockaddr argument")),
    };
    if host.contains('\0') {
        return Err(Error::value("embedded null character"));
    }
    let (flow, scope) = v6.unwrap_or((0, 0));
    if flow > 0xfffff {
        return Err(Error::value("getnameinfo(): flowinfo must be 0-1048575."));
    }
    match numeric_host(host, ifindex) {
        None => Err(Error::gai(EAI_NONAME, "Name or service not known")),
        Some(IpAddr::V4(_)) if v6.is_some() => {
            Err(Error::os(EINVAL, "IPv4 sockaddr must be 2 tuple"))
        }
        Some(IpAddr::V4(ip)) => Ok(SocketAddrV4::new(ip, port).into()),
        Some(IpAddr::V6(ip)) => Ok(SocketAddrV6::new(ip, port, flow, scope).into()),
    }
}

/// `gethostbyname(hostname)`: the first IPv4 address, as text.
pub fn gethostbyname(hostname: &str) -> Result<String> {
    Ok(raw::gethostbyname(hostname)?)
}

/// `gethostbyname_ex(hostname)`: `(hostname, aliaslist, ipaddrlist)` for IPv4.
pub fn gethostbyname_ex(hostname: &str) -> Result<HostEntry> {
    let e = raw::gethostbyname_ex(hostname)?;
    Ok((e.name, e.aliases, e.addresses))
}

/// `gethostbyaddr(ip_address)`: `(hostname, aliaslist, ipaddrlist)` by reverse lookup.
pub fn gethostbyaddr(ip_address: &str) -> Result<HostEntry> {
    let e = raw::gethostbyaddr(ip_address)?;
    Ok((e.name, e.aliases, e.addresses))
}

/// `gethostname()`: the host's name.
pub fn gethostname() -> Result<String> {
    Ok(raw::gethostname()?)
}

/// `getfqdn(name)`: a fully qualified name for `name` (or for this host when empty), as
/// Python's `socket.getfqdn`: the first name containing a dot among the reverse lookup's
/// answers, else `name` itself.
pub fn getfqdn(name: &str) -> Result<String> {
    let name = name.trim();
    let name = if name.is_empty() || name == "0.0.0.0" {
        gethostname()?
    } else {
        name.to_owned()
    };
    Ok(match gethostbyaddr(&name) {
        Ok((host, aliases, _)) => std::iter::once(host.clone())
            .chain(aliases)
            .find(|n| n.contains('.'))
            .unwrap_or(host),
        Err(_) => name,
    })
}

/// `getservbyname(servicename, protocolname)`: a service's port.
pub fn getservbyname(servicename: &str, protocolname: Option<&str>) -> Result<u16> {
    Ok(raw::getservbyname(servicename, protocolname)?)
}

/// `getservbyport(port, protocolname)`: the service on a port.
pub fn getservbyport(port: u16, protocolname: Option<&str>) -> Result<String> {
    Ok(raw::getservbyport(port, protocolname)?)
}

/// `getprotobyname(protocolname)`: a protocol's number.
pub fn getprotobyname(protocolname: &str) -> Result<i32> {
    Ok(raw::getprotobyname(protocolname)?)
}

/// `if_nameindex()`: every network interface as `(index, name)`.
pub fn if_nameindex() -> Result<Vec<(u32, String)>> {
    Ok(raw::if_nameindex()?)
}

/// `if_nametoindex(ifname)`.
pub fn if_nametoindex(ifname: &str) -> Result<u32> {
    Ok(raw::if_nametoindex(ifname)?)
}

/// `if_indextoname(index)`.
pub fn if_indextoname(index: u32) -> Result<String> {
    Ok(raw::if_indextoname(index)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(addr: impl Into<Address>) -> Result<SocketAddr> {
        nameinfo_sockaddr(&addr.into(), |name| (name == "lo").then_some(1))
    }

    fn gai_noname(addr: impl Into<Address>) {
        let addr = addr.into();
        let e = info(addr.clone()).expect_err(&addr.to_string());
        assert!(e.is_gaierror(), "{addr}: {e:?}");
        assert_eq!(e.errno(), Some(EAI_NONAME), "{addr}");
        assert_eq!(e.to_string(), "[Errno -2] Name or service not known");
    }

    /// What CPython 3.11 on Linux with glibc makes of each `sockaddr` (observed with `python3`).
    #[test]
    fn resolver_getnameinfo_reads_numeric_hosts_only() {
        let v4 = |text: &str, port| {
            SocketAddr::from((text.parse::<std::net::Ipv4Addr>().unwrap(), port))
        };
        let v6 = |text: &str, port, flow, scope| {
            SocketAddr::V6(SocketAddrV6::new(text.parse().unwrap(), port, flow, scope))
        };
        for (host, want) in [
            ("127.0.0.1", "127.0.0.1"),
            ("127.1", "127.0.0.1"),
            ("0x7f.1", "127.0.0.1"),
            ("2130706433", "127.0.0.1"),
            ("0x7f000001", "127.0.0.1"),
            ("1.2.3.04", "1.2.3.4"),
        ] {
            assert_eq!(info((host, 80)).unwrap(), v4(want, 80), "{host}");
        }
        for (host, want) in [
            ("::1", "::1"),
            ("::ffff:127.0.0.1", "::ffff:127.0.0.1"),
            ("::1.2.3.4", "::1.2.3.4"),
            ("fe80::1%lo", "fe80::1"),
            ("fe80::1%1", "fe80::1"),
            ("fe80::1%01", "fe80::1"),
            ("fe80::1%4294967295", "fe80::1"),
            ("ff02::1%lo", "ff02::1"),
            ("ff01::1%lo", "ff01::1"),
            ("::1%1", "::1"),
        ] {
            assert_eq!(info((host, 80)).unwrap(), v6(want, 80, 0, 0), "{host}");
        }
        assert_eq!(info(("::1", 80, 1, 2)).unwrap(), v6("::1", 80, 1, 2));
        assert_eq!(
            info(("fe80::1%lo", 80, 0, 0)).unwrap(),
            v6("fe80::1", 80, 0, 0)
        );
        assert_eq!(
            info(("fe80::1", 80, 0, 1)).unwrap(),
            v6("fe80::1", 80, 0, 1)
        );
        for host in [
            "localhost",
            "",
            "1.2.3.4 x",
            " 127.0.0.1",
            "127.0.0.1.",
            "1.2.3.08",
            "[::1]",
            "::1%lo",
            "fe80::1%nosuch",
            "fe80::1%",
            "fe80::1%1x",
            "fe80::1%4294967296",
            "fe80::1%+1",
        ] {
            gai_noname((host, 80));
        }
        gai_noname(("::1%lo", 80, 0, 3));
        gai_noname(("localhost", 80, 0, 0));

        let e = info(("127.0.0.1", 80, 0, 0)).unwrap_err();
        assert_eq!(
            (e.python_class(), e.strerror()),
            ("OSError", "IPv4 sockaddr must be 2 tuple")
        );
        let e = info(("::1", 80, 0x10_0000, 0)).unwrap_err();
        assert!(e.is_value_error(), "{e:?}");
        assert_eq!(e.strerror(), "getnameinfo(): flowinfo must be 0-1048575.");
        let e = info(("12\0", 80)).unwrap_err();
        assert_eq!(
            (e.is_value_error(), e.strerror()),
            (true, "embedded null character")
        );
        let e = info(Address::Unix(b"/tmp/s".to_vec())).unwrap_err();
        assert_eq!(e.strerror(), "getnameinfo() argument 1 must be a tuple");
        let e = info(Address::Netlink(1, 2)).unwrap_err();
        assert_eq!(e.strerror(), "getnameinfo(): illegal sockaddr argument");
    }
}
