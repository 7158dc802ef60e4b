//! The net core: native sockets through rustix, with CPython's blocking model.
//!
//! Every fd is close-on-exec. A socket's [`Mode`] decides how an operation waits (see
//! [`wait`]): in non-blocking mode the fd is `O_NONBLOCK` and `EAGAIN` is the answer; in
//! blocking and timeout mode the one system call sleeps in the kernel, bounded in timeout mode
//! by `SO_RCVTIMEO` / `SO_SNDTIMEO` set to what is left of the operation's deadline.
//!
//! This module makes the system calls and nothing else. Every operation that reaches an address
//! (bind, listen's implicit bind, connect, a send to an address) takes the guard's
//! [`Permit`] for it, and accept and receive take the guard's admission filter: nothing here
//! can reach an address the guard did not decide on.
//!
//! Two things have one place each: a raw error number from C becomes an [`Errno`] only in
//! `sys` (never panicking on 0 or garbage), and a raw socket address is encoded or decoded
//! only in `sockaddr` (rustix's addresses included). The resolver's C calls, with all their
//! raw pointers, are in `resolve::glibc`; the rest of `resolve` is safe Rust.

pub mod msg;
pub mod netlink;
pub mod poller;
pub mod readiness;
// Safe Rust only: its C calls are in `resolve::glibc`, which allows `unsafe` for itself alone.
#[deny(unsafe_code)]
pub mod resolve;
mod sockaddr;
pub mod sockopt;
mod sys;
pub mod types;
pub mod unix;
pub mod wait;

use std::net::SocketAddr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;

use rustix::io::Errno;
use rustix::net::{AddressFamily, Protocol, RecvFlags, SendFlags, SocketFlags, SocketType};

use crate::error::{SocketError, SocketResult};
use crate::guard::{
    Iface, LinkSocket, Listen, NetlinkKernel, NetlinkLocal, Permit, RawSocket, VsockEnd,
};
use crate::policy::{Link, NetlinkProto, Proto};
pub use types::{CanAddr, Family, Kind, Mode, NetAddr, PacketAddr, UnixAddr};
pub use unix::UnixDest;
pub use wait::{Cancelled, Canceller};
use wait::{Deadline, Dir, FdState, Registration};

/// The most a single receive hands back (`recv`, `recvfrom`, `recvmsg`: the one receive bound).
/// Datagrams on IP are at most 64 KiB, and a stream receive may always return fewer bytes than
/// asked, so this bounds the host's memory per call without changing what a guest can observe.
pub const MAX_RECV: usize = 1 << 20;

/// A host socket: the fd and the state CPython keeps beside it.
#[derive(Debug)]
pub struct NetSocket {
    /// The entry in the guest's canceller, once the glue registered the socket. Declared
    /// before `fd`: it must leave the canceller before the fd closes.
    registration: Option<Registration>,
    /// Shared only with the socket's [`Readiness`] pollables, which the resource table makes
    /// children of the socket: they never outlive it in the guest's view, and holding the
    /// descriptor (not its number) means none of them can act on a number reused afterwards.
    fd: Arc<OwnedFd>,
    /// What the host last set on the open file description (shared with dups).
    state: Arc<FdState>,
    family: Family,
    kind: Kind,
    proto: i32,
    mode: Mode,
    /// Whether the socket has a local address (explicit bind, connect, accept, or a send that
    /// bound it implicitly). Decides whether a connect or sendto is also an implicit bind.
    bound: bool,
    /// The peer a datagram socket connected to, which the guard allowed at the connect.
    peer: Option<NetAddr>,
    /// An `AF_UNIX` socket bound through `/proc/self/fd/N/NAME` (a confined path): that
    /// kernel path, and the path the guest named, which `getsockname` shows instead.
    bound_as: Option<Arc<(Vec<u8>, UnixAddr)>>,
}

fn rustix_family(family: Family) -> AddressFamily {
    match family {
        Family::Inet => AddressFamily::INET,
        Family::Inet6 => AddressFamily::INET6,
        Family::Unix => AddressFamily::UNIX,
        Family::Netlink => AddressFamily::NETLINK,
        Family::Vsock => AddressFamily::VSOCK,
        Family::Packet => AddressFamily::PACKET,
        Family::Can => AddressFamily::CAN,
    }
}

fn rustix_type(kind: Kind) -> SocketType {
    match kind {
        Kind::Stream => SocketType::STREAM,
        Kind::Dgram => SocketType::DGRAM,
        Kind::Seqpacket => SocketType::SEQPACKET,
        Kind::Raw => SocketType::RAW,
    }
}

fn rustix_proto(proto: i32) -> Option<Protocol> {
    // Negative values become large numbers the kernel refuses with its own error.
    std::num::NonZeroU32::new(proto as u32).map(Protocol::from_raw)
}

/// Receive flags a guest may pass: `MSG_PEEK`, `MSG_DONTWAIT`, `MSG_WAITALL`, `MSG_TRUNC`,
/// `MSG_OOB`, `MSG_ERRQUEUE`, `MSG_CMSG_CLOEXEC`. Others fail with `EINVAL`.
pub fn recv_flags(flags: i32) -> SocketResult<RecvFlags> {
    // rustix's flag types accept every bit (`const _ = !0`), so `from_bits` alone vets nothing.
    let known = RecvFlags::PEEK
        | RecvFlags::DONTWAIT
        | RecvFlags::WAITALL
        | RecvFlags::TRUNC
        | RecvFlags::OOB
        | RecvFlags::ERRQUEUE
        | RecvFlags::CMSG_CLOEXEC;
    let bad = flags as u32 & !known.bits();
    (bad == 0)
        .then(|| RecvFlags::from_bits_retain(flags as u32))
        .ok_or_else(|| {
            SocketError::os_msg(
                Errno::INVAL,
                format!("unsupported receive flags {bad:#x} (allowed: MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, MSG_TRUNC, MSG_OOB, MSG_ERRQUEUE, MSG_CMSG_CLOEXEC)"),
            )
        })
}

/// Send flags a guest may pass: `MSG_OOB`, `MSG_DONTWAIT`, `MSG_DONTROUTE`, `MSG_EOR`,
/// `MSG_MORE`, `MSG_CONFIRM`, `MSG_NOSIGNAL`. `MSG_NOSIGNAL` is always added: a peer that went
/// away is `EPIPE` for the guest, never a signal for the host.
pub fn send_flags(flags: i32) -> SocketResult<SendFlags> {
    // rustix's flag types accept every bit (`const _ = !0`), so `from_bits` alone vets nothing.
    let known = SendFlags::OOB
        | SendFlags::DONTWAIT
        | SendFlags::DONTROUTE
        | SendFlags::EOR
        | SendFlags::MORE
        | SendFlags::CONFIRM
        | SendFlags::NOSIGNAL;
    let bad = flags as u32 & !known.bits();
    (bad == 0)
        .then(|| SendFlags::from_bits_retain(flags as u32) | SendFlags::NOSIGNAL)
        .ok_or_else(|| {
            SocketError::os_msg(
                Errno::INVAL,
                format!("unsupported send flags {bad:#x} (allowed: MSG_OOB, MSG_DONTWAIT, MSG_DONTROUTE, MSG_EOR, MSG_MORE, MSG_CONFIRM, MSG_NOSIGNAL)"),
            )
        })
}

/// The protocol of an ICMP echo ("ping") datagram socket of `family`.
fn ping_proto(family: Family) -> Option<i32> {
    match family {
        Family::Inet => Some(libc::IPPROTO_ICMP),
        Family::Inet6 => Some(libc::IPPROTO_ICMPV6),
        Family::Unix | Family::Netlink | Family::Vsock | Family::Packet | Family::Can => None,
    }
}

/// Refuses an IP socket of a protocol the policy does not govern. Rules name `tcp`, `udp` and
/// `icmp`, and the guard decides by the socket's type and protocol, so only these may be made:
/// `SOCK_STREAM` with 0, `IPPROTO_TCP` or `IPPROTO_MPTCP` (TCP on the wire); `SOCK_DGRAM` with
/// 0 or `IPPROTO_UDP`; and ping sockets, `SOCK_DGRAM` with `IPPROTO_ICMP` (`AF_INET`) or
/// `IPPROTO_ICMPV6` (`AF_INET6`), which the kernel allows to the groups in
/// `net.ipv4.ping_group_range` (else its own `EACCES`). Anything else (UDP-Lite, SCTP, which
/// `SOCK_SEQPACKET` with protocol 0 makes where its module is loaded) would pass under rules
/// written for another protocol. `AF_UNIX` is the kernel's to judge.
fn governed(family: Family, kind: Kind, proto: i32) -> SocketResult<()> {
    let family_name = match family {
        Family::Unix => return Ok(()),
        // Connections only, decided at connect, bind and accept; the protocol is the kernel's
        // to judge (0 or PF_VSOCK).
        Family::Vsock => {
            return match kind {
                Kind::Stream | Kind::Seqpacket => Ok(()),
                Kind::Dgram | Kind::Raw => Err(SocketError::os_msg(
                    Errno::SOCKTNOSUPPORT,
                    "capsock: AF_VSOCK sockets are SOCK_STREAM or SOCK_SEQPACKET (vsock datagrams exist on VMCI only, which no rule governs)",
                )),
            };
        }
        // Made only by `NetSocket::netlink`, `NetSocket::packet` and `NetSocket::can`, under
        // the guard's permit; never passed in.
        Family::Netlink | Family::Packet | Family::Can => {
            return Err(SocketError::os_msg(
                Errno::AFNOSUPPORT,
                "capsock: a netlink, packet or CAN socket cannot be passed in",
            ));
        }
        Family::Inet => "AF_INET",
        Family::Inet6 => "AF_INET6",
    };
    // The kernel's own check comes first, with its errno (`IPPROTO_MAX` is `IPPROTO_MPTCP + 1`).
    if !(0..=libc::IPPROTO_MPTCP).contains(&proto) {
        return Err(SocketError::os_msg(
            Errno::INVAL,
            format!(
                "IP protocol {proto} is out of range (0 to {})",
                libc::IPPROTO_MPTCP
            ),
        ));
    }
    let (ok, kind_name) = match kind {
        Kind::Stream => (
            matches!(proto, 0 | libc::IPPROTO_TCP | libc::IPPROTO_MPTCP),
            "SOCK_STREAM",
        ),
        Kind::Dgram => (
            matches!(proto, 0 | libc::IPPROTO_UDP) || ping_proto(family) == Some(proto),
            "SOCK_DGRAM",
        ),
        // Made only by `NetSocket::raw_ip`, under the guard's permit, with a protocol from 1 to
        // 254 (`raw_protocol`); never passed in.
        Kind::Raw => {
            return Err(SocketError::os_msg(
                Errno::SOCKTNOSUPPORT,
                format!(
                    "capsock: a SOCK_RAW {family_name} socket cannot be passed in (a guest makes its own under raw:// rules)"
                ),
            ));
        }
        Kind::Seqpacket => {
            return Err(SocketError::os_msg(
                Errno::SOCKTNOSUPPORT,
                format!(
                    "capsock: SOCK_SEQPACKET on {family_name} is not available: it is SCTP, which no rule governs (rules name tcp, udp and icmp)"
                ),
            ));
        }
    };
    match ok {
        true => Ok(()),
        false => Err(SocketError::os_msg(
            Errno::PROTONOSUPPORT,
            format!(
                "capsock: IP protocol {proto} on a {kind_name} {family_name} socket is not available: rules name tcp, udp and icmp only (protocol 0, IPPROTO_TCP or IPPROTO_MPTCP for SOCK_STREAM; 0, IPPROTO_UDP, or IPPROTO_ICMP (IPPROTO_ICMPV6 on AF_INET6) for SOCK_DGRAM)"
            ),
        )),
    }
}

/// Refuses a raw IP socket of a protocol no rule can govern: 0 (`IPPROTO_IP`, which Linux
/// makes a socket of no protocol) and 255 (`IPPROTO_RAW`, which writes its own IP header, so
/// its destination and source would be the guest's to forge).
fn raw_protocol(proto: i32) -> SocketResult<()> {
    match proto {
        1..=254 => Ok(()),
        libc::IPPROTO_RAW => Err(SocketError::os_msg(
            Errno::PROTONOSUPPORT,
            "capsock: IPPROTO_RAW is not available: it writes its own IP header (IP_HDRINCL), so its addresses would escape the rules; use the protocol the packets carry",
        )),
        _ => Err(SocketError::os_msg(
            Errno::PROTONOSUPPORT,
            format!(
                "capsock: a SOCK_RAW IP socket carries one IP protocol, from 1 to 254, not {proto}"
            ),
        )),
    }
}

/// `SOCK_CLOEXEC`, and `SOCK_NONBLOCK` when asked.
fn fd_flags(nonblock: bool) -> SocketFlags {
    match nonblock {
        true => SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
        false => SocketFlags::CLOEXEC,
    }
}

impl NetSocket {
    /// `socket(2)` with `SOCK_CLOEXEC`, and `SOCK_NONBLOCK` in non-blocking mode. An IP socket
    /// of a protocol no rule governs is refused first (`EPROTONOSUPPORT`; `ESOCKTNOSUPPORT`
    /// for `SOCK_SEQPACKET`), with a message saying so.
    pub fn new(family: Family, kind: Kind, proto: i32, mode: Mode) -> SocketResult<Self> {
        governed(family, kind, proto)?;
        NetSocket::socket((family, kind, proto), proto, mode)
    }

    /// `socket(2)` of `family` and `kind` with the protocol `wire` (`SOCK_CLOEXEC`, and
    /// `SOCK_NONBLOCK` in non-blocking mode), recorded with `facts`.
    fn socket(facts: (Family, Kind, i32), wire: i32, mode: Mode) -> SocketResult<Self> {
        let nonblock = mode == Mode::NonBlocking;
        let fd = rustix::net::socket_with(
            rustix_family(facts.0),
            rustix_type(facts.1),
            fd_flags(nonblock),
            rustix_proto(wire),
        )?;
        Ok(NetSocket::made(
            fd,
            FdState::new(nonblock),
            facts,
            mode,
            false,
        ))
    }

    /// A socket just made (or taken) with its facts; no peer, no confined name.
    fn made(
        fd: OwnedFd,
        state: FdState,
        (family, kind, proto): (Family, Kind, i32),
        mode: Mode,
        bound: bool,
    ) -> NetSocket {
        NetSocket {
            registration: None,
            fd: Arc::new(fd),
            state: Arc::new(state),
            family,
            kind,
            proto,
            mode,
            bound,
            peer: None,
            bound_as: None,
        }
    }

    /// `socketpair(2)` with `SOCK_CLOEXEC` (and `SOCK_NONBLOCK` in non-blocking mode). Linux
    /// offers it for `AF_UNIX` only, so for the IP families this returns the kernel's own
    /// `EOPNOTSUPP`.
    pub fn pair(family: Family, kind: Kind, proto: i32, mode: Mode) -> SocketResult<(Self, Self)> {
        let nonblock = mode == Mode::NonBlocking;
        let (a, b) = rustix::net::socketpair(
            rustix_family(family),
            rustix_type(kind),
            fd_flags(nonblock),
            rustix_proto(proto),
        )?;
        let make = |fd| {
            NetSocket::made(
                fd,
                FdState::new(nonblock),
                (family, kind, proto),
                mode,
                true,
            )
        };
        Ok((make(a), make(b)))
    }

    /// Takes a descriptor another process passed (`SCM_RIGHTS`) as a socket in `mode`:
    /// `fstat(2)` says whether it is a socket, `getsockopt(2)` `SO_DOMAIN`, `SO_TYPE` and
    /// `SO_PROTOCOL` which. Errors: `ENOTSOCK` for anything but a socket; `EAFNOSUPPORT` /
    /// `ESOCKTNOSUPPORT` for a family or type the net core does not implement (the descriptor
    /// is closed either way).
    ///
    /// The socket keeps what its sender gave it (its address, its connection); its open file
    /// description stays shared with the sender, so the host re-applies the mode on every call.
    pub fn adopt(fd: OwnedFd, mode: Mode) -> SocketResult<NetSocket> {
        let what = rustix::fs::FileType::from_raw_mode(rustix::fs::fstat(&fd)?.st_mode);
        if what != rustix::fs::FileType::Socket {
            return Err(SocketError::os_msg(
                Errno::NOTSOCK,
                format!("the passed descriptor is a {what:?}, not a socket"),
            ));
        }
        let family = match rustix::net::sockopt::socket_domain(&fd)? {
            AddressFamily::INET => Family::Inet,
            AddressFamily::INET6 => Family::Inet6,
            AddressFamily::UNIX => Family::Unix,
            AddressFamily::VSOCK => Family::Vsock,
            other => {
                return Err(SocketError::os_msg(
                    Errno::AFNOSUPPORT,
                    format!("the passed socket is of address family {}", other.as_raw()),
                ));
            }
        };
        let kind = match rustix::net::sockopt::socket_type(&fd)? {
            SocketType::STREAM => Kind::Stream,
            SocketType::DGRAM => Kind::Dgram,
            SocketType::SEQPACKET => Kind::Seqpacket,
            other => {
                return Err(SocketError::os_msg(
                    Errno::SOCKTNOSUPPORT,
                    format!("the passed socket is of type {}", other.as_raw()),
                ));
            }
        };
        let proto =
            rustix::net::sockopt::socket_protocol(&fd)?.map_or(0, |p| p.as_raw().get() as i32);
        governed(family, kind, proto)?;
        // An IP socket its sender never bound has port 0: a send or connect then binds it
        // implicitly, which the guard decides as for the guest's own sockets.
        let bound = match sockaddr::net_from_rustix(rustix::net::getsockname(&fd)?)? {
            NetAddr::Ip(addr) => addr.port() != 0,
            NetAddr::Vsock { port, .. } => port != u32::MAX,
            NetAddr::Unix(_) | NetAddr::Netlink { .. } | NetAddr::Packet(_) | NetAddr::Can(_) => {
                true
            }
        };
        // A datagram socket's connected peer was never decided here: every sender is (`made`
        // sets no peer).
        Ok(NetSocket::made(
            fd,
            FdState::received(),
            (family, kind, proto),
            mode,
            bound,
        ))
    }

    /// Whether the socket may be passed to another process (`SCM_RIGHTS`): not a netlink,
    /// packet, CAN, raw IP or ping socket, whose powers only the host's checks confine.
    /// Outside the host they would keep its privileges without them: the kernel checks a
    /// netlink request against the privileges of the socket's opener (a root host's would let
    /// anyone change the network), a raw or packet socket, made with the host's
    /// `CAP_NET_RAW`, could be bound or sent anywhere, and a ping socket was allowed by the
    /// host's group (`ping_group_range`). `EPERM` for those.
    pub fn passable(&self) -> SocketResult<()> {
        let what = match (self.family, self.kind) {
            (Family::Netlink, _) => "netlink",
            (Family::Packet, _) => "packet",
            (Family::Can, _) => "CAN",
            (Family::Inet | Family::Inet6, Kind::Raw) => "raw IP",
            _ if self.is_ping() => "ping",
            _ => return Ok(()),
        };
        Err(SocketError::os_msg(
            Errno::PERM,
            format!(
                "capsock: a {what} socket cannot be passed out: outside the host it would keep the host's privileges without the host's checks"
            ),
        ))
    }

    /// Marks the socket as passed out to another process (`SCM_RIGHTS`): from now on the
    /// host trusts nothing it last set on the shared description.
    pub fn share(&self) {
        self.state.share();
    }

    /// `socket(AF_NETLINK, kind, NETLINK_ROUTE)` under the guard's permit, `kind` being
    /// `SOCK_RAW` or `SOCK_DGRAM` (the same to netlink). Every datagram sent on it passes
    /// [`netlink::vet`].
    pub fn netlink(kind: Kind, permit: &Permit<NetlinkProto>, mode: Mode) -> SocketResult<Self> {
        let NetlinkProto::Route = permit.target();
        NetSocket::datagrams_of((Family::Netlink, kind, libc::NETLINK_ROUTE), mode)
    }

    /// `socket(2)` of a netlink or packet socket, `kind` being `SOCK_RAW` or `SOCK_DGRAM`, made
    /// with protocol 0 (netlink's is `NETLINK_ROUTE`, packet sockets get theirs at the bind)
    /// and recorded with `facts`.
    fn datagrams_of((family, kind, proto): (Family, Kind, i32), mode: Mode) -> SocketResult<Self> {
        if !matches!(kind, Kind::Raw | Kind::Dgram) {
            return Err(SocketError::os_msg(
                Errno::SOCKTNOSUPPORT,
                "a netlink or packet socket is SOCK_RAW or SOCK_DGRAM",
            ));
        }
        NetSocket::socket((family, kind, proto), 0, mode)
    }

    /// `socket(family, SOCK_RAW, proto)` of an IP family under the guard's permit: a raw IP
    /// socket carrying protocol `proto` (1 to 254; see `raw_protocol`). Every address it
    /// sends to, and every sender it hears, is decided as `raw://HOST:PROTO`.
    pub fn raw_ip(
        family: Family,
        proto: i32,
        _permit: &Permit<RawSocket>,
        mode: Mode,
    ) -> SocketResult<Self> {
        if !matches!(family, Family::Inet | Family::Inet6) {
            return Err(Errno::AFNOSUPPORT.into());
        }
        raw_protocol(proto)?;
        NetSocket::socket((family, Kind::Raw, proto), proto, mode)
    }

    /// `addr` as the guard decides it for this socket: on a raw IP socket, with the IP
    /// protocol it carries as its port (Linux ignores a raw IPv4 socket's port, and takes an
    /// IPv6 one's only when it is 0 or that protocol); unchanged on the others.
    pub fn as_decided(&self, mut addr: SocketAddr) -> SocketAddr {
        if let Some(port) = self.raw_port() {
            addr.set_port(port);
        }
        addr
    }

    /// The IP protocol of a raw IP socket, which the guard takes as the "port" of the
    /// addresses it sends to and hears from; `None` for every other socket.
    pub fn raw_port(&self) -> Option<u16> {
        (self.kind == Kind::Raw && self.is_ip()).then_some(self.proto as u16)
    }

    /// A packet or CAN socket (the permit says which) under the guard's permit: see
    /// [`NetSocket::packet`] and [`NetSocket::can`].
    pub fn link_socket(
        kind: Kind,
        proto: i32,
        permit: &Permit<LinkSocket>,
        mode: Mode,
    ) -> SocketResult<Self> {
        match permit.target() {
            LinkSocket(Link::Packet) => NetSocket::packet(kind, proto, mode),
            LinkSocket(Link::Can) => NetSocket::can(kind, proto, mode),
        }
    }

    /// `socket(AF_PACKET, kind, 0)`, `kind` being `SOCK_RAW` or `SOCK_DGRAM`. The socket is
    /// made with protocol 0, which hears nothing (with another protocol Linux would deliver
    /// every interface's frames at once); `proto` (network byte order, as `socket()` takes
    /// it) is what a bind that names no protocol then asks for, on the interface the guard
    /// allowed.
    fn packet(kind: Kind, proto: i32, mode: Mode) -> SocketResult<Self> {
        if !(0..=0xffff).contains(&proto) {
            return Err(SocketError::os_msg(
                Errno::INVAL,
                format!("a packet socket's protocol is 16 bits (htons(ETH_P_…)), not {proto}"),
            ));
        }
        NetSocket::datagrams_of((Family::Packet, kind, proto), mode)
    }

    /// `socket(AF_CAN, SOCK_RAW, CAN_RAW)`, which then hears nothing: a `CAN_RAW` socket hears every CAN interface from the moment it is made, until
    /// its filter is emptied (`CAN_RAW_FILTER` with no filter, done here at once); the bind the
    /// guard allows gives it back the filter that hears everything, on that interface only.
    /// Other CAN protocols are `EPROTONOSUPPORT`.
    fn can(kind: Kind, proto: i32, mode: Mode) -> SocketResult<Self> {
        if (kind, proto) != (Kind::Raw, libc::CAN_RAW) {
            return Err(SocketError::os_msg(
                Errno::PROTONOSUPPORT,
                format!(
                    "capsock: AF_CAN sockets are SOCK_RAW with CAN_RAW ({}), not {kind:?} with {proto}",
                    libc::CAN_RAW
                ),
            ));
        }
        let sock = NetSocket::socket((Family::Can, kind, proto), proto, mode)?;
        sockopt::set_can_filter(sock.fd(), false)?;
        Ok(sock)
    }

    /// The packet or CAN socket family of this socket.
    pub fn link(&self) -> Option<Link> {
        match self.family {
            Family::Packet => Some(Link::Packet),
            Family::Can => Some(Link::Can),
            _ => None,
        }
    }

    /// The index of the permitted interface (0 for `""`, every interface at once).
    fn link_ifindex(&self, permit: &Permit<Iface>) -> SocketResult<u32> {
        match permit.target().name.as_str() {
            "" => Ok(0),
            name => Ok(rustix::net::netdevice::name_to_index(&self.fd, name)?),
        }
    }

    /// `to` (a packet or CAN address) on the permitted interface, encoded.
    fn link_dest(
        &self,
        to: &NetAddr,
        permit: &Permit<Iface>,
    ) -> SocketResult<(libc::sockaddr_storage, libc::socklen_t)> {
        let ifindex = self.link_ifindex(permit)?;
        match (to, self.family) {
            (NetAddr::Packet(p), Family::Packet) => {
                sockaddr::encode_packet(p, ifindex, p.proto.to_be())
            }
            (NetAddr::Can(_), Family::Can) => Ok(sockaddr::encode_can(ifindex)),
            _ => Err(Errno::AFNOSUPPORT.into()),
        }
    }

    /// `bind(2)` of a packet or CAN socket to the permitted interface. A packet socket binds
    /// for `addr`'s protocol (host byte order; 0 is the protocol the socket was made with); a
    /// CAN socket then gets the filter that hears every frame (of that interface).
    pub fn bind_link(&mut self, addr: &NetAddr, permit: &Permit<Iface>) -> SocketResult<()> {
        let encoded = match addr {
            NetAddr::Packet(p) => {
                let proto_be = match p.proto {
                    0 => self.proto as u16,
                    proto => proto.to_be(),
                };
                sockaddr::encode_packet(p, self.link_ifindex(permit)?, proto_be)?
            }
            other => self.link_dest(other, permit)?,
        };
        rustix::net::bind(&self.fd, &sockaddr::to_rustix(encoded))?;
        if self.family == Family::Can {
            sockopt::set_can_filter(self.fd(), true)?;
        }
        self.bound = true;
        Ok(())
    }

    /// `sendto(2)` of a frame out of the permitted interface, to `to`.
    pub fn send_to_link(
        &mut self,
        data: &[u8],
        flags: i32,
        to: &NetAddr,
        permit: &Permit<Iface>,
        cancel: &Canceller,
    ) -> SocketResult<usize> {
        let dest = sockaddr::to_rustix(self.link_dest(to, permit)?);
        self.send_to_inner(data, flags, &dest, Some(permit), cancel)
    }

    /// The name of the interface a packet or CAN socket is bound to (`""`: none, or every
    /// one).
    pub fn bound_iface(&self) -> SocketResult<String> {
        let addr = sockaddr::net_from_rustix(rustix::net::getsockname(&self.fd)?)?;
        match addr.iface() {
            Some((_, 0)) => Ok(String::new()),
            Some((_, ifindex)) => Ok(rustix::net::netdevice::index_to_name(&self.fd, ifindex)?),
            None => Err(SocketError::os_msg(
                Errno::AFNOSUPPORT,
                format!("not a packet or CAN socket: {addr}"),
            )),
        }
    }

    /// `bind(2)` of a netlink socket to the permitted port id and groups.
    pub fn bind_netlink(&mut self, permit: &Permit<NetlinkLocal>) -> SocketResult<()> {
        let NetlinkLocal { pid, groups } = *permit.target();
        let addr = rustix::net::netlink::SocketAddrNetlink::new(pid, groups);
        rustix::net::bind(&self.fd, &addr)?;
        self.bound = true;
        Ok(())
    }

    /// `connect(2)` of a netlink socket to the kernel, the one peer the guard permits.
    pub fn connect_netlink(&mut self, _permit: &Permit<NetlinkKernel>) -> SocketResult<()> {
        let kernel = rustix::net::netlink::SocketAddrNetlink::new(0, 0);
        rustix::net::connect(&self.fd, &kernel)?;
        self.peer = Some(NetAddr::Netlink { pid: 0, groups: 0 });
        Ok(())
    }

    /// `sendto(2)` of a vetted datagram to the kernel.
    pub fn send_to_netlink(
        &mut self,
        data: &[u8],
        flags: i32,
        _permit: &Permit<NetlinkKernel>,
        cancel: &Canceller,
    ) -> SocketResult<usize> {
        let kernel = rustix::net::netlink::SocketAddrNetlink::new(0, 0);
        self.send_to_addr(data, flags, &kernel, cancel)
    }

    /// `bind(2)` of a vsock socket to the permitted context id and port.
    pub fn bind_vsock(&mut self, permit: &Permit<VsockEnd>) -> SocketResult<()> {
        let VsockEnd { cid, port } = *permit.target();
        let addr = sockaddr::to_rustix(sockaddr::encode_vsock(cid, port));
        rustix::net::bind(&self.fd, &addr)?;
        self.bound = true;
        Ok(())
    }

    /// `connect(2)` of a vsock socket to the permitted context id and port, waiting as
    /// [`NetSocket::connect`] does.
    pub fn connect_vsock(
        &mut self,
        permit: &Permit<VsockEnd>,
        cancel: &Canceller,
    ) -> SocketResult<()> {
        let VsockEnd { cid, port } = *permit.target();
        let addr = sockaddr::to_rustix(sockaddr::encode_vsock(cid, port));
        self.connect_to(&addr, NetAddr::Vsock { cid, port }, cancel)
    }

    /// What Linux answers a send with an address on a vsock socket, which sends on its
    /// connection only: `EISCONN` when connected, else `EOPNOTSUPP`. Nothing is sent.
    pub fn vsock_addressed_send(&self) -> SocketError {
        let errno = match rustix::net::getpeername(&self.fd) {
            Ok(_) => Errno::ISCONN,
            Err(_) => Errno::OPNOTSUPP,
        };
        SocketError::os_msg(
            errno,
            "an AF_VSOCK socket sends on its connection only (send, not sendto)",
        )
    }

    /// The one check every send passes: on a netlink socket, [`netlink::vet`]; on a packet or
    /// CAN socket, a permit for the interface the frame goes out of (the guard's decision of
    /// the socket's interface, or of the one a `sendto` names).
    fn vet_send(&self, data: &[u8], link: Option<&Permit<Iface>>) -> SocketResult<()> {
        match (self.family, link) {
            (Family::Netlink, _) => netlink::vet(data),
            (Family::Packet | Family::Can, None) => Err(SocketError::os_msg(
                Errno::ACCESS,
                "capsock: a frame on a packet or CAN socket goes out only under a send permit",
            )),
            _ => Ok(()),
        }
    }

    /// Registers the socket with `cancel`, which then shuts it down when it cancels: what
    /// wakes a call blocked on it. The glue does this for every socket a guest gets.
    pub fn register_with(&mut self, cancel: &Arc<Canceller>) {
        self.registration = Some(Registration::new(cancel, self.fd.as_fd()));
    }

    /// The fd, for readiness polling and socket options.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The address family.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The socket kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The protocol number given at creation (Python's `proto`: 0 unless one was named).
    pub fn proto(&self) -> i32 {
        self.proto
    }

    /// The blocking mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Sets the blocking mode (Python's `settimeout` / `setblocking`). No system call: the next
    /// operation readies the fd for the mode (`O_NONBLOCK`, kernel timeouts) if it must.
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    /// Whether received datagrams must be shown to the guard: on every datagram socket,
    /// connected or not. A connected socket's queue can still hold datagrams from anyone that
    /// arrived before the connect (the kernel keeps them; even a connect on an unbound socket
    /// binds its port a moment before it sets the peer), so only the peer it connected to (its
    /// datagrams need no new decision) passes without one.
    pub fn filters_sources(&self) -> bool {
        // A packet or CAN socket hears only the interface a bind rule allowed (nothing before
        // that bind: made with protocol 0, or with an empty filter); a raw IP socket hears
        // every host that sends its protocol.
        match self.family {
            Family::Netlink => true,
            Family::Packet | Family::Can => false,
            _ => matches!(self.kind, Kind::Dgram | Kind::Raw),
        }
    }

    /// Whether a connect or sendto on this socket would first bind it implicitly.
    pub fn needs_implicit_bind(&self) -> bool {
        !self.bound
    }

    /// Whether this is an IP socket (`AF_INET` or `AF_INET6`).
    pub fn is_ip(&self) -> bool {
        matches!(self.family, Family::Inet | Family::Inet6)
    }

    /// Whether this is an IPv6 socket.
    pub fn is_v6(&self) -> bool {
        self.family == Family::Inet6
    }

    /// The protocol the policy knows an IP socket by (`SOCK_SEQPACKET`, which IP sockets
    /// cannot be, counts with the connection-based one).
    pub fn proto_kind(&self) -> Proto {
        match self.kind {
            Kind::Stream | Kind::Seqpacket => Proto::Tcp,
            Kind::Dgram if self.is_ping() => Proto::Icmp,
            Kind::Raw if self.is_ip() => Proto::Raw,
            // Netlink and packet sockets are datagram sockets that no IP rule names.
            Kind::Dgram | Kind::Raw => Proto::Udp,
        }
    }

    /// Whether this is an ICMP echo ("ping") socket.
    pub fn is_ping(&self) -> bool {
        self.kind == Kind::Dgram && ping_proto(self.family) == Some(self.proto)
    }

    /// Whether the socket is dual-stack: IPv6 with `IPV6_V6ONLY` off (`getsockopt(2)`), so that
    /// binding `[::]` binds IPv4's wildcard too. An answer the kernel refuses counts as
    /// dual-stack, which decides more strictly.
    pub fn dual_stack(&self) -> bool {
        self.family == Family::Inet6
            && !rustix::net::sockopt::ipv6_v6only(&self.fd).unwrap_or(false)
    }

    /// `bind(2)` to the permitted address.
    pub fn bind(&mut self, permit: &Permit<SocketAddr>) -> SocketResult<()> {
        rustix::net::bind(&self.fd, permit.target())?;
        self.bound = true;
        Ok(())
    }

    /// `listen(2)`, once the guard decided the implicit bind it does on an unbound socket. Like
    /// CPython, a negative backlog is taken as 0.
    pub fn listen(&mut self, backlog: i32, _permit: &Permit<Listen>) -> SocketResult<()> {
        rustix::net::listen(&self.fd, backlog.max(0))?;
        self.bound = true;
        Ok(())
    }

    /// `connect(2)`, then, when it is in progress, a wait for writability bounded by the mode
    /// and `getsockopt(SO_ERROR)` for the outcome (CPython's `internal_connect`). In
    /// non-blocking mode an in-progress connect is `EINPROGRESS`, as in Python.
    pub fn connect(&mut self, permit: &Permit<SocketAddr>, cancel: &Canceller) -> SocketResult<()> {
        let addr = permit.target();
        self.connect_to(addr, NetAddr::Ip(*addr), cancel)
    }

    /// The `connect(2)` of [`NetSocket::connect`] and [`NetSocket::connect_unix`]; `peer` is
    /// what a datagram or seqpacket socket hears from once connected.
    fn connect_to(
        &mut self,
        addr: &impl rustix::net::addr::SocketAddrArg,
        peer: NetAddr,
        cancel: &Canceller,
    ) -> SocketResult<()> {
        let fd = self.fd.as_fd();
        // A datagram socket's peer is known again only once the connect succeeded.
        self.peer = None;
        let mut deadline = Deadline::new(self.mode);
        deadline.prepare(fd, &self.state, Dir::Send)?;
        let result = match deadline.waits() {
            true => cancel.blocking(|| rustix::net::connect(fd, addr))?,
            false => rustix::net::connect(fd, addr),
        };
        // An AF_UNIX stream connect to a listener whose queue is full is EAGAIN (at once, or
        // when the kernel's timeout ran out): in blocking and timeout mode the host waits, as
        // Linux does for a blocking one. On IP, EAGAIN means no local port: the guest's answer.
        let unix_full = |e: Errno| e == Errno::AGAIN && self.family == Family::Unix;
        match result {
            Ok(()) => {}
            // Still in progress: non-blocking mode says so; otherwise the kernel's timeout ran
            // out or a signal came, and the host waits for the outcome (CPython's way).
            Err(e) if e == Errno::INPROGRESS || e == Errno::INTR || unix_full(e) => {
                self.bound = true;
                if !deadline.waits() {
                    let answer = if unix_full(e) { e } else { Errno::INPROGRESS };
                    return Err(answer.into());
                }
                deadline.wait(fd, Dir::Send, cancel)?;
                if let Some(e) = sockopt::socket_error(fd)? {
                    return Err(e.into());
                }
            }
            Err(e) => return Err(e.into()),
        }
        self.bound = true;
        if self.kind != Kind::Stream {
            self.peer = Some(peer);
        }
        Ok(())
    }

    /// Whether `from` is the peer this datagram socket connected to (the guard decided it at
    /// the connect): an IP peer compared by address and port, as the kernel reports the
    /// sender; an `AF_UNIX` one by the path or name the kernel reports for it.
    fn is_peer(&self, from: &NetAddr) -> bool {
        match (&self.peer, from) {
            (Some(NetAddr::Ip(p)), NetAddr::Ip(from)) => {
                p.ip().to_canonical() == from.ip().to_canonical() && p.port() == from.port()
            }
            (Some(NetAddr::Unix(p)), NetAddr::Unix(from)) => p == from,
            _ => false,
        }
    }

    /// `bind(2)` to a permitted `AF_UNIX` address: a confined path (through
    /// `/proc/self/fd/N/NAME`, which `getsockname` then shows as the guest's path) or an
    /// abstract name.
    pub fn bind_unix(&mut self, permit: &Permit<UnixDest>) -> SocketResult<()> {
        let dest = permit.target();
        rustix::net::bind(&self.fd, &dest.rustix_addr()?)?;
        self.bound = true;
        if matches!(dest.guest, UnixAddr::Path(_)) {
            self.bound_as = Some(Arc::new((dest.sun_path.clone(), dest.guest.clone())));
        }
        Ok(())
    }

    /// `connect(2)` to a permitted `AF_UNIX` address, waiting as the mode says (a stream
    /// connect to a listener whose queue is full blocks, as on Linux).
    pub fn connect_unix(
        &mut self,
        permit: &Permit<UnixDest>,
        cancel: &Canceller,
    ) -> SocketResult<()> {
        let dest = permit.target();
        self.connect_to(
            &dest.rustix_addr()?,
            NetAddr::Unix(dest.guest.clone()),
            cancel,
        )
    }

    /// `sendto(2)` with `MSG_NOSIGNAL` to a permitted `AF_UNIX` address.
    pub fn send_to_unix(
        &mut self,
        data: &[u8],
        flags: i32,
        permit: &Permit<UnixDest>,
        cancel: &Canceller,
    ) -> SocketResult<usize> {
        self.send_to_addr(data, flags, &permit.target().rustix_addr()?, cancel)
    }

    /// An address the kernel reported for this socket, as the guest knows it: a path this
    /// socket was bound to through `/proc/self/fd/N/NAME` is the path the guest named; a
    /// packet or CAN address names its interface.
    fn as_guest_knows(&self, addr: NetAddr) -> NetAddr {
        if let Some((_, ifindex)) = addr.iface() {
            // As CPython: the interface's name by `SIOCGIFNAME`, `''` if it has none (gone).
            let name = match ifindex {
                0 => String::new(),
                i => rustix::net::netdevice::index_to_name(&self.fd, i).unwrap_or_default(),
            };
            return addr.with_ifname(name);
        }
        match (&addr, &self.bound_as) {
            (NetAddr::Unix(UnixAddr::Path(p)), Some(bound)) if *p == bound.0 => {
                NetAddr::Unix(bound.1.clone())
            }
            _ => addr,
        }
    }

    /// `accept4(2)` with `SOCK_CLOEXEC` (and `SOCK_NONBLOCK` when the new socket's mode is
    /// non-blocking), waiting as the listener's mode says. Each peer is shown to `admit` first;
    /// a peer it refuses is reset (`SO_LINGER` 0, then `close(2)`) and never returned, and the
    /// wait goes on within the same deadline.
    pub fn accept(
        &self,
        new_mode: Mode,
        cancel: &Canceller,
        mut admit: impl FnMut(&NetAddr) -> bool,
    ) -> SocketResult<(NetSocket, NetAddr)> {
        let mut deadline = Deadline::new(self.mode);
        let nonblock = new_mode == Mode::NonBlocking;
        loop {
            let accepted = self.io(Dir::Recv, false, &mut deadline, cancel, |fd| {
                Ok(rustix::net::acceptfrom_with(fd, fd_flags(nonblock))?)
            });
            match accepted {
                Ok((fd, peer)) => {
                    let peer = match peer {
                        Some(p) => sockaddr::net_from_rustix(p)?,
                        None => NetAddr::Unix(UnixAddr::Unnamed),
                    };
                    if !admit(&peer) {
                        // Reset rather than close politely: the peer learns nothing more.
                        let _ = rustix::net::sockopt::set_socket_linger(&fd, Some(Duration::ZERO));
                        drop(fd);
                        continue;
                    }
                    let sock = NetSocket {
                        registration: None,
                        fd: Arc::new(fd),
                        state: Arc::new(FdState::accepted(&self.state, nonblock)),
                        family: self.family,
                        kind: self.kind,
                        proto: self.proto,
                        mode: new_mode,
                        bound: true,
                        peer: None,
                        bound_as: self.bound_as.clone(),
                    };
                    return Ok((sock, peer));
                }
                Err(SocketError::Os(Errno::CONNABORTED, None)) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Runs one receive-like or send-like system call as the mode says (CPython's
    /// `sock_call`): in blocking and timeout mode it sleeps in the kernel, where the host can
    /// cancel it; `EINTR` is retried with the time that remains (PEP 475). A call with
    /// `MSG_DONTWAIT` (`dontwait`) never waits, whatever the mode.
    fn io<T>(
        &self,
        dir: Dir,
        dontwait: bool,
        deadline: &mut Deadline,
        cancel: &Canceller,
        mut op: impl FnMut(BorrowedFd<'_>) -> SocketResult<T>,
    ) -> SocketResult<T> {
        let fd = self.fd.as_fd();
        if dir == Dir::ErrQueue {
            return self.io_errqueue(dontwait, deadline, cancel, op);
        }
        loop {
            let result = if dontwait {
                op(fd)
            } else {
                deadline.prepare(fd, &self.state, dir)?;
                match self.mode {
                    Mode::NonBlocking => op(fd),
                    Mode::Blocking | Mode::Timeout(_) => cancel.blocking(|| op(fd))?,
                }
            };
            match result {
                Err(SocketError::Os(Errno::INTR, None)) => continue,
                Err(SocketError::Os(Errno::AGAIN, None)) if !dontwait => match self.mode {
                    Mode::NonBlocking => return Err(Errno::AGAIN.into()),
                    // The kernel's timeout ran out: `prepare` reports the timeout, or sets
                    // what is left if the kernel woke early.
                    Mode::Timeout(_) => continue,
                    // Only if the fd was made non-blocking behind the host's back.
                    Mode::Blocking => {
                        deadline.wait(fd, dir, cancel)?;
                    }
                },
                other => return other,
            }
        }
    }

    /// A read of the error queue (`MSG_ERRQUEUE`), which the kernel never blocks on: an empty
    /// queue is `EAGAIN` at once, in every mode, as in CPython's blocking mode. In timeout
    /// mode the host waits, as CPython does, until the kernel reports an error (`POLLERR`) or
    /// the deadline passes; a report that leaves the queue empty (a pending `SO_ERROR`) makes
    /// the next waits pauses that double up to 100 ms, so the wait never spins the CPU.
    fn io_errqueue<T>(
        &self,
        dontwait: bool,
        deadline: &mut Deadline,
        cancel: &Canceller,
        mut op: impl FnMut(BorrowedFd<'_>) -> SocketResult<T>,
    ) -> SocketResult<T> {
        let fd = self.fd.as_fd();
        let mut empty_reports = 0u32;
        loop {
            match op(fd) {
                Err(SocketError::Os(Errno::INTR, None)) => continue,
                Err(SocketError::Os(Errno::AGAIN, None))
                    if !dontwait && matches!(self.mode, Mode::Timeout(_)) =>
                {
                    if empty_reports > 0 {
                        let pause = Duration::from_millis(1 << empty_reports.min(7))
                            .min(Duration::from_millis(100));
                        deadline.pause(pause, cancel)?;
                    }
                    deadline.wait_events(fd, rustix::event::PollFlags::empty(), cancel)?;
                    empty_reports += 1;
                }
                other => return other,
            }
        }
    }

    /// `recv(2)` of at most `bufsize` bytes (capped at [`MAX_RECV`]) into `buf`, which is
    /// cleared first. With `MSG_WAITALL` in blocking mode the host keeps receiving until
    /// `bufsize` bytes, end of stream, or an error after some data (the kernel does that for a
    /// blocking fd; the loop covers a call a signal cut short).
    pub fn recv(
        &self,
        buf: &mut Vec<u8>,
        bufsize: u64,
        flags: i32,
        cancel: &Canceller,
    ) -> SocketResult<()> {
        let rflags = recv_flags(flags)?;
        let want = usize::try_from(bufsize).unwrap_or(usize::MAX).min(MAX_RECV);
        buf.clear();
        buf.reserve(want);
        let dontwait = rflags.contains(RecvFlags::DONTWAIT);
        let waitall = rflags.contains(RecvFlags::WAITALL)
            && self.mode == Mode::Blocking
            && self.kind == Kind::Stream;
        let mut deadline = Deadline::new(self.mode);
        loop {
            let room = want - buf.len();
            let spare = &mut buf.spare_capacity_mut()[..room];
            let got = self.io(Dir::Recv, dontwait, &mut deadline, cancel, |fd| {
                Ok(rustix::net::recv(fd, &mut *spare, rflags).map(|((init, _), _)| init.len())?)
            });
            let n = match got {
                Ok(n) => n,
                Err(e) if buf.is_empty() || !waitall => return Err(e),
                Err(_) => return Ok(()),
            };
            // SAFETY: `recv` initialised the first `n` bytes of the spare capacity.
            unsafe { buf.set_len(buf.len() + n) };
            if !waitall || n == 0 || buf.len() == want {
                return Ok(());
            }
        }
    }

    /// `recvfrom(2)`: like [`NetSocket::recv`], and the sender's address when the kernel
    /// reports one (`None` on a connected stream). Each sender is shown to `admit` first; a
    /// datagram it refuses is dropped (taken off the queue even under `MSG_PEEK`) and the wait
    /// goes on within the same deadline.
    pub fn recv_from(
        &self,
        buf: &mut Vec<u8>,
        bufsize: u64,
        flags: i32,
        cancel: &Canceller,
        admit: &mut dyn FnMut(&NetAddr) -> bool,
    ) -> SocketResult<Option<NetAddr>> {
        let rflags = recv_flags(flags)?;
        let want = usize::try_from(bufsize).unwrap_or(usize::MAX).min(MAX_RECV);
        let mut deadline = Deadline::new(self.mode);
        loop {
            buf.clear();
            buf.reserve(want);
            let spare = &mut buf.spare_capacity_mut()[..want];
            let (n, addr) = self.io(
                Dir::recv(rflags.contains(RecvFlags::ERRQUEUE)),
                rflags.contains(RecvFlags::DONTWAIT),
                &mut deadline,
                cancel,
                |fd| {
                    Ok(rustix::net::recvfrom(fd, &mut *spare, rflags)
                        .map(|((init, _), _, a)| (init.len(), a))?)
                },
            )?;
            // SAFETY: `recvfrom` initialised the first `n` bytes of the spare capacity.
            unsafe { buf.set_len(n) };
            let addr = match (addr, self.family) {
                (None, _) => None,
                (
                    Some(a),
                    Family::Unix | Family::Netlink | Family::Vsock | Family::Packet | Family::Can,
                ) => Some(sockaddr::net_from_rustix(a)?),
                (Some(a), _) => Some(NetAddr::Ip(sockaddr::from_rustix(a)?)),
            };
            match addr {
                Some(from) if !self.is_peer(&from) && !admit(&from) => self.drop_peeked(rflags),
                other => return Ok(other.map(|a| self.as_guest_knows(a))),
            }
        }
    }

    /// After a refused datagram was received with `MSG_PEEK`, takes it off the normal queue
    /// (`recv(2)` into an empty buffer discards one), without waiting. The error queue needs
    /// nothing: Linux ignores `MSG_PEEK` there, so a read of it always dequeued its entry, and
    /// a `recv(2)` here would drop the next one (or a normal datagram).
    fn drop_peeked(&self, flags: RecvFlags) {
        if flags.contains(RecvFlags::PEEK) && !flags.contains(RecvFlags::ERRQUEUE) {
            let _ = rustix::net::recv(&self.fd, &mut [0u8; 0][..], RecvFlags::DONTWAIT);
        }
    }

    /// `send(2)` with `MSG_NOSIGNAL`: one call, returns how many bytes went.
    pub fn send(&self, data: &[u8], flags: i32, cancel: &Canceller) -> SocketResult<usize> {
        self.send_inner(data, flags, None, cancel)
    }

    /// [`NetSocket::send`] (`all`: [`NetSocket::sendall`]) of a frame on a packet or CAN
    /// socket, out of the interface it is bound to, which the guard allowed.
    pub fn send_link(
        &self,
        data: &[u8],
        flags: i32,
        all: bool,
        permit: &Permit<Iface>,
        cancel: &Canceller,
    ) -> SocketResult<usize> {
        match all {
            true => self
                .sendall_inner(data, flags, Some(permit), cancel)
                .map(|()| data.len()),
            false => self.send_inner(data, flags, Some(permit), cancel),
        }
    }

    fn send_inner(
        &self,
        data: &[u8],
        flags: i32,
        link: Option<&Permit<Iface>>,
        cancel: &Canceller,
    ) -> SocketResult<usize> {
        let sflags = send_flags(flags)?;
        self.vet_send(data, link)?;
        let mut deadline = Deadline::new(self.mode);
        self.io(
            Dir::Send,
            sflags.contains(SendFlags::DONTWAIT),
            &mut deadline,
            cancel,
            |fd| Ok(rustix::net::send(fd, data, sflags)?),
        )
    }

    /// Python's `sendall`: `send(2)` until everything went. The mode's timeout bounds the whole
    /// call, not each send (Python ≥ 3.5).
    pub fn sendall(&self, data: &[u8], flags: i32, cancel: &Canceller) -> SocketResult<()> {
        self.sendall_inner(data, flags, None, cancel)
    }

    fn sendall_inner(
        &self,
        data: &[u8],
        flags: i32,
        link: Option<&Permit<Iface>>,
        cancel: &Canceller,
    ) -> SocketResult<()> {
        let sflags = send_flags(flags)?;
        self.vet_send(data, link)?;
        let dontwait = sflags.contains(SendFlags::DONTWAIT);
        let mut deadline = Deadline::new(self.mode);
        let mut rest = data;
        while !rest.is_empty() {
            let n = self.io(Dir::Send, dontwait, &mut deadline, cancel, |fd| {
                Ok(rustix::net::send(fd, rest, sflags)?)
            })?;
            rest = &rest[n..];
        }
        Ok(())
    }

    /// `sendto(2)` with `MSG_NOSIGNAL`.
    pub fn send_to(
        &mut self,
        data: &[u8],
        flags: i32,
        permit: &Permit<SocketAddr>,
        cancel: &Canceller,
    ) -> SocketResult<usize> {
        self.send_to_addr(data, flags, permit.target(), cancel)
    }

    /// The `sendto(2)` of [`NetSocket::send_to`] and [`NetSocket::send_to_unix`].
    fn send_to_addr(
        &mut self,
        data: &[u8],
        flags: i32,
        addr: &impl rustix::net::addr::SocketAddrArg,
        cancel: &Canceller,
    ) -> SocketResult<usize> {
        self.send_to_inner(data, flags, addr, None, cancel)
    }

    fn send_to_inner(
        &mut self,
        data: &[u8],
        flags: i32,
        addr: &impl rustix::net::addr::SocketAddrArg,
        link: Option<&Permit<Iface>>,
        cancel: &Canceller,
    ) -> SocketResult<usize> {
        let sflags = send_flags(flags)?;
        self.vet_send(data, link)?;
        let mut deadline = Deadline::new(self.mode);
        let n = self.io(
            Dir::Send,
            sflags.contains(SendFlags::DONTWAIT),
            &mut deadline,
            cancel,
            |fd| Ok(rustix::net::sendto(fd, data, sflags, addr)?),
        )?;
        self.bound = true;
        Ok(n)
    }

    /// `recvmsg(2)`, waiting as the mode says; senders are shown to `admit` as in
    /// [`NetSocket::recv_from`].
    pub fn recvmsg(
        &self,
        bufsize: u64,
        ancbufsize: u64,
        flags: i32,
        cancel: &Canceller,
        admit: &mut dyn FnMut(&NetAddr) -> bool,
    ) -> SocketResult<msg::Received> {
        let bufsize = usize::try_from(bufsize).unwrap_or(usize::MAX);
        let ancbufsize = usize::try_from(ancbufsize).unwrap_or(usize::MAX);
        let rflags = recv_flags(flags)?;
        let dontwait = rflags.contains(RecvFlags::DONTWAIT);
        let dir = Dir::recv(rflags.contains(RecvFlags::ERRQUEUE));
        let mut deadline = Deadline::new(self.mode);
        loop {
            let got = self.io(dir, dontwait, &mut deadline, cancel, |fd| {
                msg::recvmsg(fd, bufsize, ancbufsize, flags)
            })?;
            match got.address {
                Some(from) if !self.is_peer(&from) && !admit(&from) => self.drop_peeked(rflags),
                _ => {
                    let address = got.address.map(|a| self.as_guest_knows(a));
                    return Ok(msg::Received { address, ..got });
                }
            }
        }
    }

    /// `sendmsg(2)`, waiting as the mode says.
    pub fn sendmsg(
        &mut self,
        buffers: &[&[u8]],
        ancillary: &[msg::SendItem<'_>],
        flags: i32,
        permit: Option<SendPermit<'_>>,
        cancel: &Canceller,
    ) -> SocketResult<usize> {
        if self.link().is_some() {
            let link = match permit {
                Some(SendPermit::Link { permit, .. } | SendPermit::LinkBound(permit)) => {
                    Some(permit)
                }
                _ => None,
            };
            self.vet_send(&[], link)?;
        }
        if self.family == Family::Netlink {
            // One datagram: the buffers together are what the kernel reads.
            netlink::vet(&buffers.concat())?;
            if !ancillary.is_empty() {
                return Err(SocketError::os_msg(
                    Errno::INVAL,
                    "netlink: a guest sends no ancillary data on a netlink socket",
                ));
            }
        }
        let dest = match permit {
            None | Some(SendPermit::LinkBound(_)) => None,
            Some(SendPermit::Ip(p)) => Some(msg::MsgDest::Ip(*p.target())),
            Some(SendPermit::Unix(p)) => Some(msg::MsgDest::Unix(&p.target().sun_path)),
            Some(SendPermit::Netlink(p)) => {
                let NetlinkKernel = p.target();
                Some(msg::MsgDest::NetlinkKernel)
            }
            Some(SendPermit::Link { permit, to }) => {
                let (storage, len) = self.link_dest(to, permit)?;
                Some(msg::MsgDest::Encoded(storage, len))
            }
        };
        let dontwait = flags & libc::MSG_DONTWAIT != 0;
        let mut deadline = Deadline::new(self.mode);
        let family = self.family;
        let n = self.io(Dir::Send, dontwait, &mut deadline, cancel, |fd| {
            msg::sendmsg(fd, family, buffers, ancillary, flags, dest)
        })?;
        if dest.is_some() {
            self.bound = true;
        }
        Ok(n)
    }

    /// `shutdown(2)`: `how` is `SHUT_RD` (0), `SHUT_WR` (1) or `SHUT_RDWR` (2); anything else is
    /// `EINVAL`, as the kernel says.
    pub fn shutdown(&self, how: i32) -> SocketResult<()> {
        use rustix::net::Shutdown;
        let how = match how {
            libc::SHUT_RD => Shutdown::Read,
            libc::SHUT_WR => Shutdown::Write,
            libc::SHUT_RDWR => Shutdown::Both,
            _ => return Err(Errno::INVAL.into()),
        };
        rustix::net::shutdown(&self.fd, how)?;
        Ok(())
    }

    /// `fcntl(F_DUPFD_CLOEXEC)`: a second socket on the same open file description, with a copy
    /// of this one's state.
    pub fn dup(&self) -> SocketResult<NetSocket> {
        let fd = rustix::io::fcntl_dupfd_cloexec(&self.fd, 0)?;
        Ok(NetSocket {
            registration: None,
            fd: Arc::new(fd),
            state: Arc::clone(&self.state),
            family: self.family,
            kind: self.kind,
            proto: self.proto,
            mode: self.mode,
            bound: self.bound,
            peer: self.peer.clone(),
            bound_as: self.bound_as.clone(),
        })
    }

    /// `getsockname(2)`.
    pub fn getsockname(&self) -> SocketResult<NetAddr> {
        let addr = sockaddr::net_from_rustix(rustix::net::getsockname(&self.fd)?)?;
        Ok(self.as_guest_knows(addr))
    }

    /// `getpeername(2)`: an unnamed `AF_UNIX` peer (a `socketpair` end, a client that did not
    /// bind) is [`UnixAddr::Unnamed`].
    pub fn getpeername(&self) -> SocketResult<NetAddr> {
        match rustix::net::getpeername(&self.fd)? {
            Some(addr) => sockaddr::net_from_rustix(addr),
            None if self.family == Family::Unix => Ok(NetAddr::Unix(UnixAddr::Unnamed)),
            None => Err(Errno::NOTCONN.into()),
        }
    }
}

/// The permit for a `sendmsg(2)` that names its destination.
#[derive(Clone, Copy, Debug)]
pub enum SendPermit<'a> {
    /// To an IP address.
    Ip(&'a Permit<SocketAddr>),
    /// To an `AF_UNIX` address.
    Unix(&'a Permit<UnixDest>),
    /// To the kernel, on a netlink socket.
    Netlink(&'a Permit<NetlinkKernel>),
    /// A frame to `to`, out of the interface it names, on a packet or CAN socket.
    Link {
        /// The guard's decision of the interface.
        permit: &'a Permit<Iface>,
        /// The destination (a packet or CAN address).
        to: &'a NetAddr,
    },
    /// A frame out of the interface a packet or CAN socket is bound to (no address).
    LinkBound(&'a Permit<Iface>),
}
