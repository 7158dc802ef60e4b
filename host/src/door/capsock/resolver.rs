//! `capsock:sockets/resolver`: Python's resolver functions.
//!
//! A lookup that would ask DNS (or `/etc/hosts`) about a name needs a `resolve` rule for that
//! name; numeric addresses, passive lookups and local tables (services, protocols, interfaces,
//! the host name) need none, because they reveal nothing beyond the host's own configuration.

use std::net::IpAddr;

use rustix::io::Errno;

use super::bindings::capsock::sockets::resolver::{AddressInfo, Host, HostEntry};
use super::bindings::capsock::sockets::types::{AddressFamily, SocketAddress, SocketKind};
use super::{from_socket_addr, to_socket_addr};
use crate::audit::{Event, Subject};
use crate::ctx::CapsockCtxView;
use crate::error::{SocketError, SocketResult};
use crate::net::resolve;
use crate::policy::{Decision, Proto, Verb};

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

impl CapsockCtxView<'_> {
    /// A name that is not a numeric address is looked up in DNS: it needs a `resolve` rule
    /// (`CapsockCtx::check_lookup`, shared with the wasi:sockets door).
    fn check_resolve(&self, event: Event, name: &str) -> SocketResult<()> {
        self.ctx
            .check_lookup(event, name)
            .map_err(|message| SocketError::os_msg(Errno::ACCESS, message))
    }

    /// A reverse lookup asks DNS about an address: it needs `resolve *`.
    fn check_reverse(&self, event: Event, address: &str) -> SocketResult<()> {
        let decision = self.ctx.policy.check_resolve_any();
        self.ctx
            .monitor
            .decided(event, Subject::Reverse(address), &decision);
        deny_unless(decision, address)
    }
}

fn deny_unless(decision: Decision<'_>, name: &str) -> SocketResult<()> {
    if decision.is_allowed() {
        Ok(())
    } else {
        Err(SocketError::os_msg(
            Errno::ACCESS,
            decision.denial_message(Verb::Resolve, Proto::Tcp, &name),
        ))
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
        if let Some(host) = &host {
            self.check_resolve(Event::GetAddrInfo, host)?;
        }
        let infos = resolve::getaddrinfo(
            host.as_deref(),
            port.as_deref(),
            raw_family(family)?,
            raw_kind(kind),
            proto,
            flags,
        )?;
        if let Some(host) = &host {
            self.ctx.remember(host, infos.iter().map(|ai| ai.addr.ip()));
        }
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
                    address: from_socket_addr(ai.addr),
                })
            })
            .collect())
    }

    fn getnameinfo(
        &mut self,
        address: SocketAddress,
        flags: i32,
    ) -> SocketResult<(String, String)> {
        let addr = to_socket_addr(&address)?;
        if flags & libc::NI_NUMERICHOST == 0 {
            self.check_reverse(Event::GetNameInfo, &addr.ip().to_string())?;
        }
        resolve::getnameinfo(addr, flags)
    }

    fn gethostbyname(&mut self, name: String) -> SocketResult<String> {
        self.check_resolve(Event::GetHostByName, &name)?;
        let ip = resolve::gethostbyname(&name)?;
        self.ctx.remember(&name, std::iter::once(IpAddr::V4(ip)));
        Ok(ip.to_string())
    }

    fn gethostbyname_ex(&mut self, name: String) -> SocketResult<HostEntry> {
        self.check_resolve(Event::GetHostByName, &name)?;
        let entry = resolve::gethostbyname_ex(&name)?;
        self.ctx.remember(&name, entry.addresses.iter().copied());
        Ok(host_entry(entry))
    }

    fn gethostbyaddr(&mut self, address: String) -> SocketResult<HostEntry> {
        // An address is looked up in reverse; a name is resolved first, then looked up.
        if address.parse::<IpAddr>().is_ok() {
            self.check_reverse(Event::GetHostByAddr, &address)?;
        } else {
            self.check_resolve(Event::GetHostByAddr, &address)?;
            self.check_reverse(Event::GetHostByAddr, &address)?;
        }
        Ok(host_entry(resolve::gethostbyaddr(&address)?))
    }

    fn gethostname(&mut self) -> SocketResult<String> {
        resolve::gethostname()
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

    fn if_nameindex(&mut self) -> SocketResult<Vec<(u32, String)>> {
        resolve::if_nameindex()
    }

    fn if_nametoindex(&mut self, name: String) -> SocketResult<u32> {
        resolve::if_nametoindex(&name)
    }

    fn if_indextoname(&mut self, index: u32) -> SocketResult<String> {
        resolve::if_indextoname(index)
    }
}
