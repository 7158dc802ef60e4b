//! Python's resolver functions: `getaddrinfo`, `getnameinfo`, `gethostbyname`, … answered by
//! the host's system resolver under the host's policy (names need a `resolve` rule).

use crate::address::{Address, from_wit, to_wit};
use crate::bindings::capsock::sockets::resolver as raw;
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
pub fn getnameinfo(sockaddr: impl Into<Address>, flags: i32) -> Result<(String, String)> {
    let addr = sockaddr.into();
    let family = match addr {
        Address::Inet6(..) => crate::consts::AF_INET6,
        _ => crate::consts::AF_INET,
    };
    Ok(raw::getnameinfo(&to_wit(&addr, family)?, flags)?)
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
