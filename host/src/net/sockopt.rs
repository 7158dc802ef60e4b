//! The vetted socket-option table: the only `getsockopt(2)` / `setsockopt(2)` options a guest
//! can reach.
//!
//! Guests call Python's `getsockopt(level, name)` (int form), `getsockopt(level, name, buflen)`
//! (bytes form) and `setsockopt(level, name, value)` with an int, bytes, or `(None, optlen)`.
//! Every call is looked up in [`TABLE`] first; an option that is not there is refused with
//! `ENOPROTOOPT` and never reaches the kernel. An option that is there is handed to the kernel
//! with a host-owned buffer whose length the table allows, exactly as CPython does it, and the
//! kernel's own answer (value or errno) is returned: the table decides *what* is reachable, the
//! kernel decides what each option means on this socket (e.g. `TCP_NODELAY` on a UDP socket is
//! `EOPNOTSUPP` for get and `ENOPROTOOPT` for set, as on Linux with CPython).
//!
//! `SO_RCVTIMEO` / `SO_SNDTIMEO` are deliberately absent: the host owns blocking (its fds are
//! non-blocking and it waits with `poll(2)`), so the guest uses `settimeout()` instead.

use std::mem::size_of;
use std::os::fd::{AsRawFd, BorrowedFd};

use rustix::io::Errno;

use crate::error::{SocketError, SocketResult};
use crate::net::sys;
use crate::net::types::{Family, Kind};

/// A `setsockopt` value, in the three forms Python accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptionValue {
    /// `setsockopt(level, name, int)`: passed as a C `int` (4 bytes, native byte order).
    Int(i32),
    /// `setsockopt(level, name, bytes)`: passed as-is, if the table allows its length.
    Bytes(Vec<u8>),
    /// `setsockopt(level, name, None, optlen)`: a NULL value of `optlen` bytes. No option in the
    /// table accepts it, so it is always `EINVAL`.
    None(u32),
}

/// The largest `buflen` of the bytes form of `getsockopt` (CPython's limit, inclusive).
pub const MAX_GETSOCKOPT_BUFLEN: u32 = 1024;

/// Who may do what with an option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    /// `getsockopt` only (setting it is `ENOPROTOOPT`, as the kernel says for these).
    Get,
    /// `setsockopt` only (reading it is `ENOPROTOOPT`, as the kernel says for these).
    Set,
    /// Both.
    Both,
}

/// The value an option carries, which fixes the lengths `setsockopt` may pass.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// A C `int`: 4 bytes.
    Int,
    /// A C `int` that the kernel's `IPPROTO_IP` code also accepts as a single byte (Linux
    /// `do_ip_setsockopt` reads a `u8` when `optlen < sizeof(int)`): 1 or 4 bytes.
    IntOrByte,
    /// A C struct; `setsockopt` passes exactly one of these lengths.
    Struct(&'static [usize]),
}

impl Shape {
    /// The byte lengths `setsockopt` may pass for this shape.
    fn set_lengths(self) -> &'static [usize] {
        match self {
            Shape::Int => &[INT],
            Shape::IntOrByte => &[1, INT],
            Shape::Struct(lengths) => lengths,
        }
    }
}

/// Which sockets an option means something on. Not enforced by us (the kernel answers, so the
/// errno is Linux's own); used to explain the kernel's refusal in the error message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Applies {
    /// Every socket the net core makes.
    Any,
    /// `SOCK_STREAM` (TCP) sockets.
    Stream,
    /// `AF_INET6` sockets (Linux lets `AF_INET6` sockets use `IP_*` options too, for the IPv4
    /// side of a dual-stack socket, but not the other way round).
    Inet6,
    /// `AF_UNIX` sockets (Linux answers `EOPNOTSUPP` elsewhere).
    Unix,
}

/// One vetted option.
#[derive(Debug)]
struct Opt {
    level: i32,
    name: i32,
    /// The C name, for messages.
    label: &'static str,
    shape: Shape,
    access: Access,
    applies: Applies,
}

const INT: usize = size_of::<libc::c_int>();
/// `struct linger` (8 bytes).
const LINGER: usize = size_of::<libc::linger>();
/// `struct ucred` (12 bytes).
const UCRED: usize = size_of::<libc::ucred>();
/// `struct in_addr` (4 bytes).
const IN_ADDR: usize = size_of::<libc::in_addr>();
/// `struct ip_mreq` (8 bytes).
const IP_MREQ: usize = size_of::<libc::ip_mreq>();
/// `struct ip_mreqn` (12 bytes).
const IP_MREQN: usize = size_of::<libc::ip_mreqn>();
/// `struct ipv6_mreq` (20 bytes).
const IPV6_MREQ: usize = size_of::<libc::ipv6_mreq>();

const fn opt(
    level: i32,
    name: i32,
    label: &'static str,
    shape: Shape,
    access: Access,
    applies: Applies,
) -> Opt {
    Opt {
        level,
        name,
        label,
        shape,
        access,
        applies,
    }
}

use Access::{Both, Get, Set};
use Applies::{Any, Inet6, Stream, Unix};
use Shape::{Int, IntOrByte, Struct};

const SOL: i32 = libc::SOL_SOCKET;
const TCP: i32 = libc::IPPROTO_TCP;
const IP: i32 = libc::IPPROTO_IP;
const IP6: i32 = libc::IPPROTO_IPV6;

/// Every option a guest can reach. One place to read what is allowed: anything absent is
/// `ENOPROTOOPT` without a syscall.
#[rustfmt::skip]
const TABLE: &[Opt] = &[
    // SOL_SOCKET
    opt(SOL, libc::SO_REUSEADDR, "SO_REUSEADDR", Int, Both, Any),
    opt(SOL, libc::SO_REUSEPORT, "SO_REUSEPORT", Int, Both, Any),
    opt(SOL, libc::SO_KEEPALIVE, "SO_KEEPALIVE", Int, Both, Any),
    opt(SOL, libc::SO_BROADCAST, "SO_BROADCAST", Int, Both, Any),
    opt(SOL, libc::SO_LINGER, "SO_LINGER", Struct(&[LINGER]), Both, Any),
    opt(SOL, libc::SO_RCVBUF, "SO_RCVBUF", Int, Both, Any),
    opt(SOL, libc::SO_SNDBUF, "SO_SNDBUF", Int, Both, Any),
    opt(SOL, libc::SO_ERROR, "SO_ERROR", Int, Get, Any),
    opt(SOL, libc::SO_TYPE, "SO_TYPE", Int, Get, Any),
    opt(SOL, libc::SO_DOMAIN, "SO_DOMAIN", Int, Get, Any),
    opt(SOL, libc::SO_PROTOCOL, "SO_PROTOCOL", Int, Get, Any),
    opt(SOL, libc::SO_ACCEPTCONN, "SO_ACCEPTCONN", Int, Get, Any),
    opt(SOL, libc::SO_OOBINLINE, "SO_OOBINLINE", Int, Both, Any),
    opt(SOL, libc::SO_RCVLOWAT, "SO_RCVLOWAT", Int, Both, Any),
    // Linux refuses to set it (ENOPROTOOPT); the kernel says so.
    opt(SOL, libc::SO_SNDLOWAT, "SO_SNDLOWAT", Int, Both, Any),
    // AF_UNIX: receive the sender's credentials (SCM_CREDENTIALS); the peer's at connect.
    opt(SOL, libc::SO_PASSCRED, "SO_PASSCRED", Int, Both, Unix),
    opt(SOL, libc::SO_PEERCRED, "SO_PEERCRED", Struct(&[UCRED]), Get, Unix),
    // Values above 6 need CAP_NET_ADMIN; the kernel says EPERM.
    opt(SOL, libc::SO_PRIORITY, "SO_PRIORITY", Int, Both, Any),
    // IPPROTO_TCP
    opt(TCP, libc::TCP_NODELAY, "TCP_NODELAY", Int, Both, Stream),
    opt(TCP, libc::TCP_KEEPIDLE, "TCP_KEEPIDLE", Int, Both, Stream),
    opt(TCP, libc::TCP_KEEPINTVL, "TCP_KEEPINTVL", Int, Both, Stream),
    opt(TCP, libc::TCP_KEEPCNT, "TCP_KEEPCNT", Int, Both, Stream),
    opt(TCP, libc::TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT", Int, Both, Stream),
    opt(TCP, libc::TCP_MAXSEG, "TCP_MAXSEG", Int, Both, Stream),
    opt(TCP, libc::TCP_CORK, "TCP_CORK", Int, Both, Stream),
    opt(TCP, libc::TCP_QUICKACK, "TCP_QUICKACK", Int, Both, Stream),
    opt(TCP, libc::TCP_NOTSENT_LOWAT, "TCP_NOTSENT_LOWAT", Int, Both, Stream),
    opt(TCP, libc::TCP_FASTOPEN, "TCP_FASTOPEN", Int, Both, Stream),
    // IPPROTO_IP (also valid on AF_INET6 sockets on Linux, for their IPv4 side)
    opt(IP, libc::IP_TTL, "IP_TTL", IntOrByte, Both, Any),
    opt(IP, libc::IP_TOS, "IP_TOS", IntOrByte, Both, Any),
    opt(IP, libc::IP_MULTICAST_TTL, "IP_MULTICAST_TTL", IntOrByte, Both, Any),
    opt(IP, libc::IP_MULTICAST_LOOP, "IP_MULTICAST_LOOP", IntOrByte, Both, Any),
    // Set: in_addr, ip_mreq or ip_mreqn (the kernel reads all three); get: in_addr.
    opt(IP, libc::IP_MULTICAST_IF, "IP_MULTICAST_IF", Struct(&[IN_ADDR, IP_MREQ, IP_MREQN]), Both, Any),
    opt(IP, libc::IP_ADD_MEMBERSHIP, "IP_ADD_MEMBERSHIP", Struct(&[IP_MREQ, IP_MREQN]), Set, Any),
    opt(IP, libc::IP_DROP_MEMBERSHIP, "IP_DROP_MEMBERSHIP", Struct(&[IP_MREQ, IP_MREQN]), Set, Any),
    opt(IP, libc::IP_PKTINFO, "IP_PKTINFO", IntOrByte, Both, Any),
    opt(IP, libc::IP_RECVTOS, "IP_RECVTOS", IntOrByte, Both, Any),
    opt(IP, libc::IP_RECVTTL, "IP_RECVTTL", IntOrByte, Both, Any),
    // Errors of sent datagrams go to the error queue (`MSG_ERRQUEUE`), sender-filtered too.
    opt(IP, libc::IP_RECVERR, "IP_RECVERR", IntOrByte, Both, Any),
    // IPPROTO_IPV6
    opt(IP6, libc::IPV6_V6ONLY, "IPV6_V6ONLY", Int, Both, Inet6),
    opt(IP6, libc::IPV6_UNICAST_HOPS, "IPV6_UNICAST_HOPS", Int, Both, Inet6),
    opt(IP6, libc::IPV6_MULTICAST_HOPS, "IPV6_MULTICAST_HOPS", Int, Both, Inet6),
    opt(IP6, libc::IPV6_MULTICAST_LOOP, "IPV6_MULTICAST_LOOP", Int, Both, Inet6),
    opt(IP6, libc::IPV6_MULTICAST_IF, "IPV6_MULTICAST_IF", Int, Both, Inet6),
    // IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP are Linux's IPV6_ADD_MEMBERSHIP / IPV6_DROP_MEMBERSHIP.
    opt(IP6, libc::IPV6_ADD_MEMBERSHIP, "IPV6_JOIN_GROUP", Struct(&[IPV6_MREQ]), Set, Inet6),
    opt(IP6, libc::IPV6_DROP_MEMBERSHIP, "IPV6_LEAVE_GROUP", Struct(&[IPV6_MREQ]), Set, Inet6),
    opt(IP6, libc::IPV6_RECVPKTINFO, "IPV6_RECVPKTINFO", Int, Both, Inet6),
    opt(IP6, libc::IPV6_TCLASS, "IPV6_TCLASS", Int, Both, Inet6),
    opt(IP6, libc::IPV6_RECVTCLASS, "IPV6_RECVTCLASS", Int, Both, Inet6),
    opt(IP6, libc::IPV6_RECVHOPLIMIT, "IPV6_RECVHOPLIMIT", Int, Both, Inet6),
    opt(IP6, libc::IPV6_RECVERR, "IPV6_RECVERR", Int, Both, Inet6),
];

/// Options refused on purpose, with the reason the guest is told.
const REFUSED: &[(i32, i32, &str)] = &[
    (
        SOL,
        libc::SO_RCVTIMEO,
        "SO_RCVTIMEO is not available to guests: the host owns blocking, use settimeout()",
    ),
    (
        SOL,
        libc::SO_SNDTIMEO,
        "SO_SNDTIMEO is not available to guests: the host owns blocking, use settimeout()",
    ),
];

/// The table entry for `(level, name)`, or the `ENOPROTOOPT` the guest gets.
fn lookup(level: i32, name: i32) -> SocketResult<&'static Opt> {
    if let Some(entry) = TABLE.iter().find(|o| o.level == level && o.name == name) {
        return Ok(entry);
    }
    let message = match REFUSED.iter().find(|r| r.0 == level && r.1 == name) {
        Some(&(_, _, reason)) => reason.to_owned(),
        None => format!("socket option (level {level}, name {name}) is not available to guests"),
    };
    Err(SocketError::os_msg(Errno::NOPROTOOPT, message))
}

impl Opt {
    fn describe(&self) -> String {
        format!("{} (level {}, name {})", self.label, self.level, self.name)
    }

    fn check_get(&self) -> SocketResult<()> {
        match self.access {
            Get | Both => Ok(()),
            Set => Err(SocketError::os_msg(
                Errno::NOPROTOOPT,
                format!("socket option {} can only be set", self.describe()),
            )),
        }
    }

    fn check_set(&self) -> SocketResult<()> {
        match self.access {
            Set | Both => Ok(()),
            Get => Err(SocketError::os_msg(
                Errno::NOPROTOOPT,
                format!("socket option {} is read-only", self.describe()),
            )),
        }
    }

    /// The kernel's errno, explained when the option does not apply to this socket.
    fn kernel_error(&self, errno: Errno, family: Family, kind: Kind) -> SocketError {
        let misapplied = match self.applies {
            Any => None,
            Stream if kind != Kind::Stream => Some("SOCK_STREAM"),
            Inet6 if family != Family::Inet6 => Some("AF_INET6"),
            Unix if family != Family::Unix => Some("AF_UNIX"),
            Stream | Inet6 | Unix => None,
        };
        match misapplied {
            Some(what) => SocketError::os_msg(
                errno,
                format!(
                    "socket option {} applies to {what} sockets only (errno {} from the kernel)",
                    self.label,
                    errno.raw_os_error()
                ),
            ),
            None => SocketError::Os(errno, None),
        }
    }
}

/// `getsockopt(level, name)` in Python's int form: `getsockopt(fd, level, name, &int, 4)`.
///
/// For options whose value is a struct (`SO_LINGER`, `IP_MULTICAST_IF`) this is the struct's
/// first 4 bytes, as CPython reads them (`SO_LINGER` → `l_onoff`). `SO_ERROR` is cleared by the
/// read, as the kernel does.
///
/// Errors: `ENOPROTOOPT` for an option outside the table or one that can only be set; else the
/// kernel's errno.
pub fn getsockopt_int(
    fd: BorrowedFd<'_>,
    family: Family,
    kind: Kind,
    level: i32,
    name: i32,
) -> SocketResult<i32> {
    let entry = lookup(level, name)?;
    entry.check_get()?;
    getsockopt_c_int(fd, level, name).map_err(|e| entry.kernel_error(e, family, kind))
}

/// `getsockopt(SOL_SOCKET, SO_ERROR)` for the host (how a connect that was in progress ended):
/// the socket's pending error, which the read clears; `None` when there is none. The value
/// becomes an [`Errno`] through [`sys::errno_from_raw`], so a value outside `1..=4095` is
/// `EIO`, never a panic. A failed call is `Os(errno)`.
pub(crate) fn socket_error(fd: BorrowedFd<'_>) -> SocketResult<Option<Errno>> {
    match getsockopt_c_int(fd, libc::SOL_SOCKET, libc::SO_ERROR)? {
        0 => Ok(None),
        raw => Ok(Some(sys::errno_from_raw(raw))),
    }
}

/// `getsockopt(2)` of a C `int` option, with no vetting: the callers vet.
fn getsockopt_c_int(fd: BorrowedFd<'_>, level: i32, name: i32) -> Result<libc::c_int, Errno> {
    let mut value: libc::c_int = 0;
    let mut len = INT as libc::socklen_t;
    // SAFETY: `value` is a live, writable C int and `len` says exactly its size, so the kernel
    // writes at most those 4 bytes; `fd` is a borrowed open descriptor for the whole call.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&raw mut value).cast::<libc::c_void>(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(sys::last_errno());
    }
    Ok(value)
}

/// `getsockopt(level, name, buflen)` in Python's bytes form: `getsockopt(fd, level, name,
/// buf, &buflen)` with a host buffer of `buflen` bytes; returns the bytes the kernel reports
/// (at most `buflen`).
///
/// `buflen` must be `1..=`[`MAX_GETSOCKOPT_BUFLEN`]: CPython raises `OSError("getsockopt
/// buflen out of range")` (with no errno) for anything else; here that is `EINVAL` with the
/// same message. (In CPython `buflen == 0` selects the int form, which the guest maps to
/// [`getsockopt_int`]; reaching this function with 0 is the out-of-range error.) The range is
/// checked before the option, as CPython does.
///
/// Errors: as [`getsockopt_int`], plus the `EINVAL` above.
pub fn getsockopt_bytes(
    fd: BorrowedFd<'_>,
    family: Family,
    kind: Kind,
    level: i32,
    name: i32,
    buflen: u32,
) -> SocketResult<Vec<u8>> {
    if buflen == 0 || buflen > MAX_GETSOCKOPT_BUFLEN {
        return Err(SocketError::os_msg(
            Errno::INVAL,
            "getsockopt buflen out of range",
        ));
    }
    let entry = lookup(level, name)?;
    entry.check_get()?;
    let mut buf = vec![0u8; buflen as usize];
    let mut len = buflen as libc::socklen_t;
    // SAFETY: `buf` is a live, writable allocation of exactly `len` bytes, so the kernel writes
    // at most `len` bytes into it; `fd` is a borrowed open descriptor for the whole call.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            buf.as_mut_ptr().cast::<libc::c_void>(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(entry.kernel_error(sys::last_errno(), family, kind));
    }
    buf.truncate((len as usize).min(buflen as usize));
    Ok(buf)
}

/// `setsockopt(level, name, value)`: `setsockopt(fd, level, name, buf, len)` with a host buffer
/// of a length the table allows for the option.
///
/// [`OptionValue::Int`] passes a 4-byte C int (so on a struct option such as `SO_LINGER` it is
/// `EINVAL`, as the kernel would say); [`OptionValue::Bytes`] passes the bytes as-is when their
/// length is one the table lists for the option, else `EINVAL` naming the accepted sizes;
/// [`OptionValue::None`] is `EINVAL` (no vetted option takes a NULL value).
///
/// Errors: `ENOPROTOOPT` for an option outside the table or a read-only one (`SO_ERROR`,
/// `SO_TYPE`, …: Linux also answers `ENOPROTOOPT`); `EINVAL` for a refused value; else the
/// kernel's errno.
pub fn setsockopt(
    fd: BorrowedFd<'_>,
    family: Family,
    kind: Kind,
    level: i32,
    name: i32,
    value: &OptionValue,
) -> SocketResult<()> {
    let entry = lookup(level, name)?;
    entry.check_set()?;
    let int_bytes;
    let bytes: &[u8] = match value {
        OptionValue::Int(v) => {
            int_bytes = v.to_ne_bytes();
            &int_bytes
        }
        OptionValue::Bytes(b) => b,
        OptionValue::None(optlen) => {
            return Err(SocketError::os_msg(
                Errno::INVAL,
                format!(
                    "socket option {} does not accept a None value (optlen {optlen})",
                    entry.describe()
                ),
            ));
        }
    };
    let allowed = entry.shape.set_lengths();
    if !allowed.contains(&bytes.len()) {
        let sizes = allowed
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" or ");
        return Err(SocketError::os_msg(
            Errno::INVAL,
            format!(
                "socket option {} takes a value of {sizes} bytes, not {}",
                entry.describe(),
                bytes.len()
            ),
        ));
    }
    // At most 20 bytes (the largest allowed length), so this cannot truncate.
    let len = bytes.len() as libc::socklen_t;
    // SAFETY: `bytes` is a live, readable host buffer of exactly `len` bytes, a length the
    // table fixes for this option; the kernel only reads it. `fd` is a borrowed open
    // descriptor for the whole call.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            bytes.as_ptr().cast::<libc::c_void>(),
            len,
        )
    };
    if rc != 0 {
        return Err(entry.kernel_error(sys::last_errno(), family, kind));
    }
    Ok(())
}

/// `setsockopt(SOL_CAN_RAW, CAN_RAW_FILTER)` on a `CAN_RAW` socket: no filter at all (`all`
/// false: the socket hears nothing), or the one filter that hears every frame (`can_id` 0,
/// `can_mask` 0). A guest sets no CAN option itself: the host owns what the socket hears.
pub(crate) fn set_can_filter(fd: BorrowedFd<'_>, all: bool) -> SocketResult<()> {
    let every = libc::can_filter {
        can_id: 0,
        can_mask: 0,
    };
    let (ptr, len) = match all {
        true => (
            std::ptr::from_ref(&every).cast::<libc::c_void>(),
            size_of::<libc::can_filter>() as libc::socklen_t,
        ),
        false => (std::ptr::null(), 0),
    };
    // SAFETY: `ptr` is null with length 0 (no filter), or points at `every`, a live
    // `can_filter` of `len` bytes that the kernel only reads; `fd` is a borrowed open
    // descriptor for the whole call.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_CAN_RAW,
            libc::CAN_RAW_FILTER,
            ptr,
            len,
        )
    };
    match rc {
        0 => Ok(()),
        _ => Err(sys::last_errno().into()),
    }
}

#[cfg(test)]
mod tests {
    use std::os::fd::{AsFd, OwnedFd};

    use rustix::net::{AddressFamily, SocketFlags, SocketType, ipproto, socket_with};

    use super::*;

    fn sock(family: Family, kind: Kind) -> OwnedFd {
        let af = match family {
            Family::Inet => AddressFamily::INET,
            Family::Inet6 => AddressFamily::INET6,
            Family::Unix | Family::Netlink | Family::Vsock | Family::Packet | Family::Can => {
                unreachable!("these tests make IP sockets")
            }
        };
        let (ty, proto) = match kind {
            Kind::Stream => (SocketType::STREAM, ipproto::TCP),
            Kind::Dgram => (SocketType::DGRAM, ipproto::UDP),
            Kind::Seqpacket | Kind::Raw => unreachable!("these tests make IP sockets"),
        };
        socket_with(
            af,
            ty,
            SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
            Some(proto),
        )
        .expect("socket")
    }

    /// An AF_INET6 socket, or None when the host has no IPv6 at all.
    fn sock6(kind: Kind) -> Option<OwnedFd> {
        let (ty, proto) = match kind {
            Kind::Stream => (SocketType::STREAM, ipproto::TCP),
            Kind::Dgram => (SocketType::DGRAM, ipproto::UDP),
            Kind::Seqpacket | Kind::Raw => unreachable!("these tests make IP sockets"),
        };
        match socket_with(AddressFamily::INET6, ty, SocketFlags::CLOEXEC, Some(proto)) {
            Ok(fd) => Some(fd),
            Err(Errno::AFNOSUPPORT) => None,
            Err(e) => panic!("socket: {e}"),
        }
    }

    fn errno_of<T: std::fmt::Debug>(r: SocketResult<T>) -> Errno {
        r.expect_err("expected an error")
            .errno()
            .expect("an OS error")
    }

    fn message_of<T: std::fmt::Debug>(r: SocketResult<T>) -> String {
        match r.expect_err("expected an error") {
            SocketError::Os(_, Some(m)) => m,
            other => panic!("expected an OS error with a message, got {other:?}"),
        }
    }

    fn set_get(fd: &OwnedFd, family: Family, kind: Kind, level: i32, name: i32, v: i32) -> i32 {
        setsockopt(fd.as_fd(), family, kind, level, name, &OptionValue::Int(v))
            .unwrap_or_else(|e| panic!("set ({level}, {name}) = {v}: {e}"));
        getsockopt_int(fd.as_fd(), family, kind, level, name)
            .unwrap_or_else(|e| panic!("get ({level}, {name}): {e}"))
    }

    #[test]
    fn table_is_consistent() {
        for (i, a) in TABLE.iter().enumerate() {
            for b in &TABLE[i + 1..] {
                assert!(
                    (a.level, a.name) != (b.level, b.name),
                    "{} and {} share a key",
                    a.label,
                    b.label
                );
            }
            for &(level, name, _) in REFUSED {
                assert!((a.level, a.name) != (level, name), "{} is refused", a.label);
            }
            assert!(a.shape.set_lengths().iter().all(|&n| n > 0 && n <= 64));
        }
        assert_eq!(
            (LINGER, IN_ADDR, IP_MREQ, IP_MREQN, IPV6_MREQ),
            (8, 4, 8, 12, 20)
        );
    }

    #[test]
    fn sol_socket_int_round_trips() {
        let (f, k) = (Family::Inet, Kind::Stream);
        let s = sock(f, k);
        for name in [
            libc::SO_REUSEADDR,
            libc::SO_REUSEPORT,
            libc::SO_KEEPALIVE,
            libc::SO_BROADCAST,
            libc::SO_OOBINLINE,
        ] {
            assert_eq!(set_get(&s, f, k, SOL, name, 1), 1, "name {name}");
            assert_eq!(set_get(&s, f, k, SOL, name, 0), 0, "name {name}");
        }
        assert_eq!(set_get(&s, f, k, SOL, libc::SO_RCVLOWAT, 10), 10);
        assert_eq!(set_get(&s, f, k, SOL, libc::SO_PRIORITY, 3), 3);
        assert!(set_get(&s, f, k, SOL, libc::SO_RCVBUF, 65536) >= 65536);
        assert!(set_get(&s, f, k, SOL, libc::SO_SNDBUF, 65536) >= 65536);
        // Linux cannot set SO_SNDLOWAT: the kernel's own answer comes back.
        assert_eq!(
            errno_of(setsockopt(
                s.as_fd(),
                f,
                k,
                SOL,
                libc::SO_SNDLOWAT,
                &OptionValue::Int(1)
            )),
            Errno::NOPROTOOPT
        );
        assert_eq!(
            getsockopt_int(s.as_fd(), f, k, SOL, libc::SO_SNDLOWAT).unwrap(),
            1
        );
    }

    #[test]
    fn read_only_values() {
        let s = sock(Family::Inet, Kind::Stream);
        let get = |name| getsockopt_int(s.as_fd(), Family::Inet, Kind::Stream, SOL, name).unwrap();
        assert_eq!(get(libc::SO_TYPE), libc::SOCK_STREAM);
        assert_eq!(get(libc::SO_DOMAIN), libc::AF_INET);
        assert_eq!(get(libc::SO_PROTOCOL), libc::IPPROTO_TCP);
        assert_eq!(get(libc::SO_ERROR), 0);
        assert_eq!(get(libc::SO_ACCEPTCONN), 0);
        let u = sock(Family::Inet, Kind::Dgram);
        let get = |name| getsockopt_int(u.as_fd(), Family::Inet, Kind::Dgram, SOL, name).unwrap();
        assert_eq!(get(libc::SO_TYPE), libc::SOCK_DGRAM);
        assert_eq!(get(libc::SO_PROTOCOL), libc::IPPROTO_UDP);
        if let Some(s6) = sock6(Kind::Dgram) {
            let d = getsockopt_int(s6.as_fd(), Family::Inet6, Kind::Dgram, SOL, libc::SO_DOMAIN);
            assert_eq!(d.unwrap(), libc::AF_INET6);
        }
    }

    #[test]
    fn accept_conn_after_listen() {
        let s = sock(Family::Inet, Kind::Stream);
        let addr = rustix::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, 0);
        rustix::net::bind(&s, &addr).unwrap();
        rustix::net::listen(&s, 1).unwrap();
        let v = getsockopt_int(
            s.as_fd(),
            Family::Inet,
            Kind::Stream,
            SOL,
            libc::SO_ACCEPTCONN,
        );
        assert_eq!(v.unwrap(), 1);
    }

    #[test]
    fn so_error_reads_and_clears() {
        // A non-blocking connect to a closed loopback port fails asynchronously with
        // ECONNREFUSED, which SO_ERROR reports once and then clears.
        let listener = sock(Family::Inet, Kind::Stream);
        let any = rustix::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, 0);
        rustix::net::bind(&listener, &any).unwrap();
        let addr = rustix::net::getsockname(&listener).unwrap();
        drop(listener); // nothing listens on that port now
        let s = sock(Family::Inet, Kind::Stream);
        match rustix::net::connect(&s, &addr) {
            Err(Errno::INPROGRESS) => {}
            // Refused at once: the error was reported by connect, SO_ERROR holds nothing.
            Err(Errno::CONNREFUSED) => {
                let v = getsockopt_int(s.as_fd(), Family::Inet, Kind::Stream, SOL, libc::SO_ERROR);
                assert_eq!(v.unwrap(), 0);
                return;
            }
            other => panic!("connect: {other:?}"),
        }
        let mut seen = 0;
        for _ in 0..400 {
            let v =
                getsockopt_int(s.as_fd(), Family::Inet, Kind::Stream, SOL, libc::SO_ERROR).unwrap();
            if v != 0 {
                seen = v;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(seen, libc::ECONNREFUSED);
        let again = getsockopt_int(s.as_fd(), Family::Inet, Kind::Stream, SOL, libc::SO_ERROR);
        assert_eq!(again.unwrap(), 0, "SO_ERROR is cleared by reading it");
    }

    #[test]
    fn socket_error_is_an_errno_once() {
        // The host's own SO_ERROR read (connect's outcome): None on a fresh socket, the
        // refusal as an Errno once, then None again.
        let s = sock(Family::Inet, Kind::Stream);
        assert_eq!(socket_error(s.as_fd()).unwrap(), None);
        let listener = sock(Family::Inet, Kind::Stream);
        let any = rustix::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, 0);
        rustix::net::bind(&listener, &any).unwrap();
        let addr = rustix::net::getsockname(&listener).unwrap();
        drop(listener);
        match rustix::net::connect(&s, &addr) {
            Err(Errno::INPROGRESS) => {}
            Err(Errno::CONNREFUSED) => {
                assert_eq!(socket_error(s.as_fd()).unwrap(), None);
                return;
            }
            other => panic!("connect: {other:?}"),
        }
        let mut seen = None;
        for _ in 0..400 {
            seen = socket_error(s.as_fd()).unwrap();
            if seen.is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(seen, Some(Errno::CONNREFUSED));
        assert_eq!(
            socket_error(s.as_fd()).unwrap(),
            None,
            "cleared by the read"
        );
    }

    #[test]
    fn linger_bytes_and_int_forms() {
        let (f, k) = (Family::Inet, Kind::Stream);
        let s = sock(f, k);
        assert_eq!(
            getsockopt_int(s.as_fd(), f, k, SOL, libc::SO_LINGER).unwrap(),
            0
        );
        let mut value = Vec::new();
        value.extend_from_slice(&1i32.to_ne_bytes());
        value.extend_from_slice(&5i32.to_ne_bytes());
        setsockopt(
            s.as_fd(),
            f,
            k,
            SOL,
            libc::SO_LINGER,
            &OptionValue::Bytes(value.clone()),
        )
        .unwrap();
        assert_eq!(
            getsockopt_bytes(s.as_fd(), f, k, SOL, libc::SO_LINGER, 8).unwrap(),
            value
        );
        // A bigger buffer still gets the kernel's 8 bytes; a smaller one its prefix.
        assert_eq!(
            getsockopt_bytes(s.as_fd(), f, k, SOL, libc::SO_LINGER, 64).unwrap(),
            value
        );
        assert_eq!(
            getsockopt_bytes(s.as_fd(), f, k, SOL, libc::SO_LINGER, 4).unwrap(),
            &value[..4]
        );
        // The int form reads l_onoff, as CPython on Linux does.
        assert_eq!(
            getsockopt_int(s.as_fd(), f, k, SOL, libc::SO_LINGER).unwrap(),
            1
        );
        // An int is not a struct linger.
        let r = setsockopt(s.as_fd(), f, k, SOL, libc::SO_LINGER, &OptionValue::Int(1));
        assert!(message_of(r).contains("8 bytes"));
        let r = setsockopt(
            s.as_fd(),
            f,
            k,
            SOL,
            libc::SO_LINGER,
            &OptionValue::Bytes(vec![0; 4]),
        );
        assert_eq!(errno_of(r), Errno::INVAL);
    }

    #[test]
    fn tcp_int_round_trips() {
        let (f, k) = (Family::Inet, Kind::Stream);
        let s = sock(f, k);
        for (name, v) in [
            (libc::TCP_NODELAY, 1),
            (libc::TCP_NODELAY, 0),
            (libc::TCP_KEEPIDLE, 30),
            (libc::TCP_KEEPINTVL, 5),
            (libc::TCP_KEEPCNT, 3),
            (libc::TCP_USER_TIMEOUT, 1000),
            (libc::TCP_MAXSEG, 1000),
            (libc::TCP_CORK, 1),
            (libc::TCP_QUICKACK, 1),
            (libc::TCP_NOTSENT_LOWAT, 16384),
            (libc::TCP_FASTOPEN, 5),
        ] {
            assert_eq!(set_get(&s, f, k, TCP, name, v), v, "TCP option {name}");
        }
    }

    #[test]
    fn tcp_option_on_udp_gets_the_kernels_answer() {
        let (f, k) = (Family::Inet, Kind::Dgram);
        let u = sock(f, k);
        // Linux + CPython: get → EOPNOTSUPP, set → ENOPROTOOPT.
        let r = getsockopt_int(u.as_fd(), f, k, TCP, libc::TCP_NODELAY);
        assert_eq!(errno_of(r), Errno::OPNOTSUPP);
        let r = setsockopt(
            u.as_fd(),
            f,
            k,
            TCP,
            libc::TCP_NODELAY,
            &OptionValue::Int(1),
        );
        let e = r.unwrap_err();
        assert_eq!(e.errno(), Some(Errno::NOPROTOOPT));
        assert!(e.to_string().contains("SOCK_STREAM"), "{e}");
    }

    #[test]
    fn ip_int_round_trips() {
        let (f, k) = (Family::Inet, Kind::Dgram);
        let u = sock(f, k);
        for (name, v) in [
            (libc::IP_TTL, 7),
            (libc::IP_TOS, 16),
            (libc::IP_MULTICAST_TTL, 4),
            (libc::IP_MULTICAST_LOOP, 0),
            (libc::IP_MULTICAST_LOOP, 1),
            (libc::IP_PKTINFO, 1),
            (libc::IP_RECVTOS, 1),
            (libc::IP_RECVTTL, 1),
        ] {
            assert_eq!(set_get(&u, f, k, IP, name, v), v, "IP option {name}");
        }
        // The kernel takes IP ints as one byte too, and returns one byte when asked for less
        // than an int.
        setsockopt(
            u.as_fd(),
            f,
            k,
            IP,
            libc::IP_TTL,
            &OptionValue::Bytes(vec![9]),
        )
        .unwrap();
        assert_eq!(
            getsockopt_int(u.as_fd(), f, k, IP, libc::IP_TTL).unwrap(),
            9
        );
        assert_eq!(
            getsockopt_bytes(u.as_fd(), f, k, IP, libc::IP_TTL, 2).unwrap(),
            vec![9]
        );
        assert_eq!(
            getsockopt_bytes(u.as_fd(), f, k, IP, libc::IP_TTL, 4).unwrap(),
            9i32.to_ne_bytes()
        );
        let r = setsockopt(
            u.as_fd(),
            f,
            k,
            IP,
            libc::IP_TTL,
            &OptionValue::Bytes(vec![9, 0]),
        );
        let msg = message_of(r);
        assert!(msg.contains("1 or 4 bytes, not 2"), "{msg}");
    }

    #[test]
    fn ip_ttl_on_inet6_socket_is_passed_through() {
        let Some(s6) = sock6(Kind::Dgram) else { return };
        let v = set_get(&s6, Family::Inet6, Kind::Dgram, IP, libc::IP_TTL, 9);
        assert_eq!(v, 9);
    }

    #[test]
    fn multicast_if_and_membership() {
        let (f, k) = (Family::Inet, Kind::Dgram);
        let u = sock(f, k);
        let lo = [127, 0, 0, 1];
        setsockopt(
            u.as_fd(),
            f,
            k,
            IP,
            libc::IP_MULTICAST_IF,
            &OptionValue::Bytes(lo.to_vec()),
        )
        .unwrap();
        let got = getsockopt_bytes(u.as_fd(), f, k, IP, libc::IP_MULTICAST_IF, 4).unwrap();
        assert_eq!(got, lo);
        // ip_mreqn: any address, ifindex 1 (lo).
        let mut mreqn = vec![0u8; 8];
        mreqn.extend_from_slice(&1i32.to_ne_bytes());
        setsockopt(
            u.as_fd(),
            f,
            k,
            IP,
            libc::IP_MULTICAST_IF,
            &OptionValue::Bytes(mreqn),
        )
        .unwrap();
        let r = setsockopt(
            u.as_fd(),
            f,
            k,
            IP,
            libc::IP_MULTICAST_IF,
            &OptionValue::Bytes(vec![0; 5]),
        );
        assert!(message_of(r).contains("4 or 8 or 12 bytes"));

        // ip_mreq: group 224.0.0.251 on the interface with address 127.0.0.1.
        let mreq = OptionValue::Bytes(vec![224, 0, 0, 251, 127, 0, 0, 1]);
        setsockopt(u.as_fd(), f, k, IP, libc::IP_ADD_MEMBERSHIP, &mreq).unwrap();
        setsockopt(u.as_fd(), f, k, IP, libc::IP_DROP_MEMBERSHIP, &mreq).unwrap();
        // Dropping again: the kernel's own EADDRNOTAVAIL.
        let r = setsockopt(u.as_fd(), f, k, IP, libc::IP_DROP_MEMBERSHIP, &mreq);
        assert_eq!(errno_of(r), Errno::ADDRNOTAVAIL);
        // Set-only: reading is ENOPROTOOPT (as Linux says too).
        let r = getsockopt_int(u.as_fd(), f, k, IP, libc::IP_ADD_MEMBERSHIP);
        assert_eq!(errno_of(r), Errno::NOPROTOOPT);
        let r = getsockopt_bytes(u.as_fd(), f, k, IP, libc::IP_DROP_MEMBERSHIP, 12);
        assert_eq!(errno_of(r), Errno::NOPROTOOPT);
        // An int is not an ip_mreq.
        let r = setsockopt(
            u.as_fd(),
            f,
            k,
            IP,
            libc::IP_ADD_MEMBERSHIP,
            &OptionValue::Int(0),
        );
        let msg = message_of(r);
        assert!(msg.contains("8 or 12 bytes, not 4"), "{msg}");
    }

    #[test]
    fn ipv6_int_round_trips() {
        let (f, k) = (Family::Inet6, Kind::Dgram);
        let Some(s6) = sock6(k) else { return };
        for (name, v) in [
            (libc::IPV6_V6ONLY, 1),
            (libc::IPV6_V6ONLY, 0),
            (libc::IPV6_UNICAST_HOPS, 9),
            (libc::IPV6_MULTICAST_HOPS, 3),
            (libc::IPV6_MULTICAST_LOOP, 0),
            (libc::IPV6_MULTICAST_IF, 1),
            (libc::IPV6_RECVPKTINFO, 1),
            (libc::IPV6_TCLASS, 32),
            (libc::IPV6_RECVTCLASS, 1),
            (libc::IPV6_RECVHOPLIMIT, 1),
        ] {
            assert_eq!(set_get(&s6, f, k, IP6, name, v), v, "IPv6 option {name}");
        }
        let Some(t6) = sock6(Kind::Stream) else {
            return;
        };
        assert_eq!(set_get(&t6, f, Kind::Stream, IP6, libc::IPV6_V6ONLY, 1), 1);
    }

    #[test]
    fn ipv6_option_on_inet_socket_gets_the_kernels_answer() {
        let (f, k) = (Family::Inet, Kind::Stream);
        let s = sock(f, k);
        let e = getsockopt_int(s.as_fd(), f, k, IP6, libc::IPV6_V6ONLY).unwrap_err();
        assert_eq!(e.errno(), Some(Errno::OPNOTSUPP));
        assert!(e.to_string().contains("AF_INET6"), "{e}");
    }

    #[test]
    fn ipv6_join_and_leave_group() {
        let (f, k) = (Family::Inet6, Kind::Dgram);
        let Some(s6) = sock6(k) else { return };
        let mut mreq: Vec<u8> = std::net::Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1)
            .octets()
            .to_vec();
        mreq.extend_from_slice(&1u32.to_ne_bytes()); // ifindex 1: lo
        let mreq = OptionValue::Bytes(mreq);
        match setsockopt(s6.as_fd(), f, k, IP6, libc::IPV6_ADD_MEMBERSHIP, &mreq) {
            Ok(()) => {
                setsockopt(s6.as_fd(), f, k, IP6, libc::IPV6_DROP_MEMBERSHIP, &mreq).unwrap();
            }
            // A loopback without multicast: whatever the kernel says, unexplained by us.
            Err(SocketError::Os(e, None)) => {
                assert!(
                    matches!(e, Errno::NODEV | Errno::ADDRNOTAVAIL | Errno::INVAL),
                    "{e}"
                );
            }
            Err(e) => panic!("unexpected {e:?}"),
        }
        let r = setsockopt(
            s6.as_fd(),
            f,
            k,
            IP6,
            libc::IPV6_ADD_MEMBERSHIP,
            &OptionValue::Bytes(vec![0; 16]),
        );
        assert!(message_of(r).contains("IPV6_JOIN_GROUP"));
        let r = getsockopt_int(s6.as_fd(), f, k, IP6, libc::IPV6_DROP_MEMBERSHIP);
        assert_eq!(errno_of(r), Errno::NOPROTOOPT);
    }

    #[test]
    fn unknown_options_are_refused_without_a_syscall() {
        let (f, k) = (Family::Inet, Kind::Stream);
        let s = sock(f, k);
        // SO_BINDTODEVICE (25) exists in the kernel but not in the table.
        let r = getsockopt_int(s.as_fd(), f, k, SOL, libc::SO_BINDTODEVICE);
        let e = r.unwrap_err();
        assert_eq!(e.errno(), Some(Errno::NOPROTOOPT));
        assert_eq!(
            e.to_string(),
            "[Errno 92] socket option (level 1, name 25) is not available to guests"
        );
        for (level, name) in [
            (999, 1),
            (-1, -1),
            (i32::MIN, i32::MAX),
            (SOL, 0),
            (TCP, 9999),
        ] {
            let r = getsockopt_int(s.as_fd(), f, k, level, name);
            assert_eq!(errno_of(r), Errno::NOPROTOOPT);
            let r = getsockopt_bytes(s.as_fd(), f, k, level, name, 16);
            assert_eq!(errno_of(r), Errno::NOPROTOOPT);
            let r = setsockopt(
                s.as_fd(),
                f,
                k,
                level,
                name,
                &OptionValue::Bytes(vec![0; 4]),
            );
            assert_eq!(errno_of(r), Errno::NOPROTOOPT);
        }
    }

    #[test]
    fn timeouts_are_refused_with_a_pointer_to_settimeout() {
        let (f, k) = (Family::Inet, Kind::Stream);
        let s = sock(f, k);
        for name in [libc::SO_RCVTIMEO, libc::SO_SNDTIMEO] {
            let r = setsockopt(s.as_fd(), f, k, SOL, name, &OptionValue::Bytes(vec![0; 16]));
            assert_eq!(errno_of(r), Errno::NOPROTOOPT);
            let r = getsockopt_bytes(s.as_fd(), f, k, SOL, name, 16);
            assert!(message_of(r).contains("settimeout"));
        }
    }

    #[test]
    fn read_only_options_cannot_be_set() {
        let (f, k) = (Family::Inet, Kind::Stream);
        let s = sock(f, k);
        for name in [
            libc::SO_ERROR,
            libc::SO_TYPE,
            libc::SO_DOMAIN,
            libc::SO_PROTOCOL,
            libc::SO_ACCEPTCONN,
        ] {
            // Linux answers ENOPROTOOPT for these too (checked with CPython).
            let r = setsockopt(s.as_fd(), f, k, SOL, name, &OptionValue::Int(0));
            let msg = message_of(r);
            assert!(msg.contains("read-only"), "{msg}");
        }
    }

    #[test]
    fn bad_values_are_einval() {
        let (f, k) = (Family::Inet, Kind::Stream);
        let s = sock(f, k);
        for len in [0usize, 1, 3, 5, 8, 1 << 20] {
            let r = setsockopt(
                s.as_fd(),
                f,
                k,
                SOL,
                libc::SO_REUSEADDR,
                &OptionValue::Bytes(vec![1; len]),
            );
            let msg = message_of(r);
            assert!(msg.contains("takes a value of 4 bytes"), "{msg}");
        }
        setsockopt(
            s.as_fd(),
            f,
            k,
            SOL,
            libc::SO_REUSEADDR,
            &OptionValue::Bytes(vec![1, 0, 0, 0]),
        )
        .unwrap();
        for optlen in [0, 4, u32::MAX] {
            let r = setsockopt(
                s.as_fd(),
                f,
                k,
                IP,
                libc::IP_TTL,
                &OptionValue::None(optlen),
            );
            assert_eq!(errno_of(r), Errno::INVAL);
        }
        // Values are the kernel's to judge: a TTL of 300 is its EINVAL.
        let r = setsockopt(s.as_fd(), f, k, IP, libc::IP_TTL, &OptionValue::Int(300));
        assert_eq!(errno_of(r), Errno::INVAL);
        for v in [i32::MIN, -1, i32::MAX] {
            let _ = setsockopt(s.as_fd(), f, k, SOL, libc::SO_RCVBUF, &OptionValue::Int(v));
            let _ = setsockopt(s.as_fd(), f, k, TCP, libc::TCP_MAXSEG, &OptionValue::Int(v));
        }
    }

    #[test]
    fn buflen_out_of_range_is_pythons_error() {
        let (f, k) = (Family::Inet, Kind::Stream);
        let s = sock(f, k);
        for buflen in [0, MAX_GETSOCKOPT_BUFLEN + 1, 2000, u32::MAX] {
            let r = getsockopt_bytes(s.as_fd(), f, k, SOL, libc::SO_REUSEADDR, buflen);
            let e = r.unwrap_err();
            assert_eq!(e.errno(), Some(Errno::INVAL));
            assert_eq!(e.to_string(), "[Errno 22] getsockopt buflen out of range");
            // Range first, as CPython: even for an unknown option.
            let r = getsockopt_bytes(s.as_fd(), f, k, 999, 999, buflen);
            assert_eq!(errno_of(r), Errno::INVAL);
        }
        let v = getsockopt_bytes(s.as_fd(), f, k, SOL, libc::SO_REUSEADDR, 1024).unwrap();
        assert_eq!(v, 0i32.to_ne_bytes());
        let v = getsockopt_bytes(s.as_fd(), f, k, SOL, libc::SO_REUSEADDR, 1).unwrap();
        assert_eq!(v, vec![0]);
    }

    #[test]
    fn every_gettable_option_reads_on_a_fitting_socket() {
        let s4 = sock(Family::Inet, Kind::Stream);
        let u4 = sock(Family::Inet, Kind::Dgram);
        let s6 = sock6(Kind::Dgram);
        let (unix, _peer) = rustix::net::socketpair(
            AddressFamily::UNIX,
            SocketType::STREAM,
            SocketFlags::CLOEXEC,
            None,
        )
        .unwrap();
        for o in TABLE.iter().filter(|o| o.access != Set) {
            let (fd, family, kind) = match o.applies {
                Unix => (unix.as_fd(), Family::Unix, Kind::Stream),
                Any if o.level == IP => (u4.as_fd(), Family::Inet, Kind::Dgram),
                Any | Stream => (s4.as_fd(), Family::Inet, Kind::Stream),
                Inet6 => match &s6 {
                    Some(s6) => (s6.as_fd(), Family::Inet6, Kind::Dgram),
                    None => continue,
                },
            };
            getsockopt_int(fd, family, kind, o.level, o.name)
                .unwrap_or_else(|e| panic!("{}: {e}", o.label));
            getsockopt_bytes(fd, family, kind, o.level, o.name, 64)
                .unwrap_or_else(|e| panic!("{}: {e}", o.label));
        }
    }
}
