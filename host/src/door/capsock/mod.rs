//! capsock's own door: the generated bindings of `capsock:sockets` and their glue, one file per
//! WIT interface, each thin — convert values, ask the guard, call `net`, convert back.

#[cfg(feature = "fuzzing")]
pub mod fuzz;
mod resolver;
mod socket;
mod types;

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use rustix::io::Errno;
use wasmtime::component::Linker;

use crate::ctx::{Capsock, CapsockView};
use crate::error::{SocketError, SocketResult};
use crate::net::{CanAddr, Family, Kind, NetAddr, PacketAddr, UnixAddr};

pub(crate) mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "guest",
        imports: { default: trappable },
        // The world's `wasi:io/poll` is wasmtime-wasi's, whose linker functions need it.
        require_store_data_send: true,
        trappable_error_type: {
            "capsock:sockets/types.error" => crate::error::SocketError,
        },
        with: {
            "wasi:io/poll": wasmtime_wasi::p2::bindings::io::poll,
            "capsock:sockets/socket.socket": crate::net::NetSocket,
            "capsock:sockets/socket.poller": crate::net::poller::Poller,
        },
    });
}

use bindings::capsock::sockets::types::{
    AddressFamily, CanAddress, Ipv4SocketAddress, Ipv6SocketAddress, NetlinkAddress, PacketAddress,
    SocketAddress, SocketKind, UnixAddress, VsockAddress,
};

/// Adds capsock's interfaces (`capsock:sockets/{types,socket,resolver}`) to a linker whose store
/// data implements [`CapsockView`].
///
/// `socket.subscribe` returns a `wasi:io/poll` pollable, which wasmtime-wasi serves: link WASI
/// too (`wasmtime_wasi::p2::add_to_linker_sync`), over the same resource table.
///
/// The sends are defined twice (the generated bindings, then zero-copy versions that replace
/// them), so this turns the linker's shadowing on for the call and leaves it off, wasmtime's
/// default: call [`Linker::allow_shadowing`] again afterwards if you rely on it.
pub fn add_to_linker<T: CapsockView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    // Interface by interface: `wasi:io/poll`, whose `pollable` `socket.subscribe` returns, is
    // wasmtime-wasi's, which the embedder links (`wasmtime_wasi::p2::add_to_linker_*`).
    // wasmtime-wasi makes its tokio runtime (an epoll and an eventfd) at its first use, and
    // panics if it cannot: made now, a guest that later uses up the host's descriptors gets
    // EMFILE instead of taking the host down when it first waits on a pollable.
    wasmtime_wasi::runtime::in_tokio(async {});
    use bindings::capsock::sockets as wit;
    wit::types::add_to_linker::<T, Capsock>(linker, T::capsock)?;
    wit::socket::add_to_linker::<T, Capsock>(linker, T::capsock)?;
    wit::resolver::add_to_linker::<T, Capsock>(linker, T::capsock)?;
    super::redefine(linker, socket::add_zero_copy_sends)
}

/// The families the net core implements; every other WIT family is the OS's `EAFNOSUPPORT`.
impl TryFrom<AddressFamily> for Family {
    type Error = SocketError;

    fn try_from(family: AddressFamily) -> SocketResult<Family> {
        match family {
            AddressFamily::Inet => Ok(Family::Inet),
            AddressFamily::Inet6 => Ok(Family::Inet6),
            AddressFamily::Unix => Ok(Family::Unix),
            AddressFamily::Netlink => Ok(Family::Netlink),
            AddressFamily::Vsock => Ok(Family::Vsock),
            AddressFamily::Packet => Ok(Family::Packet),
            AddressFamily::Can => Ok(Family::Can),
            _ => Err(SocketError::os_msg(
                Errno::AFNOSUPPORT,
                format!(
                    "address family {family:?} is not available in this capsock host (AF_INET, AF_INET6, AF_UNIX, AF_NETLINK, AF_VSOCK, AF_PACKET and AF_CAN are)"
                ),
            )),
        }
    }
}

impl From<Family> for AddressFamily {
    fn from(family: Family) -> Self {
        match family {
            Family::Inet => AddressFamily::Inet,
            Family::Inet6 => AddressFamily::Inet6,
            Family::Unix => AddressFamily::Unix,
            Family::Netlink => AddressFamily::Netlink,
            Family::Vsock => AddressFamily::Vsock,
            Family::Packet => AddressFamily::Packet,
            Family::Can => AddressFamily::Can,
        }
    }
}

/// The kinds the net core implements (`SOCK_SEQPACKET` for `AF_UNIX`; `SOCK_RAW` for netlink
/// only, the net core refusing it on IP). `SOCK_RDM` has no Linux protocol, so it is refused
/// with `ESOCKTNOSUPPORT` as socket(2) would.
impl TryFrom<SocketKind> for Kind {
    type Error = SocketError;

    fn try_from(kind: SocketKind) -> SocketResult<Kind> {
        match kind {
            SocketKind::Stream => Ok(Kind::Stream),
            SocketKind::Dgram => Ok(Kind::Dgram),
            SocketKind::Seqpacket => Ok(Kind::Seqpacket),
            SocketKind::Raw => Ok(Kind::Raw),
            _ => Err(SocketError::os_msg(
                Errno::SOCKTNOSUPPORT,
                format!(
                    "socket type {kind:?} is not available to guests (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET and, for netlink, SOCK_RAW are)"
                ),
            )),
        }
    }
}

impl From<Kind> for SocketKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Stream => SocketKind::Stream,
            Kind::Dgram => SocketKind::Dgram,
            Kind::Seqpacket => SocketKind::Seqpacket,
            Kind::Raw => SocketKind::Raw,
        }
    }
}

/// `socket.__new__`'s target: `AF_INET/SOCK_STREAM/0`.
fn socket_description(family: Family, kind: Kind, proto: i32) -> String {
    let family = match family {
        Family::Inet => "AF_INET",
        Family::Inet6 => "AF_INET6",
        Family::Unix => "AF_UNIX",
        Family::Netlink => "AF_NETLINK",
        Family::Vsock => "AF_VSOCK",
        Family::Packet => "AF_PACKET",
        Family::Can => "AF_CAN",
    };
    let kind = match kind {
        Kind::Stream => "SOCK_STREAM",
        Kind::Dgram => "SOCK_DGRAM",
        Kind::Seqpacket => "SOCK_SEQPACKET",
        Kind::Raw => "SOCK_RAW",
    };
    format!("{family}/{kind}/{proto}")
}

/// A WIT address as a native IP address. Other families cannot be used on the IP sockets the
/// host creates: `EAFNOSUPPORT`, as the kernel answers a mismatched family.
impl TryFrom<&SocketAddress> for SocketAddr {
    type Error = SocketError;

    fn try_from(addr: &SocketAddress) -> SocketResult<SocketAddr> {
        match addr {
            SocketAddress::Inet(a) => {
                let (x, y, z, w) = a.address;
                Ok(SocketAddr::V4(SocketAddrV4::new(
                    Ipv4Addr::new(x, y, z, w),
                    a.port,
                )))
            }
            SocketAddress::Inet6(a) => {
                let (g0, g1, g2, g3, g4, g5, g6, g7) = a.address;
                Ok(SocketAddr::V6(SocketAddrV6::new(
                    Ipv6Addr::new(g0, g1, g2, g3, g4, g5, g6, g7),
                    a.port,
                    a.flow_info,
                    a.scope_id,
                )))
            }
            _ => Err(SocketError::os_msg(
                Errno::AFNOSUPPORT,
                "this address is not an IP address",
            )),
        }
    }
}

/// A WIT address as one the net core implements: IP or `AF_UNIX`; other families are the
/// OS's `EAFNOSUPPORT`.
impl TryFrom<&SocketAddress> for NetAddr {
    type Error = SocketError;

    fn try_from(addr: &SocketAddress) -> SocketResult<NetAddr> {
        match addr {
            SocketAddress::Unix(UnixAddress::Path(p)) => {
                Ok(NetAddr::Unix(UnixAddr::Path(p.clone())))
            }
            SocketAddress::Unix(UnixAddress::Abstract(n)) => {
                Ok(NetAddr::Unix(UnixAddr::Abstract(n.clone())))
            }
            SocketAddress::Unix(UnixAddress::Unnamed) => Ok(NetAddr::Unix(UnixAddr::Unnamed)),
            SocketAddress::Inet(_) | SocketAddress::Inet6(_) => {
                SocketAddr::try_from(addr).map(NetAddr::Ip)
            }
            SocketAddress::Netlink(n) => Ok(NetAddr::Netlink {
                pid: n.pid,
                groups: n.groups,
            }),
            SocketAddress::Vsock(v) => Ok(NetAddr::Vsock {
                cid: v.cid,
                port: v.port,
            }),
            SocketAddress::Packet(p) => Ok(NetAddr::Packet(PacketAddr {
                ifname: ifname(&p.ifname)?,
                ifindex: 0,
                proto: p.proto,
                pkttype: p.pkttype,
                hatype: p.hatype,
                addr: p.addr.clone(),
            })),
            SocketAddress::Can(CanAddress::Raw(name)) => Ok(NetAddr::Can(CanAddr {
                ifname: ifname(name)?,
                ifindex: 0,
            })),
            SocketAddress::Can(_) => Err(SocketError::os_msg(
                Errno::PROTONOSUPPORT,
                "capsock: an AF_CAN address is (interface,), for CAN_RAW; CAN_ISOTP and CAN_J1939 are not available",
            )),
            _ => Err(SocketError::os_msg(
                Errno::AFNOSUPPORT,
                "this address family is not available in this capsock host (AF_INET, AF_INET6, AF_UNIX, AF_NETLINK, AF_VSOCK, AF_PACKET and AF_CAN are)",
            )),
        }
    }
}

/// An interface name as the guard decides it: one with a NUL byte is `EINVAL` (Python's
/// "embedded null character"), since the kernel would read it only up to the NUL, a name the
/// guard never saw.
fn ifname(name: &str) -> SocketResult<String> {
    match name.contains('\0') {
        true => Err(SocketError::os_msg(
            Errno::INVAL,
            "an interface name must not contain a NUL byte",
        )),
        false => Ok(name.to_owned()),
    }
}

impl From<NetAddr> for SocketAddress {
    fn from(addr: NetAddr) -> Self {
        match addr {
            NetAddr::Ip(ip) => ip.into(),
            NetAddr::Unix(UnixAddr::Path(p)) => SocketAddress::Unix(UnixAddress::Path(p)),
            NetAddr::Unix(UnixAddr::Abstract(n)) => SocketAddress::Unix(UnixAddress::Abstract(n)),
            NetAddr::Unix(UnixAddr::Unnamed) => SocketAddress::Unix(UnixAddress::Unnamed),
            NetAddr::Netlink { pid, groups } => {
                SocketAddress::Netlink(NetlinkAddress { pid, groups })
            }
            NetAddr::Vsock { cid, port } => SocketAddress::Vsock(VsockAddress { cid, port }),
            NetAddr::Packet(p) => SocketAddress::Packet(PacketAddress {
                ifname: p.ifname,
                proto: p.proto,
                pkttype: p.pkttype,
                hatype: p.hatype,
                addr: p.addr,
            }),
            NetAddr::Can(c) => SocketAddress::Can(CanAddress::Raw(c.ifname)),
        }
    }
}

impl From<SocketAddr> for SocketAddress {
    fn from(addr: SocketAddr) -> Self {
        match addr {
            SocketAddr::V4(a) => {
                let [x, y, z, w] = a.ip().octets();
                SocketAddress::Inet(Ipv4SocketAddress {
                    address: (x, y, z, w),
                    port: a.port(),
                })
            }
            SocketAddr::V6(a) => {
                let [g0, g1, g2, g3, g4, g5, g6, g7] = a.ip().segments();
                SocketAddress::Inet6(Ipv6SocketAddress {
                    address: (g0, g1, g2, g3, g4, g5, g6, g7),
                    port: a.port(),
                    flow_info: a.flowinfo(),
                    scope_id: a.scope_id(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::bindings::capsock::sockets::types::{
        AlgAddress, BluetoothAddress, CanIsotpAddress, QipcrtrAddress, TipcAddress,
    };
    use super::*;

    /// Every address the net core implements goes guest → host → guest unchanged; every other
    /// family in the WIT is the OS's `EAFNOSUPPORT`, saying which families are available.
    #[test]
    fn addresses_round_trip_or_are_refused() {
        let implemented = [
            NetAddr::Ip("192.0.2.7:80".parse().unwrap()),
            NetAddr::Ip("[2001:db8::7%3]:443".parse().unwrap()),
            NetAddr::Ip(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::LOCALHOST,
                1,
                0xfffff,
                u32::MAX,
            ))),
            NetAddr::Unix(UnixAddr::Path(b"/run/app.sock".to_vec())),
            NetAddr::Unix(UnixAddr::Abstract(b"name\0with nul".to_vec())),
            NetAddr::Unix(UnixAddr::Unnamed),
            NetAddr::Netlink {
                pid: u32::MAX,
                groups: 0x8000_0001,
            },
            NetAddr::Vsock {
                cid: u32::MAX,
                port: 0,
            },
            NetAddr::Vsock {
                cid: 2,
                port: u32::MAX,
            },
            NetAddr::Packet(PacketAddr {
                ifname: "lo".into(),
                ifindex: 0,
                proto: 0x88b5,
                pkttype: 4,
                hatype: 772,
                addr: vec![0; 6],
            }),
            NetAddr::Can(CanAddr {
                ifname: "vcan0".into(),
                ifindex: 0,
            }),
        ];
        for addr in implemented {
            let wit = SocketAddress::from(addr.clone());
            assert_eq!(NetAddr::try_from(&wit).unwrap(), addr);
        }
        let inet = Ipv4SocketAddress {
            address: (10, 0, 0, 1),
            port: 1,
        };
        let others = [
            SocketAddress::Rds(inet),
            SocketAddress::Bluetooth(BluetoothAddress::Hci(0)),
            SocketAddress::Alg(AlgAddress {
                kind: "hash".into(),
                name: "sha256".into(),
                feat: 0,
                mask: 0,
            }),
            SocketAddress::Tipc(TipcAddress {
                addr_type: 2,
                v1: 1,
                v2: 2,
                v3: 3,
                scope: 0,
            }),
            SocketAddress::Qipcrtr(QipcrtrAddress { node: 1, port: 2 }),
        ];
        for wit in &others {
            let e = NetAddr::try_from(wit).unwrap_err();
            assert_eq!(e.errno(), Some(Errno::AFNOSUPPORT), "{wit:?}");
            assert!(e.to_string().contains("AF_PACKET and AF_CAN are"), "{e}");
            assert!(SocketAddr::try_from(wit).is_err());
        }
        // AF_CAN addresses of the protocols capsock does not make.
        let isotp = SocketAddress::Can(CanAddress::Isotp(CanIsotpAddress {
            interface: "vcan0".into(),
            rx_id: 1,
            tx_id: 2,
        }));
        let e = NetAddr::try_from(&isotp).unwrap_err();
        assert_eq!(e.errno(), Some(Errno::PROTONOSUPPORT), "{e}");
        // An interface name the kernel would cut at a NUL is refused before any decision.
        let cut = SocketAddress::Can(CanAddress::Raw("lo\0x".into()));
        assert_eq!(
            NetAddr::try_from(&cut).unwrap_err().errno(),
            Some(Errno::INVAL)
        );
    }
}
