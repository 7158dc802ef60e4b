//! `recvmsg(2)` / `sendmsg(2)` with raw ancillary data, as Python's `socket.recvmsg` and
//! `socket.sendmsg` expose them.
//!
//! Ancillary data travels as a `(level, type, data)` list, like Python's, except that
//! descriptors (`SCM_RIGHTS`) travel as descriptors: a guest never names a host file descriptor
//! by number. What a guest may *send* is vetted: a short list of IP-level items of fixed sizes,
//! `SCM_CREDENTIALS` carrying only this process's own ids, and `SCM_RIGHTS` with descriptors the
//! caller (the door) took from the guest's own sockets. What the kernel *delivers* is returned
//! as-is, with the descriptors of `SCM_RIGHTS` owned ([`OwnedFd`], close-on-exec) from the
//! moment `recvmsg` returns, so that none can leak whatever the caller does with them.
//!
//! Both functions make one attempt (retrying only `EINTR`, as PEP 475 does): the net core owns
//! blocking (the fd's mode and kernel timeout) and calls again when it must.

use std::mem::size_of;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use rustix::io::Errno;

use super::{sockaddr, sys};
use crate::error::{SocketError, SocketResult};
use crate::net::types::{Family, NetAddr};

/// The largest data buffer [`recvmsg`] allocates: the net core's one receive bound.
pub use super::MAX_RECV as MAX_RECV_BUFSIZE;

/// The largest ancillary buffer [`recvmsg`] allocates and the largest control message
/// [`sendmsg`] builds (64 KiB); a larger `ancbufsize` is clamped to it.
pub const MAX_ANCBUFSIZE: usize = 64 << 10;

/// The most buffers one [`sendmsg`] gathers: Linux's `UIO_MAXIOV` (`IOV_MAX`); more is
/// `EMSGSIZE`, as the kernel answers.
pub const MAX_IOV: usize = 1024;

/// The ancillary items a guest may send: `(level, type, name, accepted data lengths)`. The
/// lengths are the ones Linux's `ip_cmsg_send` / `ip6_datagram_send_ctl` accept.
const SEND_ANCILLARY: &[(i32, i32, &str, &[usize])] = &[
    (
        libc::IPPROTO_IP,
        libc::IP_PKTINFO,
        "IP_PKTINFO",
        &[size_of::<libc::in_pktinfo>()],
    ),
    (libc::IPPROTO_IP, libc::IP_TTL, "IP_TTL", &[INT]),
    (libc::IPPROTO_IP, libc::IP_TOS, "IP_TOS", &[1, INT]),
    (
        libc::IPPROTO_IPV6,
        libc::IPV6_PKTINFO,
        "IPV6_PKTINFO",
        &[size_of::<libc::in6_pktinfo>()],
    ),
    (
        libc::IPPROTO_IPV6,
        libc::IPV6_HOPLIMIT,
        "IPV6_HOPLIMIT",
        &[INT],
    ),
    (libc::IPPROTO_IPV6, libc::IPV6_TCLASS, "IPV6_TCLASS", &[INT]),
    (
        libc::SOL_SOCKET,
        libc::SCM_CREDENTIALS,
        "SCM_CREDENTIALS",
        &[size_of::<libc::ucred>()],
    ),
];

const INT: usize = size_of::<libc::c_int>();

/// One ancillary data item (`struct cmsghdr` and its data), as Python's
/// `(cmsg_level, cmsg_type, cmsg_data)` tuple.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ancillary {
    /// `cmsg_level`, e.g. `IPPROTO_IP`.
    pub level: i32,
    /// `cmsg_type`, e.g. `IP_PKTINFO`.
    pub kind: i32,
    /// The item's data, without header or padding.
    pub data: Vec<u8>,
}

/// The most descriptors one `SCM_RIGHTS` item may carry: Linux's `SCM_MAX_FD`.
pub const SCM_MAX_FD: usize = 253;

/// One ancillary item [`recvmsg`] received.
#[derive(Debug)]
pub enum ReceivedItem {
    /// `SCM_RIGHTS`: the descriptors the kernel installed in this process for the message,
    /// owned here until the caller adopts or drops (closes) them.
    Rights(Vec<OwnedFd>),
    /// Any other item, raw.
    Data(Ancillary),
}

#[cfg(test)]
impl ReceivedItem {
    /// The raw item, or `None` for `SCM_RIGHTS`.
    pub fn data(&self) -> Option<&Ancillary> {
        match self {
            ReceivedItem::Data(a) => Some(a),
            ReceivedItem::Rights(_) => None,
        }
    }
}

/// One ancillary item for [`sendmsg`].
#[derive(Clone, Copy, Debug)]
pub enum SendItem<'a> {
    /// `SCM_RIGHTS` with these descriptors: the caller vouches that each is one the guest may
    /// pass (one of its own sockets).
    Rights(&'a [BorrowedFd<'a>]),
    /// Any other item, vetted by [`sendmsg`].
    Data(&'a Ancillary),
}

/// Where a [`sendmsg`] goes, when it names a destination.
#[derive(Clone, Copy, Debug)]
pub enum MsgDest<'a> {
    /// An IP address (`sockaddr_in` / `sockaddr_in6`).
    Ip(SocketAddr),
    /// An `AF_UNIX` address, as `sun_path` bytes.
    Unix(&'a [u8]),
    /// The kernel, on a netlink socket (port id 0, no groups).
    NetlinkKernel,
    /// An address already encoded (a packet socket's `sockaddr_ll`), with its length.
    Encoded(libc::sockaddr_storage, libc::socklen_t),
}

/// What one [`recvmsg`] returned: Python's `(data, ancdata, msg_flags, address)`.
#[derive(Debug)]
pub struct Received {
    /// The bytes received (at most the clamped `bufsize`).
    pub data: Vec<u8>,
    /// The ancillary items, in the kernel's order (a truncated last item keeps what fits).
    pub ancillary: Vec<ReceivedItem>,
    /// `msg_flags`: `MSG_TRUNC`, `MSG_CTRUNC`, `MSG_EOR`, `MSG_OOB`, `MSG_ERRQUEUE`…
    pub flags: i32,
    /// The sender, when the kernel names one (`None` on a connected TCP socket).
    pub address: Option<NetAddr>,
}

/// One attempt, no waiting: `recvmsg(2)` into a host buffer of `bufsize` bytes (clamped to
/// [`MAX_RECV_BUFSIZE`]) and a control buffer of `ancbufsize` bytes (clamped to
/// [`MAX_ANCBUFSIZE`]), with `MSG_CMSG_CLOEXEC` always added. The caller (the net core) handles
/// `EAGAIN` and timeouts by calling again; `EINTR` is retried here.
///
/// `bufsize` 0 is allowed (Python's `recvmsg(0)`). Returns [`SocketResult`] so that a refused
/// argument carries a message; the kernel's errors are `SocketError::Os(errno, None)`.
///
/// Errors: `EINVAL` for a flag outside `MSG_PEEK | MSG_DONTWAIT | MSG_WAITALL | MSG_TRUNC |
/// MSG_OOB | MSG_ERRQUEUE | MSG_CMSG_CLOEXEC` (the message names the bad bits); else the
/// kernel's errno.
pub fn recvmsg(
    fd: BorrowedFd<'_>,
    bufsize: usize,
    ancbufsize: usize,
    flags: i32,
) -> SocketResult<Received> {
    super::recv_flags(flags)?;
    let mut data = vec![0u8; bufsize.min(MAX_RECV_BUFSIZE)];
    let ancbufsize = ancbufsize.min(MAX_ANCBUFSIZE);
    // `usize` units so the control buffer is aligned for `cmsghdr` (whose first field is a
    // `size_t`).
    let mut control = vec![0usize; ancbufsize.div_ceil(size_of::<usize>())];
    let mut name = sockaddr::zeroed_storage();
    let mut iov = libc::iovec {
        iov_base: data.as_mut_ptr().cast::<libc::c_void>(),
        iov_len: data.len(),
    };
    // SAFETY: `msghdr` is a plain C struct for which all-zero bytes are a valid value (null
    // pointers, zero lengths).
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = (&raw mut name).cast::<libc::c_void>();
    msg.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    msg.msg_iov = &raw mut iov;
    msg.msg_iovlen = 1;
    if ancbufsize > 0 {
        msg.msg_control = control.as_mut_ptr().cast::<libc::c_void>();
        msg.msg_controllen = ancbufsize as _;
    }
    let received = loop {
        // SAFETY: every pointer in `msg` names a live host buffer of the length stated next to
        // it (`name`: sockaddr_storage; `iov` → `data`: `data.len()` bytes; `control`: at least
        // `ancbufsize` bytes, aligned for cmsghdr), none of which is touched until the call
        // returns; the kernel writes only within those lengths. `fd` is borrowed and open.
        let rc = unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, flags | libc::MSG_CMSG_CLOEXEC) };
        if rc >= 0 {
            break rc as usize;
        }
        let e = sys::last_errno();
        if e != Errno::INTR {
            return Err(e.into());
        }
    };
    // With MSG_TRUNC the kernel returns a datagram's real length, which can exceed the buffer.
    data.truncate(received.min(data.len()));

    let controllen = (msg.msg_controllen as usize).min(ancbufsize);
    // SAFETY: `control` is a live allocation of `control.len() * size_of::<usize>()` bytes,
    // initialised (zeroed, then partly written by the kernel); `usize` has no padding, so
    // viewing it as bytes is sound; the view is only read while `control` lives.
    let control_bytes = unsafe {
        std::slice::from_raw_parts(
            control.as_ptr().cast::<u8>(),
            control.len() * size_of::<usize>(),
        )
    };
    let ancillary = parse_control(&control_bytes[..controllen]);

    let mut out_flags = msg.msg_flags;
    // The kernel echoes MSG_CMSG_CLOEXEC into msg_flags; report it only if the guest asked.
    if flags & libc::MSG_CMSG_CLOEXEC == 0 {
        out_flags &= !libc::MSG_CMSG_CLOEXEC;
    }
    Ok(Received {
        data,
        ancillary,
        flags: out_flags,
        address: sockaddr::decode_net(&name, msg.msg_namelen),
    })
}

/// Splits a control buffer the kernel filled into items the way CPython does: a header that
/// does not fit ends the list; an item whose data was cut short (`MSG_CTRUNC`) keeps what fits.
/// The descriptors of `SCM_RIGHTS` items are taken into ownership, so the buffer must be one
/// the kernel has just filled for this process (the kernel installs only whole descriptors).
fn parse_control(control: &[u8]) -> Vec<ReceivedItem> {
    let header = size_of::<libc::cmsghdr>();
    let data_offset = cmsg_len(0);
    let mut items = Vec::new();
    let mut offset = 0usize;
    while offset
        .checked_add(header.max(data_offset))
        .is_some_and(|end| end <= control.len())
    {
        // SAFETY: `offset + size_of::<cmsghdr>() <= control.len()` was just checked, so the
        // unaligned read stays inside the slice; cmsghdr is plain integers, valid for any bytes.
        let h: libc::cmsghdr =
            unsafe { std::ptr::read_unaligned(control[offset..].as_ptr().cast()) };
        let cmsg_len = h.cmsg_len as usize;
        if cmsg_len < data_offset {
            break; // malformed: CPython stops here too
        }
        let end = offset.saturating_add(cmsg_len).min(control.len());
        let data = &control[offset + data_offset..end];
        if h.cmsg_level == libc::SOL_SOCKET && h.cmsg_type == libc::SCM_RIGHTS {
            items.push(ReceivedItem::Rights(take_passed_fds(data)));
        } else {
            items.push(ReceivedItem::Data(Ancillary {
                level: h.cmsg_level,
                kind: h.cmsg_type,
                data: data.to_vec(),
            }));
        }
        match offset.checked_add(cmsg_align(cmsg_len)) {
            Some(next) => offset = next,
            None => break,
        }
    }
    items
}

/// Takes ownership of every descriptor in an `SCM_RIGHTS` payload the kernel just installed
/// in this process: from here on each closes when dropped.
fn take_passed_fds(data: &[u8]) -> Vec<OwnedFd> {
    data.chunks_exact(INT)
        .map(|chunk| i32::from_ne_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
        .filter(|&fd| fd >= 0)
        // SAFETY: the kernel has just installed `fd` in this process for this recvmsg call
        // (SCM_RIGHTS); nothing else knows or owns it, so taking ownership once is sound.
        .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })
        .collect()
}

/// One attempt: `sendmsg(2)` gathering `buffers`, with vetted `ancillary` items, to `address`
/// (or the connected peer), with `MSG_NOSIGNAL` always added. `EINTR` is retried here; the
/// caller handles `EAGAIN` and timeouts. Returns the bytes sent.
///
/// [`SendItem::Rights`] items go as `SCM_RIGHTS` with the descriptors given (at most
/// [`SCM_MAX_FD`] per item, else `EINVAL` as the kernel answers); the caller decides which
/// descriptors a guest may pass.
///
/// `address` is encoded for the socket's `family`: an IPv4 address on an `AF_INET6` socket is
/// sent to its IPv4-mapped form (`::ffff:a.b.c.d`), the same destination; an IPv6 address on an
/// `AF_INET` socket is `EAFNOSUPPORT`, as the kernel answers.
///
/// Errors (before any syscall): `EINVAL` for a flag outside `MSG_OOB | MSG_DONTWAIT |
/// MSG_DONTROUTE | MSG_EOR | MSG_MORE | MSG_CONFIRM | MSG_NOSIGNAL`, or an ancillary item not in
/// the vetted list (`(IPPROTO_IP, IP_PKTINFO, 12 bytes)`, `(IPPROTO_IP, IP_TTL, 4)`,
/// `(IPPROTO_IP, IP_TOS, 1 or 4)`, `(IPPROTO_IPV6, IPV6_PKTINFO, 20)`, `(IPPROTO_IPV6,
/// IPV6_HOPLIMIT, 4)`, `(IPPROTO_IPV6, IPV6_TCLASS, 4)`, `(SOL_SOCKET, SCM_CREDENTIALS, 12)`;
/// raw `SCM_RIGHTS` data is refused: descriptors travel only as [`SendItem::Rights`]); `EPERM`
/// for `SCM_CREDENTIALS` naming ids other than this process's own (the kernel would let a
/// privileged host forge them); `EMSGSIZE` for more than [`MAX_IOV`] buffers; `ENOBUFS` for a
/// control message above [`MAX_ANCBUFSIZE`]; `EAFNOSUPPORT` as above. Else the kernel's errno.
pub fn sendmsg(
    fd: BorrowedFd<'_>,
    family: Family,
    buffers: &[&[u8]],
    ancillary: &[SendItem<'_>],
    flags: i32,
    address: Option<MsgDest<'_>>,
) -> SocketResult<usize> {
    super::send_flags(flags)?;
    if buffers.len() > MAX_IOV {
        return Err(SocketError::os_msg(
            Errno::MSGSIZE,
            format!(
                "sendmsg with {} buffers: at most {MAX_IOV} (IOV_MAX)",
                buffers.len()
            ),
        ));
    }
    let mut items = Vec::with_capacity(ancillary.len());
    for item in ancillary {
        items.push(match *item {
            SendItem::Data(a) => {
                vet_ancillary(a)?;
                std::borrow::Cow::Borrowed(a)
            }
            SendItem::Rights(fds) => std::borrow::Cow::Owned(rights_item(fds)?),
        });
    }
    let control_len = items.iter().fold(0usize, |sum, item| {
        sum.saturating_add(cmsg_space(item.data.len()))
    });
    if control_len > MAX_ANCBUFSIZE {
        return Err(SocketError::os_msg(
            Errno::NOBUFS,
            format!("sendmsg ancillary data of {control_len} bytes: at most {MAX_ANCBUFSIZE}"),
        ));
    }
    let mut name = match address {
        Some(MsgDest::Ip(addr)) => Some(sockaddr::encode_for_family(family, addr)?),
        Some(MsgDest::Unix(sun_path)) => Some(sockaddr::encode_unix(sun_path)),
        Some(MsgDest::NetlinkKernel) => Some(sockaddr::encode_netlink(0, 0)),
        Some(MsgDest::Encoded(storage, len)) => Some((storage, len)),
        None => None,
    };

    let mut iovs: Vec<libc::iovec> = buffers
        .iter()
        .map(|b| libc::iovec {
            // The kernel only reads through this pointer (sendmsg never writes to iov_base).
            iov_base: b.as_ptr().cast_mut().cast::<libc::c_void>(),
            iov_len: b.len(),
        })
        .collect();
    let mut control = vec![0usize; control_len.div_ceil(size_of::<usize>())];

    // SAFETY: `msghdr` is a plain C struct for which all-zero bytes are a valid value (null
    // pointers, zero lengths).
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    if let Some((storage, len)) = name.as_mut() {
        msg.msg_name = (storage as *mut libc::sockaddr_storage).cast::<libc::c_void>();
        msg.msg_namelen = *len;
    }
    if !iovs.is_empty() {
        msg.msg_iov = iovs.as_mut_ptr();
        msg.msg_iovlen = iovs.len() as _;
    }
    if control_len > 0 {
        msg.msg_control = control.as_mut_ptr().cast::<libc::c_void>();
        msg.msg_controllen = control_len as _;
        write_control(&msg, &items)?;
    }
    loop {
        // SAFETY: every pointer in `msg` names a live host buffer of the length stated next to
        // it (`name`: an encoded sockaddr of `msg_namelen` bytes; `iovs`: `msg_iovlen` iovecs,
        // each naming a live borrowed slice; `control`: `msg_controllen` bytes, aligned for
        // cmsghdr, fully written by `write_control`); the kernel only reads them. `fd` is
        // borrowed and open.
        let rc = unsafe { libc::sendmsg(fd.as_raw_fd(), &msg, flags | libc::MSG_NOSIGNAL) };
        if rc >= 0 {
            return Ok(rc as usize);
        }
        let e = sys::last_errno();
        if e != Errno::INTR {
            return Err(e.into());
        }
    }
}

/// The `SCM_RIGHTS` item carrying `fds`.
fn rights_item(fds: &[BorrowedFd<'_>]) -> SocketResult<Ancillary> {
    if fds.len() > SCM_MAX_FD {
        return Err(SocketError::os_msg(
            Errno::INVAL,
            format!(
                "SCM_RIGHTS with {} descriptors: at most {SCM_MAX_FD} (SCM_MAX_FD) per message",
                fds.len()
            ),
        ));
    }
    Ok(Ancillary {
        level: libc::SOL_SOCKET,
        kind: libc::SCM_RIGHTS,
        data: fds
            .iter()
            .flat_map(|fd| fd.as_raw_fd().to_ne_bytes())
            .collect(),
    })
}

/// Refuses `SCM_CREDENTIALS` naming anything but this process's own pid, and its real or
/// effective uid and gid: what Linux lets an unprivileged sender pass. A host running with
/// privileges must not lend them to a guest.
fn vet_credentials(data: &[u8]) -> SocketResult<()> {
    let field = |i: usize| u32::from_ne_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
    let (pid, uid, gid) = (field(0), field(4), field(8));
    let own_pid = rustix::process::getpid().as_raw_nonzero().get() as u32;
    let uids = [rustix::process::getuid(), rustix::process::geteuid()].map(|u| u.as_raw());
    let gids = [rustix::process::getgid(), rustix::process::getegid()].map(|g| g.as_raw());
    if pid == own_pid && uids.contains(&uid) && gids.contains(&gid) {
        return Ok(());
    }
    Err(SocketError::os_msg(
        Errno::PERM,
        format!(
            "SCM_CREDENTIALS may carry only this process's own ids (pid {own_pid}, uid {}, gid {}), not pid {pid}, uid {uid}, gid {gid}; SO_PEERCRED on a socketpair end tells them",
            uids[1], gids[1]
        ),
    ))
}

/// Refuses an ancillary item outside [`SEND_ANCILLARY`] or of a length it does not list, and
/// credentials that are not this process's own.
fn vet_ancillary(item: &Ancillary) -> SocketResult<()> {
    let (level, kind, len) = (item.level, item.kind, item.data.len());
    let entry = SEND_ANCILLARY
        .iter()
        .find(|&&(l, k, _, _)| l == level && k == kind);
    let Some(&(_, _, name, lengths)) = entry else {
        let what = match (level, kind) {
            (libc::SOL_SOCKET, libc::SCM_RIGHTS) => {
                "SCM_RIGHTS as raw data (descriptors pass as sockets, not numbers)".to_owned()
            }
            _ => format!("(level {level}, type {kind})"),
        };
        return Err(SocketError::os_msg(
            Errno::INVAL,
            format!("ancillary data item {what} is not available to guests"),
        ));
    };
    if !lengths.contains(&len) {
        let sizes = lengths
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" or ");
        return Err(SocketError::os_msg(
            Errno::INVAL,
            format!("ancillary data item {name} takes {sizes} bytes of data, not {len}"),
        ));
    }
    if (level, kind) == (libc::SOL_SOCKET, libc::SCM_CREDENTIALS) {
        vet_credentials(&item.data)?;
    }
    Ok(())
}

/// Writes the (already vetted) items into `msg`'s control buffer with `CMSG_FIRSTHDR` /
/// `CMSG_NXTHDR` / `CMSG_DATA`, each at its `CMSG_SPACE`-aligned place.
fn write_control(
    msg: &libc::msghdr,
    ancillary: &[std::borrow::Cow<'_, Ancillary>],
) -> SocketResult<()> {
    // SAFETY: `msg.msg_control` points at a live, zeroed, cmsghdr-aligned buffer of
    // `msg.msg_controllen` bytes, which is exactly the sum of CMSG_SPACE(len) over the items.
    // CMSG_FIRSTHDR / CMSG_NXTHDR only return a header that lies wholly inside that buffer
    // (null otherwise, checked before use), and the data written at CMSG_DATA is
    // `item.data.len()` bytes, within that item's CMSG_SPACE.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(msg);
        for item in ancillary {
            if cmsg.is_null() {
                return Err(SocketError::os_msg(
                    Errno::INVAL,
                    "ancillary data does not fit its control buffer",
                ));
            }
            (*cmsg).cmsg_len = cmsg_len(item.data.len()) as _;
            (*cmsg).cmsg_level = item.level;
            (*cmsg).cmsg_type = item.kind;
            std::ptr::copy_nonoverlapping(
                item.data.as_ptr(),
                libc::CMSG_DATA(cmsg),
                item.data.len(),
            );
            cmsg = libc::CMSG_NXTHDR(msg, cmsg);
        }
    }
    Ok(())
}

/// `CMSG_SPACE(len)`, for lengths the callers have bounded (≤ [`MAX_ANCBUFSIZE`]).
fn cmsg_space(len: usize) -> usize {
    let len = len.min(MAX_ANCBUFSIZE) as libc::c_uint;
    // SAFETY: CMSG_SPACE is pure arithmetic on its argument (it is `unsafe` only by
    // declaration); the argument is bounded so nothing overflows.
    unsafe { libc::CMSG_SPACE(len) as usize }
}

/// `CMSG_LEN(len)`, for lengths the callers have bounded (≤ [`MAX_ANCBUFSIZE`]).
fn cmsg_len(len: usize) -> usize {
    let len = len.min(MAX_ANCBUFSIZE) as libc::c_uint;
    // SAFETY: CMSG_LEN is pure arithmetic on its argument (it is `unsafe` only by
    // declaration); the argument is bounded so nothing overflows.
    unsafe { libc::CMSG_LEN(len) as usize }
}

/// `CMSG_ALIGN(len)`: `len` rounded up to the cmsg alignment, i.e. `CMSG_SPACE(1) -
/// CMSG_SPACE(0)` units; saturates instead of overflowing.
fn cmsg_align(len: usize) -> usize {
    let unit = cmsg_space(1) - cmsg_space(0);
    len.checked_next_multiple_of(unit).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};
    use std::os::fd::{AsFd, OwnedFd};
    use std::time::Duration;

    use rustix::net::{AddressFamily, SocketFlags, SocketType, ipproto, socket_with};

    use super::*;

    /// A non-blocking socket of `family` / `ty`; None when the host has no IPv6.
    fn sock(family: Family, ty: SocketType) -> Option<OwnedFd> {
        let af = match family {
            Family::Inet => AddressFamily::INET,
            Family::Inet6 => AddressFamily::INET6,
            Family::Unix | Family::Netlink | Family::Vsock | Family::Packet | Family::Can => {
                unreachable!("these tests make IP sockets")
            }
        };
        let proto = if ty == SocketType::STREAM {
            ipproto::TCP
        } else {
            ipproto::UDP
        };
        match socket_with(
            af,
            ty,
            SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
            Some(proto),
        ) {
            Ok(fd) => Some(fd),
            Err(Errno::AFNOSUPPORT) if family == Family::Inet6 => None,
            Err(e) => panic!("socket: {e}"),
        }
    }

    fn loopback(family: Family) -> SocketAddr {
        match family {
            Family::Inet => SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            Family::Inet6 => SocketAddr::from((Ipv6Addr::LOCALHOST, 0)),
            Family::Unix | Family::Netlink | Family::Vsock | Family::Packet | Family::Can => {
                unreachable!("these tests make IP sockets")
            }
        }
    }

    fn bound_udp(family: Family) -> Option<(OwnedFd, SocketAddr)> {
        let s = sock(family, SocketType::DGRAM)?;
        if rustix::net::bind(&s, &loopback(family)).is_err() {
            return None; // an IPv6 stack without ::1
        }
        let addr = local_addr(&s);
        Some((s, addr))
    }

    fn local_addr(s: &OwnedFd) -> SocketAddr {
        let mut storage = sockaddr::zeroed_storage();
        let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        // SAFETY: `storage` is a writable sockaddr_storage and `len` says its size.
        let rc = unsafe { libc::getsockname(s.as_raw_fd(), (&raw mut storage).cast(), &mut len) };
        assert_eq!(rc, 0);
        sockaddr::decode(&storage, len).expect("an IP address")
    }

    /// UDP receiver and unbound sender of `family`.
    fn udp_pair(family: Family) -> Option<(OwnedFd, SocketAddr, OwnedFd)> {
        let (rx, addr) = bound_udp(family)?;
        let tx = sock(family, SocketType::DGRAM)?;
        Some((rx, addr, tx))
    }

    /// recvmsg, waiting (bounded) for something to arrive on the non-blocking socket.
    fn recv_wait(fd: &OwnedFd, bufsize: usize, ancbufsize: usize, flags: i32) -> Received {
        for _ in 0..2000 {
            match recvmsg(fd.as_fd(), bufsize, ancbufsize, flags) {
                Err(e) if e.errno() == Some(Errno::AGAIN) => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(e) => panic!("recvmsg: {e}"),
                Ok(r) => return r,
            }
        }
        panic!("nothing arrived within 2 s");
    }

    fn send(
        tx: &OwnedFd,
        family: Family,
        bufs: &[&[u8]],
        anc: &[Ancillary],
        to: SocketAddr,
    ) -> usize {
        let anc: Vec<SendItem<'_>> = anc.iter().map(SendItem::Data).collect();
        sendmsg(tx.as_fd(), family, bufs, &anc, 0, Some(MsgDest::Ip(to))).expect("sendmsg")
    }

    fn set_int(fd: &OwnedFd, level: i32, name: i32, value: i32) {
        // SAFETY: `value` is a live C int and the length says exactly its size.
        let rc = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                level,
                name,
                (&raw const value).cast(),
                size_of::<i32>() as libc::socklen_t,
            )
        };
        assert_eq!(rc, 0, "setsockopt({level}, {name})");
    }

    fn message_of<T: std::fmt::Debug>(r: SocketResult<T>) -> (Errno, String) {
        match r.expect_err("expected an error") {
            SocketError::Os(e, Some(m)) => (e, m),
            other => panic!("expected an OS error with a message, got {other:?}"),
        }
    }

    #[test]
    fn gather_of_three_buffers_is_one_datagram() {
        for family in [Family::Inet, Family::Inet6] {
            let Some((rx, to, tx)) = udp_pair(family) else {
                continue;
            };
            let n = send(&tx, family, &[b"ab", b"", b"cdef", b"g"], &[], to);
            assert_eq!(n, 7);
            let r = recv_wait(&rx, 100, 0, 0);
            assert_eq!(r.data, b"abcdefg");
            assert_eq!(r.flags, 0);
            assert!(r.ancillary.is_empty());
            // recvmsg reports the sender.
            let Some(NetAddr::Ip(from)) = r.address else {
                panic!("an IP sender: {:?}", r.address)
            };
            // The sender was bound implicitly (to the wildcard address): same port, loopback IP.
            assert_eq!(from.port(), local_addr(&tx).port(), "{family:?}");
            assert!(from.ip().is_loopback(), "{from}");
        }
    }

    #[test]
    fn ipv4_address_on_inet6_socket_is_mapped() {
        let Some((rx, to, _)) = udp_pair(Family::Inet) else {
            unreachable!()
        };
        let Some(tx6) = sock(Family::Inet6, SocketType::DGRAM) else {
            return;
        };
        assert_eq!(send(&tx6, Family::Inet6, &[b"m"], &[], to), 1);
        let r = recv_wait(&rx, 10, 0, 0);
        assert_eq!(r.data, b"m");
        let tx = sock(Family::Inet, SocketType::DGRAM).unwrap();
        let v6 = SocketAddr::from((Ipv6Addr::LOCALHOST, to.port()));
        let (e, m) = message_of(sendmsg(
            tx.as_fd(),
            Family::Inet,
            &[b"x"],
            &[],
            0,
            Some(MsgDest::Ip(v6)),
        ));
        assert_eq!(e, Errno::AFNOSUPPORT);
        assert!(m.contains("AF_INET socket"), "{m}");
    }

    #[test]
    fn ip_pktinfo_is_returned_raw() {
        let (rx, to, tx) = udp_pair(Family::Inet).unwrap();
        set_int(&rx, libc::IPPROTO_IP, libc::IP_PKTINFO, 1);
        send(&tx, Family::Inet, &[b"hello"], &[], to);
        let r = recv_wait(&rx, 100, cmsg_space(12), 0);
        assert_eq!(r.data, b"hello");
        assert_eq!(r.flags, 0, "no MSG_CTRUNC, no MSG_CMSG_CLOEXEC echoed");
        assert_eq!(r.ancillary.len(), 1);
        let a = r.ancillary[0].data().unwrap();
        assert_eq!((a.level, a.kind), (libc::IPPROTO_IP, libc::IP_PKTINFO));
        assert_eq!(a.data.len(), 12);
        // struct in_pktinfo { int ipi_ifindex; in_addr ipi_spec_dst; in_addr ipi_addr; }
        assert_eq!(
            i32::from_ne_bytes(a.data[..4].try_into().unwrap()),
            1,
            "lo is ifindex 1"
        );
        assert_eq!(&a.data[4..8], &[127, 0, 0, 1]);
        assert_eq!(&a.data[8..12], &[127, 0, 0, 1]);
    }

    #[test]
    fn ctrunc_keeps_what_fits() {
        let (rx, to, tx) = udp_pair(Family::Inet).unwrap();
        set_int(&rx, libc::IPPROTO_IP, libc::IP_PKTINFO, 1);
        // Python on Linux: recvmsg(100, 20) → [(0, 8, 4 bytes)], MSG_CTRUNC.
        send(&tx, Family::Inet, &[b"one"], &[], to);
        let r = recv_wait(&rx, 100, 20, 0);
        assert_eq!(r.data, b"one");
        assert_eq!(r.flags & libc::MSG_CTRUNC, libc::MSG_CTRUNC);
        assert_eq!(r.ancillary.len(), 1);
        assert_eq!(r.ancillary[0].data().unwrap().data, 1i32.to_ne_bytes());
        // Too small for a header: no items at all, MSG_CTRUNC.
        send(&tx, Family::Inet, &[b"two"], &[], to);
        let r = recv_wait(&rx, 100, 8, 0);
        assert_eq!(r.data, b"two");
        assert_eq!(r.flags, libc::MSG_CTRUNC);
        assert!(r.ancillary.is_empty());
    }

    #[test]
    fn trunc_peek_and_zero_bufsize() {
        let (rx, to, tx) = udp_pair(Family::Inet).unwrap();
        send(&tx, Family::Inet, &[b"0123456789"], &[], to);
        // MSG_PEEK leaves the datagram.
        let r = recv_wait(&rx, 100, 0, libc::MSG_PEEK);
        assert_eq!(r.data, b"0123456789");
        // Short buffer: MSG_TRUNC reported. With MSG_TRUNC passed, the kernel returns the real
        // length (10) but only 4 bytes exist: data is 4 bytes, as in Python.
        let r = recv_wait(&rx, 4, 0, libc::MSG_PEEK | libc::MSG_TRUNC);
        assert_eq!(r.data, b"0123");
        assert_eq!(r.flags, libc::MSG_TRUNC);
        let r = recv_wait(&rx, 4, 0, 0);
        assert_eq!(r.data, b"0123");
        assert_eq!(r.flags, libc::MSG_TRUNC);
        assert!(r.address.is_some());
        // It was consumed.
        let e = recvmsg(rx.as_fd(), 100, 0, 0).unwrap_err();
        assert_eq!(e.errno(), Some(Errno::AGAIN));
        // recvmsg(0), as Python allows.
        send(&tx, Family::Inet, &[b"abc"], &[], to);
        let r = recv_wait(&rx, 0, 0, 0);
        assert!(r.data.is_empty());
        assert_eq!(r.flags, libc::MSG_TRUNC);
    }

    #[test]
    fn huge_sizes_are_clamped() {
        let (rx, to, tx) = udp_pair(Family::Inet).unwrap();
        set_int(&rx, libc::IPPROTO_IP, libc::IP_PKTINFO, 1);
        send(&tx, Family::Inet, &[b"big"], &[], to);
        let r = recv_wait(&rx, usize::MAX, usize::MAX, 0);
        assert_eq!(r.data, b"big");
        assert_eq!(r.ancillary.len(), 1);
    }

    #[test]
    fn cloexec_is_reported_only_when_asked() {
        let (rx, to, tx) = udp_pair(Family::Inet).unwrap();
        send(&tx, Family::Inet, &[b"c"], &[], to);
        let r = recv_wait(&rx, 10, 0, libc::MSG_CMSG_CLOEXEC);
        assert_eq!(r.flags & !libc::MSG_CMSG_CLOEXEC, 0);
    }

    #[test]
    fn ip_ttl_ancillary_is_sent() {
        let (rx, to, tx) = udp_pair(Family::Inet).unwrap();
        set_int(&rx, libc::IPPROTO_IP, libc::IP_RECVTTL, 1);
        let ttl = Ancillary {
            level: libc::IPPROTO_IP,
            kind: libc::IP_TTL,
            data: 3i32.to_ne_bytes().to_vec(),
        };
        let tos = Ancillary {
            level: libc::IPPROTO_IP,
            kind: libc::IP_TOS,
            data: vec![0x10],
        };
        assert_eq!(send(&tx, Family::Inet, &[b"ttl"], &[ttl, tos], to), 3);
        let r = recv_wait(&rx, 10, 64, 0);
        assert_eq!(r.data, b"ttl");
        let got = r
            .ancillary
            .iter()
            .filter_map(ReceivedItem::data)
            .find(|a| (a.level, a.kind) == (libc::IPPROTO_IP, libc::IP_TTL))
            .expect("an IP_TTL item");
        assert_eq!(got.data, 3i32.to_ne_bytes());
    }

    #[test]
    fn ipv6_ancillary_is_sent() {
        let Some((rx, to, tx)) = udp_pair(Family::Inet6) else {
            return;
        };
        set_int(&rx, libc::IPPROTO_IPV6, libc::IPV6_RECVHOPLIMIT, 1);
        set_int(&rx, libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, 1);
        let mut pktinfo = Ipv6Addr::UNSPECIFIED.octets().to_vec();
        pktinfo.extend_from_slice(&0u32.to_ne_bytes());
        let anc = [
            Ancillary {
                level: libc::IPPROTO_IPV6,
                kind: libc::IPV6_HOPLIMIT,
                data: 5i32.to_ne_bytes().to_vec(),
            },
            Ancillary {
                level: libc::IPPROTO_IPV6,
                kind: libc::IPV6_TCLASS,
                data: 0i32.to_ne_bytes().to_vec(),
            },
            Ancillary {
                level: libc::IPPROTO_IPV6,
                kind: libc::IPV6_PKTINFO,
                data: pktinfo,
            },
        ];
        assert_eq!(send(&tx, Family::Inet6, &[b"six"], &anc, to), 3);
        let r = recv_wait(&rx, 10, 256, 0);
        assert_eq!(r.data, b"six");
        let hop = r
            .ancillary
            .iter()
            .filter_map(ReceivedItem::data)
            .find(|a| (a.level, a.kind) == (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT))
            .expect("an IPV6_HOPLIMIT item");
        assert_eq!(hop.data, 5i32.to_ne_bytes());
        let info = r
            .ancillary
            .iter()
            .filter_map(ReceivedItem::data)
            .find(|a| (a.level, a.kind) == (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO))
            .expect("an IPV6_PKTINFO item");
        assert_eq!(&info.data[..16], &Ipv6Addr::LOCALHOST.octets());
    }

    #[test]
    fn empty_send_is_an_empty_datagram() {
        let (rx, to, tx) = udp_pair(Family::Inet).unwrap();
        assert_eq!(send(&tx, Family::Inet, &[], &[], to), 0);
        let r = recv_wait(&rx, 10, 0, 0);
        assert!(r.data.is_empty());
        assert_eq!(r.flags, 0);
        assert_eq!(
            r.address,
            Some(NetAddr::Ip(SocketAddr::from((
                Ipv4Addr::LOCALHOST,
                local_addr(&tx).port()
            ))))
        );
    }

    #[test]
    fn refused_ancillary() {
        let (_rx, to, tx) = udp_pair(Family::Inet).unwrap();
        let item = |level, kind, data: Vec<u8>| Ancillary { level, kind, data };
        let send = |a: Ancillary| {
            sendmsg(
                tx.as_fd(),
                Family::Inet,
                &[b"x"],
                &[SendItem::Data(&a)],
                0,
                Some(MsgDest::Ip(to)),
            )
        };
        let (e, m) = message_of(send(item(libc::SOL_SOCKET, libc::SCM_RIGHTS, vec![0; 4])));
        assert_eq!(e, Errno::INVAL);
        assert!(m.contains("SCM_RIGHTS"), "{m}");
        // Credentials other than the host's own (pid 0, root) are refused even to a root host.
        let (e, m) = message_of(send(item(
            libc::SOL_SOCKET,
            libc::SCM_CREDENTIALS,
            vec![0; 12],
        )));
        assert_eq!(e, Errno::PERM);
        assert!(m.contains("SCM_CREDENTIALS may carry only"), "{m}");
        let (e, m) = message_of(send(item(
            libc::SOL_SOCKET,
            libc::SCM_CREDENTIALS,
            vec![0; 11],
        )));
        assert_eq!(e, Errno::INVAL);
        assert!(
            m.contains("SCM_CREDENTIALS takes 12 bytes of data, not 11"),
            "{m}"
        );
        let (e, m) = message_of(send(item(libc::IPPROTO_IP, libc::IP_RETOPTS, vec![0; 4])));
        assert_eq!(e, Errno::INVAL);
        assert!(m.contains("(level 0, type 7)"), "{m}");
        let (e, m) = message_of(send(item(libc::IPPROTO_IP, libc::IP_TTL, vec![3])));
        assert_eq!(e, Errno::INVAL);
        assert!(m.contains("IP_TTL takes 4 bytes of data, not 1"), "{m}");
        let (e, m) = message_of(send(item(libc::IPPROTO_IP, libc::IP_TOS, vec![0; 2])));
        assert_eq!(e, Errno::INVAL);
        assert!(m.contains("1 or 4 bytes"), "{m}");
        let (e, _) = message_of(send(item(
            libc::IPPROTO_IP,
            libc::IP_PKTINFO,
            vec![0; 1 << 20],
        )));
        assert_eq!(e, Errno::INVAL);
        let (e, _) = message_of(send(item(i32::MIN, i32::MAX, Vec::new())));
        assert_eq!(e, Errno::INVAL);
        // Too many vetted items in all.
        let ttl = item(libc::IPPROTO_IP, libc::IP_TTL, 3i32.to_ne_bytes().to_vec());
        let many = vec![SendItem::Data(&ttl); MAX_ANCBUFSIZE / cmsg_space(4) + 1];
        let r = sendmsg(
            tx.as_fd(),
            Family::Inet,
            &[b"x"],
            &many,
            0,
            Some(MsgDest::Ip(to)),
        );
        assert_eq!(message_of(r).0, Errno::NOBUFS);
    }

    #[test]
    fn refused_flags() {
        let (rx, to, tx) = udp_pair(Family::Inet).unwrap();
        for bad in [
            libc::MSG_FASTOPEN,
            libc::MSG_PEEK,
            libc::MSG_ZEROCOPY,
            i32::MIN,
            -1,
        ] {
            let r = sendmsg(
                tx.as_fd(),
                Family::Inet,
                &[b"x"],
                &[],
                bad,
                Some(MsgDest::Ip(to)),
            );
            let (e, m) = message_of(r);
            assert_eq!(e, Errno::INVAL);
            assert!(m.contains("unsupported send flags"), "{m}");
        }
        for bad in [
            libc::MSG_NOSIGNAL,
            libc::MSG_DONTROUTE,
            libc::MSG_CTRUNC,
            0x10,
            -1,
        ] {
            let (e, m) = message_of(recvmsg(rx.as_fd(), 10, 0, bad));
            assert_eq!(e, Errno::INVAL);
            assert!(m.contains("unsupported receive flags"), "{m}");
        }
        let (_, m) = message_of(recvmsg(rx.as_fd(), 10, 0, libc::MSG_PEEK | 0x4_0000));
        assert!(m.contains("0x40000"), "{m}");
        // Every allowed flag passes the check (the kernel then answers EAGAIN: nothing queued).
        let every = libc::MSG_PEEK
            | libc::MSG_DONTWAIT
            | libc::MSG_WAITALL
            | libc::MSG_TRUNC
            | libc::MSG_OOB
            | libc::MSG_CMSG_CLOEXEC;
        let e = recvmsg(rx.as_fd(), 10, 0, every).unwrap_err();
        assert_eq!(e.errno(), Some(Errno::AGAIN));
        let ok = libc::MSG_DONTWAIT | libc::MSG_CONFIRM | libc::MSG_NOSIGNAL;
        assert_eq!(
            sendmsg(
                tx.as_fd(),
                Family::Inet,
                &[b"x"],
                &[],
                ok,
                Some(MsgDest::Ip(to))
            )
            .unwrap(),
            1
        );
    }

    #[test]
    fn iov_max_is_emsgsize() {
        let (rx, to, tx) = udp_pair(Family::Inet).unwrap();
        let one: &[u8] = b"x";
        let bufs = vec![one; MAX_IOV + 1];
        let (e, m) = message_of(sendmsg(
            tx.as_fd(),
            Family::Inet,
            &bufs,
            &[],
            0,
            Some(MsgDest::Ip(to)),
        ));
        assert_eq!(e, Errno::MSGSIZE);
        assert!(m.contains("1025 buffers"), "{m}");
        assert_eq!(send(&tx, Family::Inet, &bufs[..MAX_IOV], &[], to), MAX_IOV);
        assert_eq!(recv_wait(&rx, 2048, 0, 0).data.len(), MAX_IOV);
    }

    #[test]
    fn tcp_pair_has_no_address() {
        let listener = sock(Family::Inet, SocketType::STREAM).unwrap();
        rustix::net::bind(&listener, &loopback(Family::Inet)).unwrap();
        rustix::net::listen(&listener, 1).unwrap();
        let to = local_addr(&listener);
        let client = sock(Family::Inet, SocketType::STREAM).unwrap();
        match rustix::net::connect(&client, &to) {
            Ok(()) | Err(Errno::INPROGRESS) => {}
            Err(e) => panic!("connect: {e}"),
        }
        let mut server = None;
        for _ in 0..2000 {
            match rustix::net::accept(&listener) {
                Ok(s) => {
                    server = Some(s);
                    break;
                }
                Err(Errno::AGAIN) => std::thread::sleep(Duration::from_millis(1)),
                Err(e) => panic!("accept: {e}"),
            }
        }
        let server = server.expect("accepted");
        rustix::io::ioctl_fionbio(&server, true).unwrap();
        // Wait for the connect to finish before sending.
        let mut sent = None;
        for _ in 0..2000 {
            match sendmsg(client.as_fd(), Family::Inet, &[b"tc", b"p!"], &[], 0, None) {
                Ok(n) => {
                    sent = Some(n);
                    break;
                }
                Err(e) if e.errno() == Some(Errno::AGAIN) => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(e) => panic!("sendmsg: {e}"),
            }
        }
        assert_eq!(sent, Some(4));
        let mut got = Vec::new();
        for _ in 0..100 {
            if got.len() >= 4 {
                break;
            }
            let r = recv_wait(&server, 10, 64, 0);
            assert_eq!(r.address, None, "TCP recvmsg names no sender");
            assert!(r.ancillary.is_empty());
            got.extend_from_slice(&r.data);
        }
        assert_eq!(got, b"tcp!");
    }

    #[test]
    fn passed_descriptors_are_owned_and_closed_when_dropped() {
        // Send a pipe's write end with SendItem::Rights, close ours: the received copy is an
        // OwnedFd, and once it is dropped the read end sees end-of-file (nothing leaked).
        let (a, b) = unix_pair(libc::SOCK_DGRAM);
        let (read_end, write_end) = pipe();
        let fds = [write_end.as_fd()];
        let sent = sendmsg(
            a.as_fd(),
            Family::Unix,
            &[b"fd"],
            &[SendItem::Rights(&fds)],
            0,
            None,
        );
        assert_eq!(sent.unwrap(), 2);
        drop(write_end);

        let r = recvmsg(b.as_fd(), 10, 64, 0).expect("queued");
        assert_eq!(r.data, b"fd");
        assert_eq!(r.flags & libc::MSG_CTRUNC, 0);
        match &r.ancillary[..] {
            [ReceivedItem::Rights(fds)] => assert_eq!(fds.len(), 1),
            other => panic!("one SCM_RIGHTS item expected: {other:?}"),
        }
        assert_eq!(read_byte(&read_end), -1, "the received copy is still open");
        drop(r);
        assert_eq!(read_byte(&read_end), 0, "every write end is closed: EOF");
    }

    #[test]
    fn rights_that_do_not_fit_are_closed_by_the_kernel() {
        // Three descriptors into room for one: Linux installs what fits, closes the rest and
        // says MSG_CTRUNC.
        let (a, b) = unix_pair(libc::SOCK_DGRAM);
        let (read_end, write_end) = pipe();
        let fds = [write_end.as_fd(); 3];
        sendmsg(
            a.as_fd(),
            Family::Unix,
            &[b"x"],
            &[SendItem::Rights(&fds)],
            0,
            None,
        )
        .unwrap();
        drop(write_end);
        let r = recvmsg(b.as_fd(), 10, cmsg_len(INT), 0).expect("queued");
        assert_ne!(r.flags & libc::MSG_CTRUNC, 0);
        match &r.ancillary[..] {
            [ReceivedItem::Rights(fds)] => assert_eq!(fds.len(), 1),
            other => panic!("one SCM_RIGHTS item expected: {other:?}"),
        }
        drop(r);
        assert_eq!(read_byte(&read_end), 0, "nothing leaked");
        // Too many for one item: the kernel's EINVAL, before any syscall.
        let (_r2, w2) = pipe();
        let many = vec![w2.as_fd(); SCM_MAX_FD + 1];
        let e = sendmsg(
            a.as_fd(),
            Family::Unix,
            &[b"x"],
            &[SendItem::Rights(&many)],
            0,
            None,
        );
        let (e, m) = message_of(e);
        assert_eq!(e, Errno::INVAL);
        assert!(m.contains("at most 253"), "{m}");
    }

    #[test]
    fn own_credentials_pass_and_arrive() {
        let (a, b) = unix_pair(libc::SOCK_DGRAM);
        set_int(&b, libc::SOL_SOCKET, libc::SO_PASSCRED, 1);
        let pid = rustix::process::getpid().as_raw_nonzero().get() as u32;
        let uid = rustix::process::geteuid().as_raw();
        let gid = rustix::process::getegid().as_raw();
        let creds: Vec<u8> = [pid, uid, gid]
            .iter()
            .flat_map(|v| v.to_ne_bytes())
            .collect();
        let item = Ancillary {
            level: libc::SOL_SOCKET,
            kind: libc::SCM_CREDENTIALS,
            data: creds.clone(),
        };
        sendmsg(
            a.as_fd(),
            Family::Unix,
            &[b"c"],
            &[SendItem::Data(&item)],
            0,
            None,
        )
        .unwrap();
        let r = recvmsg(b.as_fd(), 10, 64, 0).expect("queued");
        let got = r
            .ancillary
            .iter()
            .filter_map(ReceivedItem::data)
            .find(|a| (a.level, a.kind) == (libc::SOL_SOCKET, libc::SCM_CREDENTIALS))
            .expect("an SCM_CREDENTIALS item");
        assert_eq!(got.data, creds);
        // Another pid is refused before the kernel sees it (root could forge it).
        let mut forged = creds.clone();
        forged[..4].copy_from_slice(&1u32.to_ne_bytes());
        let item = Ancillary {
            data: forged,
            ..item
        };
        let e = sendmsg(
            a.as_fd(),
            Family::Unix,
            &[b"c"],
            &[SendItem::Data(&item)],
            0,
            None,
        );
        assert_eq!(message_of(e).0, Errno::PERM);
    }

    fn unix_pair(kind: i32) -> (OwnedFd, OwnedFd) {
        let mut pair = [0; 2];
        // SAFETY: `pair` is a writable array of two C ints.
        let rc = unsafe {
            libc::socketpair(
                libc::AF_UNIX,
                kind | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
                0,
                pair.as_mut_ptr(),
            )
        };
        assert_eq!(rc, 0);
        // SAFETY: socketpair just returned these two fds, owned by nobody else.
        unsafe { (OwnedFd::from_raw_fd(pair[0]), OwnedFd::from_raw_fd(pair[1])) }
    }

    /// A non-blocking pipe: (read end, write end).
    fn pipe() -> (OwnedFd, OwnedFd) {
        let mut pipe = [0; 2];
        // SAFETY: `pipe` is a writable array of two C ints.
        let rc = unsafe { libc::pipe2(pipe.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) };
        assert_eq!(rc, 0);
        // SAFETY: pipe2 just returned these two fds, owned by nobody else.
        unsafe { (OwnedFd::from_raw_fd(pipe[0]), OwnedFd::from_raw_fd(pipe[1])) }
    }

    /// `read(2)` of one byte: 0 at EOF, -1 when it would block.
    fn read_byte(fd: &OwnedFd) -> isize {
        let mut byte = [0u8; 1];
        // SAFETY: `byte` is a writable 1-byte buffer.
        unsafe { libc::read(fd.as_raw_fd(), byte.as_mut_ptr().cast(), 1) }
    }

    #[test]
    fn parse_control_is_defensive() {
        // Garbage control buffers never panic nor read outside the slice.
        let header = size_of::<libc::cmsghdr>();
        let mut buf = vec![0u8; 64];
        assert!(parse_control(&buf).is_empty(), "cmsg_len 0 is malformed");
        for len in [usize::MAX, header + 1000, header, header + 3] {
            buf[..size_of::<usize>()].copy_from_slice(&len.to_ne_bytes());
            for cut in 0..buf.len() {
                let items = parse_control(&buf[..cut]);
                assert!(
                    items
                        .iter()
                        .all(|a| a.data().is_some_and(|d| d.data.len() <= cut))
                );
            }
        }
        assert_eq!(cmsg_align(usize::MAX), usize::MAX);
        assert_eq!(cmsg_align(17), cmsg_space(17) - cmsg_space(0));
    }
}
