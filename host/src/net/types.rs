//! The few plain types the net core speaks in.

use std::net::SocketAddr;
use std::time::Duration;

pub use super::unix::UnixAddr;
use crate::policy::{Escaped, Link};

/// Address families the net core implements. Others are refused by the door with the OS's
/// own `EAFNOSUPPORT` before anything reaches here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// `AF_INET`.
    Inet,
    /// `AF_INET6`.
    Inet6,
    /// `AF_UNIX`.
    Unix,
    /// `AF_NETLINK`, `NETLINK_ROUTE` only, for reading (see [`super::netlink`]).
    Netlink,
    /// `AF_VSOCK`: stream and seqpacket connections between a virtual machine and its host.
    Vsock,
    /// `AF_PACKET`: link-level frames, `SOCK_RAW` (with their link header) or `SOCK_DGRAM`.
    Packet,
    /// `AF_CAN`, `CAN_RAW`: CAN frames on a bus interface.
    Can,
}

/// Socket kinds the net core implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `SOCK_STREAM` (TCP on IP).
    Stream,
    /// `SOCK_DGRAM` (UDP on IP).
    Dgram,
    /// `SOCK_SEQPACKET` (`AF_UNIX`; on IP the kernel answers for itself).
    Seqpacket,
    /// `SOCK_RAW`: netlink and packet sockets only (raw IP sockets are not available).
    Raw,
}

/// A socket address of any family the net core implements.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NetAddr {
    /// `AF_INET` / `AF_INET6`.
    Ip(SocketAddr),
    /// `AF_UNIX`.
    Unix(UnixAddr),
    /// `AF_NETLINK`: a port id (0 is the kernel) and a multicast group mask.
    Netlink {
        /// `nl_pid`.
        pid: u32,
        /// `nl_groups`.
        groups: u32,
    },
    /// `AF_VSOCK`: a context id and a port.
    Vsock {
        /// `svm_cid`.
        cid: u32,
        /// `svm_port`.
        port: u32,
    },
    /// `AF_PACKET`: Python's `(ifname, proto, pkttype, hatype, addr)`.
    Packet(PacketAddr),
    /// `AF_CAN` (`CAN_RAW`): Python's `(ifname,)`.
    Can(CanAddr),
}

/// An `AF_CAN` address of `CAN_RAW` (`struct sockaddr_can`): an interface, by name (what the
/// guest and the rules speak) and, once the kernel or the host looked it up, by index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CanAddr {
    /// The interface name (`""`: none, every interface at once).
    pub ifname: String,
    /// The interface index the kernel gave (0 until it gave one).
    pub ifindex: u32,
}

impl NetAddr {
    /// The interface a packet or CAN address names, with its index (0 when not looked up).
    pub fn iface(&self) -> Option<(&str, u32)> {
        match self {
            NetAddr::Packet(p) => Some((&p.ifname, p.ifindex)),
            NetAddr::Can(c) => Some((&c.ifname, c.ifindex)),
            _ => None,
        }
    }

    /// The same address naming the interface `name`.
    pub(crate) fn with_ifname(self, name: String) -> NetAddr {
        match self {
            NetAddr::Packet(p) => NetAddr::Packet(PacketAddr { ifname: name, ..p }),
            NetAddr::Can(c) => NetAddr::Can(CanAddr { ifname: name, ..c }),
            other => other,
        }
    }
}

/// An `AF_PACKET` address (`struct sockaddr_ll`), its interface known by name (what the guest
/// and the rules speak) and, once the kernel or the host looked it up, by index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PacketAddr {
    /// The interface name (`""`: none, every interface at once).
    pub ifname: String,
    /// The interface index the kernel gave (0 until it gave one).
    pub ifindex: u32,
    /// The Ethernet protocol number (`ETH_P_*`), host byte order as in Python.
    pub proto: u16,
    /// `PACKET_HOST`, `PACKET_BROADCAST`, …
    pub pkttype: u8,
    /// The ARP hardware type.
    pub hatype: u16,
    /// The link-layer address, at most 8 bytes.
    pub addr: Vec<u8>,
}

/// A socket's blocking mode, as CPython models it with one timeout value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No timeout: operations wait as long as it takes.
    Blocking,
    /// Timeout zero: operations that would block fail with `EAGAIN`/`EINPROGRESS`.
    NonBlocking,
    /// Operations that would block wait at most this long, then fail with a timeout.
    Timeout(Duration),
}

impl Mode {
    /// Python's `settimeout` value: `None` blocking, zero non-blocking, else timeout mode.
    pub fn from_timeout(timeout: Option<Duration>) -> Mode {
        match timeout {
            None => Mode::Blocking,
            Some(d) if d.is_zero() => Mode::NonBlocking,
            Some(d) => Mode::Timeout(d),
        }
    }

    /// Python's `gettimeout()`.
    pub fn timeout(self) -> Option<Duration> {
        match self {
            Mode::Blocking => None,
            Mode::NonBlocking => Some(Duration::ZERO),
            Mode::Timeout(d) => Some(d),
        }
    }
}

/// As the audit log and messages show targets: `127.0.0.1:80`, `[::1]:80`, `unix:/path`,
/// `unix:@name`, `unix:` (unnamed), or `vsock://host:1024`.
impl std::fmt::Display for NetAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetAddr::Ip(addr) => write!(f, "{addr}"),
            NetAddr::Unix(UnixAddr::Path(p)) => write!(f, "unix:{}", Escaped(p)),
            NetAddr::Unix(UnixAddr::Abstract(n)) => write!(f, "unix:@{}", Escaped(n)),
            NetAddr::Unix(UnixAddr::Unnamed) => write!(f, "unix:"),
            NetAddr::Netlink { pid, groups } => write!(f, "netlink:pid {pid} groups {groups:#x}"),
            NetAddr::Vsock { cid, port } => f.write_str(&crate::policy::vsock_target(*cid, *port)),
            NetAddr::Packet(p) => {
                f.write_str(&crate::policy::iface_target(Link::Packet, &p.ifname))
            }
            NetAddr::Can(c) => f.write_str(&crate::policy::iface_target(Link::Can, &c.ifname)),
        }
    }
}
