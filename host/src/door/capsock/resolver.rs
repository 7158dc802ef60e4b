//! `capsock:sockets/resolver`: Python's resolver functions.
//!
//! A lookup that would ask DNS (or `/etc/hosts`) about a name needs a `resolve` rule for that
//! name; numeric addresses, passive lookups and local tables (services, protocols, interfaces,
//! the host name) need none, because they reveal nothing beyond the host's own configuration.

use std::net::IpAddr;

use super::bindings::capsock::sockets::resolver::{AddressInfo, Host, HostEntry};
use super::bindings::capsock::sockets::types::{AddressFamily, SocketAddress, SocketKind};
use crate::audit::Event;
use crate::ctx::CapsockCtxView;
use crate::error::{SocketError, SocketResult};
use crate::net::resolve;

fn raw_family(family: AddressFamily) -> SocketResult<i32> {
    Ok(match family {
        AddressFamily::Unspec => libc::AF_UNSPEC,
        AddressFamily::Inet => libc::AF_INET,
        AddressFamily::Inet6 => libc::AF_INET6,
        // getaddrinfo(3) itself answers EAI_FAMILY for every other family.
        _ => {
            return Err(SocketError::Gai(
                libc::EAI_FAMILY,
                "ai_family not supported".to_owned(),
            ));
        }
    })
}

fn raw_kind(kind: Option<SocketKind>) -> i32 {
    match kind {
        None => 0,
        Some(SocketKind::Stream) => libc::SOCK_STREAM,
        Some(SocketKind::Dgram) => libc::SOCK_DGRAM,
        Some(SocketKind::Raw) => libc::SOCK_RAW,
        Some(SocketKind::Rdm) => libc::SOCK_RDM,
        Some(SocketKind::Seqpacket) => libc::SOCK_SEQPACKET,
    }
}

fn wit_kind(raw: i32) -> Option<SocketKind> {
    Some(match raw {
        libc::SOCK_STREAM => SocketKind::Stream,
        libc::SOCK_DGRAM => SocketKind::Dgram,
        libc::SOCK_RAW => SocketKind::Raw,
        libc::SOCK_RDM => SocketKind::Rdm,
        libc::SOCK_SEQPACKET => SocketKind::Seqpacket,
        _ => return None,
    })
}

fn host_entry(e: resolve::HostEntry) -> HostEntry {
    HostEntry {
        name: e.name,
        aliases: e.aliases,
        addresses: e.addresses.iter().map(IpAddr::to_string).collect(),
    }
}

impl Host for CapsockCtxView<'_> {
    fn getaddrinfo(
        &mut self,
        host: Option<String>,
        port: Option<String>,
        family: AddressFamily,
        kind: Option<SocketKind>,
        proto: i32,
        flags: i32,
    ) -> SocketResult<Vec<AddressInfo>> {
        let guard = &self.ctx.guard;
        let lookup = guard.lookup(Event::GetAddrInfo, host.as_deref())?;
        let infos = resolve::getaddrinfo(
            &lookup,
            port.as_deref(),
            raw_family(family)?,
            raw_kind(kind),
            proto,
            flags,
        )?;
        guard.remember(&lookup, infos.iter().map(|ai| ai.addr.ip()))?;
        Ok(infos
            .into_iter()
            .filter_map(|ai| {
                Some(AddressInfo {
                    family: match ai.addr {
                        std::net::SocketAddr::V4(_) => AddressFamily::Inet,
                        std::net::SocketAddr::V6(_) => AddressFamily::Inet6,
                    },
                    kind: wit_kind(ai.socktype)?,
                    proto: ai.protocol,
                    canonical_name: ai.canonname,
                    address: ai.addr.into(),
                })
            })
            .collect())
    }

    fn getnameinfo(
        &mut self,
        address: SocketAddress,
        flags: i32,
    ) -> SocketResult<(String, String)> {
        let addr = std::net::SocketAddr::try_from(&address)?;
        let reverse = match flags & libc::NI_NUMERICHOST {
            0 => Some(
                self.ctx
                    .guard
                    .reverse_lookup(Event::GetNameInfo, &addr.ip().to_string())?,
            ),
            _ => None,
        };
        resolve::getnameinfo(addr, flags, reverse.as_ref())
    }

    fn gethostbyname(&mut self, name: String) -> SocketResult<String> {
        let guard = &self.ctx.guard;
        let lookup = guard.lookup(Event::GetHostByName, Some(&name))?;
        let ip = resolve::gethostbyname(&lookup)?;
        guard.remember(&lookup, std::iter::once(IpAddr::V4(ip)))?;
        Ok(ip.to_string())
    }

    fn gethostbyname_ex(&mut self, name: String) -> SocketResult<HostEntry> {
        let guard = &self.ctx.guard;
        let lookup = guard.lookup(Event::GetHostByName, Some(&name))?;
        let entry = resolve::gethostbyname_ex(&lookup)?;
        guard.remember(&lookup, entry.addresses.iter().copied())?;
        Ok(host_entry(entry))
    }

    fn gethostbyaddr(&mut self, address: String) -> SocketResult<HostEntry> {
        // An address is looked up in reverse; a name is resolved first, then looked up.
        let guard = &self.ctx.guard;
        let lookup = guard.lookup(Event::GetHostByAddr, Some(&address))?;
        let reverse = guard.reverse_lookup(Event::GetHostByAddr, &address)?;
        Ok(host_entry(resolve::gethostbyaddr(&lookup, &reverse)?))
    }

    /// The name the policy grants (`--hostname`), `localhost` by default: never the host's.
    fn gethostname(&mut self) -> SocketResult<String> {
        Ok(self.ctx.guard.policy().hostname().to_owned())
    }

    fn getservbyname(&mut self, name: String, protocol: Option<String>) -> SocketResult<u16> {
        resolve::getservbyname(&name, protocol.as_deref())
    }

    fn getservbyport(&mut self, port: u16, protocol: Option<String>) -> SocketResult<String> {
        resolve::getservbyport(port, protocol.as_deref())
    }

    fn getprotobyname(&mut self, name: String) -> SocketResult<i32> {
        resolve::getprotobyname(&name)
    }

    /// The interfaces the policy reveals (`lo`, those its link rules name, or all under
    /// `--reveal-interfaces`); the others are left out, as if absent.
    fn if_nameindex(&mut self) -> SocketResult<Vec<(u32, String)>> {
        let policy = self.ctx.guard.policy();
        let mut all = resolve::if_nameindex()?;
        all.retain(|(_, name)| policy.reveals_iface(name));
        Ok(all)
    }

    fn if_nametoindex(&mut self, name: String) -> SocketResult<u32> {
        // A NUL is Python's ValueError, whatever the name: the argument is checked first.
        match name.contains('\0') || self.ctx.guard.policy().reveals_iface(&name) {
            true => resolve::if_nametoindex(&name),
            false => resolve::if_nametoindex_absent(),
        }
    }

    fn if_indextoname(&mut self, index: u32) -> SocketResult<String> {
        let name = resolve::if_indextoname(index)?;
        match self.ctx.guard.policy().reveals_iface(&name) {
            true => Ok(name),
            false => Err(resolve::if_indextoname_absent()),
        }
    }
}
