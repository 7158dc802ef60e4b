//! The socket object: Python's `socket.socket`, method for method.
//!
//! Methods keep Python's names. Where Python has optional arguments, the short name takes the
//! common form and a `_flags` twin takes the flags (`recv` / `recv_flags`); Python's `type`
//! attribute is [`Socket::type_`] because `type` is a Rust keyword.

use std::cell::Cell;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::address::{Address, from_wit, to_wit};
use crate::bindings::capsock::sockets::socket as raw;
use crate::bindings::capsock::sockets::types as wit;
use crate::consts::*;
use crate::errno::{EAFNOSUPPORT, EAGAIN, EBADF, EINVAL};
use crate::error::{Error, Result};
use crate::handles::{self, Held};

impl From<wit::Error> for Error {
    fn from(e: wit::Error) -> Self {
        match e {
            wit::Error::Os(o) => match o.message {
                Some(m) => Error::os(o.errno, m),
                None => Error::from_errno(o.errno),
            },
            wit::Error::Timeout => Error::timeout(),
            wit::Error::Gai(r) => Error::gai(r.code, r.message),
            wit::Error::H(r) => Error::herror(r.code, r.message),
        }
    }
}

/// `u64::MAX` stands for `None` (no default timeout: blocking).
const NO_TIMEOUT: u64 = u64::MAX;
static DEFAULT_TIMEOUT: AtomicU64 = AtomicU64::new(NO_TIMEOUT);

/// Python's float seconds as the host's nanoseconds, rounded up as CPython rounds timeouts
/// (so a tiny positive timeout never turns into non-blocking mode).
fn timeout_ns(timeout: Option<f64>) -> Result<Option<u64>> {
    match timeout {
        None => Ok(None),
        Some(t) if t.is_nan() => Err(Error::value("Invalid value NaN (not a number)")),
        Some(t) if t < 0.0 => Err(Error::value("Timeout value out of range")),
        Some(t) => {
            let ns = (t * 1e9).ceil();
            if ns >= (NO_TIMEOUT - 1) as f64 {
                return Err(Error::value("timeout doesn't fit into C timeval"));
            }
            Ok(Some(ns as u64))
        }
    }
}

fn timeout_secs(ns: Option<u64>) -> Option<f64> {
    ns.map(|ns| ns as f64 / 1e9)
}

/// Python's `socket.getdefaulttimeout()`: the timeout new sockets start with (`None`: blocking).
pub fn getdefaulttimeout() -> Option<f64> {
    timeout_secs(default_timeout_ns())
}

/// Python's `socket.setdefaulttimeout(timeout)`: `None`, or seconds ≥ 0.
pub fn setdefaulttimeout(timeout: Option<f64>) -> Result<()> {
    let ns = timeout_ns(timeout)?;
    DEFAULT_TIMEOUT.store(ns.unwrap_or(NO_TIMEOUT), Ordering::Relaxed);
    Ok(())
}

fn default_timeout_ns() -> Option<u64> {
    match DEFAULT_TIMEOUT.load(Ordering::Relaxed) {
        NO_TIMEOUT => None,
        ns => Some(ns),
    }
}

pub(crate) fn wit_family(family: i32) -> Result<wit::AddressFamily> {
    use wit::AddressFamily as F;
    Ok(match family {
        AF_UNSPEC => F::Unspec,
        AF_INET => F::Inet,
        AF_INET6 => F::Inet6,
        AF_UNIX => F::Unix,
        AF_NETLINK => F::Netlink,
        AF_PACKET => F::Packet,
        AF_VSOCK => F::Vsock,
        AF_CAN => F::Can,
        AF_BLUETOOTH => F::Bluetooth,
        AF_ALG => F::Alg,
        AF_TIPC => F::Tipc,
        AF_RDS => F::Rds,
        AF_QIPCRTR => F::Qipcrtr,
        _ => return Err(Error::from_errno(EAFNOSUPPORT)),
    })
}

pub(crate) fn family_int(family: wit::AddressFamily) -> i32 {
    use wit::AddressFamily as F;
    match family {
        F::Unspec => AF_UNSPEC,
        F::Inet => AF_INET,
        F::Inet6 => AF_INET6,
        F::Unix => AF_UNIX,
        F::Netlink => AF_NETLINK,
        F::Packet => AF_PACKET,
        F::Vsock => AF_VSOCK,
        F::Can => AF_CAN,
        F::Bluetooth => AF_BLUETOOTH,
        F::Alg => AF_ALG,
        F::Tipc => AF_TIPC,
        F::Rds => AF_RDS,
        F::Qipcrtr => AF_QIPCRTR,
    }
}

/// The socket kind without the `SOCK_NONBLOCK`/`SOCK_CLOEXEC` flags; unknown kinds are
/// `EINVAL`, as `socket(2)` says.
pub(crate) fn wit_kind(kind: i32) -> Result<wit::SocketKind> {
    use wit::SocketKind as K;
    Ok(match kind & !(SOCK_NONBLOCK | SOCK_CLOEXEC) {
        SOCK_STREAM => K::Stream,
        SOCK_DGRAM => K::Dgram,
        SOCK_RAW => K::Raw,
        SOCK_RDM => K::Rdm,
        SOCK_SEQPACKET => K::Seqpacket,
        _ => return Err(Error::from_errno(EINVAL)),
    })
}

pub(crate) fn kind_int(kind: wit::SocketKind) -> i32 {
    use wit::SocketKind as K;
    match kind {
        K::Stream => SOCK_STREAM,
        K::Dgram => SOCK_DGRAM,
        K::Raw => SOCK_RAW,
        K::Rdm => SOCK_RDM,
        K::Seqpacket => SOCK_SEQPACKET,
    }
}

/// A socket option value for [`Socket::setsockopt`]: Python's three call forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptValue<'a> {
    /// `setsockopt(level, name, int)`.
    Int(i32),
    /// `setsockopt(level, name, bytes)`.
    Bytes(&'a [u8]),
    /// `setsockopt(level, name, None, optlen)`.
    None(u32),
}

impl From<i32> for OptValue<'_> {
    fn from(v: i32) -> Self {
        OptValue::Int(v)
    }
}

impl From<bool> for OptValue<'_> {
    fn from(v: bool) -> Self {
        OptValue::Int(v as i32)
    }
}

impl<'a> From<&'a [u8]> for OptValue<'a> {
    fn from(v: &'a [u8]) -> Self {
        OptValue::Bytes(v)
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for OptValue<'a> {
    fn from(v: &'a [u8; N]) -> Self {
        OptValue::Bytes(v)
    }
}

impl<'a> From<&'a Vec<u8>> for OptValue<'a> {
    fn from(v: &'a Vec<u8>) -> Self {
        OptValue::Bytes(v)
    }
}

/// One ancillary data item, as Python's `(cmsg_level, cmsg_type, cmsg_data)`.
pub type Ancillary = (i32, i32, Vec<u8>);

/// What `recvmsg` returns: Python's `(data, ancdata, msg_flags, address)`.
pub type RecvMsg = (Vec<u8>, Vec<Ancillary>, i32, Option<Address>);

/// What `recv_fds` returns: Python's `(data, fds, msg_flags, address)`.
pub type RecvFds = (Vec<u8>, Vec<i32>, i32, Option<Address>);

/// What `recvmsg_into` returns: Python's `(nbytes, ancdata, msg_flags, address)`.
pub type RecvMsgInto = (usize, Vec<Ancillary>, i32, Option<Address>);

/// A socket: Python's `socket.socket`, backed by a real socket on the host.
///
/// Dropping it closes it, as Python's garbage collection does; [`Socket::close`] does it
/// explicitly and may be called again. After closing, every method fails with `EBADF`.
#[derive(Debug)]
pub struct Socket {
    inner: Option<Held>,
    family: i32,
    kind: i32,
    proto: i32,
    /// The host's mode, kept here too: `gettimeout()` needs no host call and still answers
    /// after `close()`, as in Python.
    timeout: Cell<Option<u64>>,
    inheritable: Cell<bool>,
}

/// The sockets an `SCM_RIGHTS` item's data names: whole C ints, each the `fileno()` of a
/// socket this guest holds.
fn rights(data: &[u8]) -> Result<Vec<handles::Borrowed>> {
    if !data.len().is_multiple_of(4) {
        return Err(Error::os(
            EINVAL,
            format!(
                "SCM_RIGHTS data must be whole C ints (4 bytes each, e.g. array('i', fds)), not {} bytes",
                data.len()
            ),
        ));
    }
    data.chunks_exact(4)
        .map(|c| handles::borrow(i32::from_ne_bytes([c[0], c[1], c[2], c[3]])))
        .collect()
}

/// Python's `socket.send_fds(sock, buffers, fds, flags, address)`: sends `buffers` with the
/// sockets numbered `fds` (their `fileno()`) in one `SCM_RIGHTS` item.
pub fn send_fds(
    sock: &Socket,
    buffers: &[&[u8]],
    fds: &[i32],
    flags: i32,
    address: Option<Address>,
) -> Result<usize> {
    let data: Vec<u8> = fds.iter().flat_map(|fd| fd.to_ne_bytes()).collect();
    sock.sendmsg(buffers, &[(SOL_SOCKET, SCM_RIGHTS, &data)], flags, address)
}

/// Python's `socket.recv_fds(sock, bufsize, maxfds, flags)`: `(data, fds, msg_flags,
/// address)`, receiving up to `maxfds` sockets (ancillary room `CMSG_LEN(maxfds * 4)`, as
/// Python asks for). Each number in `fds` is taken with [`Socket::from_fileno`].
pub fn recv_fds(sock: &Socket, bufsize: usize, maxfds: usize, flags: i32) -> Result<RecvFds> {
    let room = crate::pure::CMSG_LEN(maxfds.saturating_mul(4))?;
    let (data, ancdata, msg_flags, address) = sock.recvmsg(bufsize, room, flags)?;
    let mut fds = Vec::new();
    for (level, kind, cmsg_data) in ancdata {
        if (level, kind) == (SOL_SOCKET, SCM_RIGHTS) {
            let whole = cmsg_data.len() - cmsg_data.len() % 4;
            fds.extend(
                cmsg_data[..whole]
                    .chunks_exact(4)
                    .map(|c| i32::from_ne_bytes([c[0], c[1], c[2], c[3]])),
            );
        }
    }
    Ok((data, fds, msg_flags, address))
}

/// Python's `socket.socket(family, type, proto)`.
pub fn socket(family: i32, type_: i32, proto: i32) -> Result<Socket> {
    Socket::new(family, type_, proto)
}

/// Python's `socket.socketpair(family, type, proto)`: two connected sockets. Linux offers it
/// for `AF_UNIX` only; the IP families get the kernel's own `EOPNOTSUPP`.
pub fn socketpair(family: i32, type_: i32, proto: i32) -> Result<(Socket, Socket)> {
    let timeout = initial_timeout(type_);
    let (a, b) = raw::socketpair(wit_family(family)?, wit_kind(type_)?, proto, timeout)?;
    let kind = type_ & !(SOCK_NONBLOCK | SOCK_CLOEXEC);
    Ok((
        Socket::wrap(a, family, kind, proto, timeout),
        Socket::wrap(b, family, kind, proto, timeout),
    ))
}

fn initial_timeout(type_: i32) -> Option<u64> {
    if type_ & SOCK_NONBLOCK != 0 {
        Some(0)
    } else {
        default_timeout_ns()
    }
}

impl Socket {
    /// `socket(family, type, proto)` (`socket(2)` on the host). `SOCK_NONBLOCK` in `type_`
    /// starts the socket in non-blocking mode; otherwise it gets `getdefaulttimeout()`.
    pub fn new(family: i32, type_: i32, proto: i32) -> Result<Socket> {
        let timeout = initial_timeout(type_);
        let inner = raw::Socket::create(wit_family(family)?, wit_kind(type_)?, proto, timeout)?;
        Ok(Socket::wrap(
            inner,
            family,
            type_ & !(SOCK_NONBLOCK | SOCK_CLOEXEC),
            proto,
            timeout,
        ))
    }

    fn wrap(
        inner: raw::Socket,
        family: i32,
        kind: i32,
        proto: i32,
        timeout: Option<u64>,
    ) -> Socket {
        Socket::own(Held::new(inner), family, kind, proto, timeout)
    }

    fn own(inner: Held, family: i32, kind: i32, proto: i32, timeout: Option<u64>) -> Socket {
        Socket {
            inner: Some(inner),
            family,
            kind,
            proto,
            timeout: Cell::new(timeout),
            inheritable: Cell::new(false),
        }
    }

    /// Python's `socket.socket(fileno=fd)`: takes a socket by number: one given up by
    /// [`Socket::detach`], or one a peer passed with `SCM_RIGHTS` ([`Socket::recvmsg`],
    /// [`recv_fds`]). Family, type and protocol are the socket's own; the timeout is
    /// `getdefaulttimeout()`, as in Python.
    ///
    /// `EBADF` when `fd` is no socket of this guest, or one a `Socket` owns already (unlike
    /// Python, a number has one owner at a time: `detach()` it first), so that no socket is
    /// ever closed twice.
    pub fn from_fileno(fd: i32) -> Result<Socket> {
        let inner = Held::take(fd)?;
        let family = family_int(inner.family());
        let kind = kind_int(inner.kind());
        let proto = inner.proto();
        let timeout = default_timeout_ns();
        inner.set_timeout(timeout);
        Ok(Socket::own(inner, family, kind, proto, timeout))
    }

    pub(crate) fn raw(&self) -> Result<&raw::Socket> {
        self.inner
            .as_deref()
            .ok_or_else(|| Error::from_errno(EBADF))
    }

    fn addr(&self, address: impl Into<Address>) -> Result<wit::SocketAddress> {
        to_wit(&address.into(), self.family)
    }

    /// Python's `family`.
    pub fn family(&self) -> i32 {
        self.family
    }

    /// Python's `type` (without `SOCK_NONBLOCK`/`SOCK_CLOEXEC`, as Python ≥ 3.7).
    pub fn type_(&self) -> i32 {
        self.kind
    }

    /// Python's `proto`.
    pub fn proto(&self) -> i32 {
        self.proto
    }

    /// Python's `fileno()`: the guest's handle number for this socket, or -1 once closed. It
    /// names the socket inside this guest only (it is not a host file descriptor).
    pub fn fileno(&self) -> i32 {
        self.inner.as_ref().map_or(-1, |s| s.handle() as i32)
    }

    /// `accept()`: waits for a connection; returns the new socket and the peer's address. The
    /// new socket gets `getdefaulttimeout()`, as in Python.
    pub fn accept(&self) -> Result<(Socket, Address)> {
        let timeout = default_timeout_ns();
        let (inner, peer) = self.raw()?.accept(timeout)?;
        Ok((
            Socket::wrap(inner, self.family, self.kind, self.proto, timeout),
            from_wit(peer),
        ))
    }

    /// `bind(address)`.
    pub fn bind(&self, address: impl Into<Address>) -> Result<()> {
        let addr = self.addr(address)?;
        Ok(self.raw()?.bind(&addr)?)
    }

    /// `listen([backlog])`: `None` takes Python's default, `min(SOMAXCONN, 128)`.
    pub fn listen(&self, backlog: impl Into<Option<i32>>) -> Result<()> {
        let backlog = backlog.into().unwrap_or(SOMAXCONN.min(128));
        Ok(self.raw()?.listen(backlog)?)
    }

    /// `connect(address)`; in timeout mode the wait is bounded by the timeout.
    pub fn connect(&self, address: impl Into<Address>) -> Result<()> {
        let addr = self.addr(address)?;
        Ok(self.raw()?.connect(&addr)?)
    }

    /// `connect_ex(address)`: like `connect`, but returns the errno instead of raising an
    /// `OSError` (0 on success). A timeout is `EAGAIN`, as CPython's `connect_ex` returns;
    /// name-resolution errors are still raised.
    pub fn connect_ex(&self, address: impl Into<Address>) -> Result<i32> {
        let addr = self.addr(address)?;
        match self.raw()?.connect(&addr) {
            Ok(()) => Ok(0),
            Err(wit::Error::Os(o)) => Ok(o.errno),
            Err(wit::Error::Timeout) => Ok(EAGAIN),
            Err(e) => Err(e.into()),
        }
    }

    /// `recv(bufsize)`: at most `bufsize` bytes; empty at end of stream.
    pub fn recv(&self, bufsize: usize) -> Result<Vec<u8>> {
        self.recv_flags(bufsize, 0)
    }

    /// `recv(bufsize, flags)` with `MSG_*` flags.
    pub fn recv_flags(&self, bufsize: usize, flags: i32) -> Result<Vec<u8>> {
        Ok(self.raw()?.recv(bufsize as u64, flags)?)
    }

    /// `recvfrom(bufsize)`: the data and the sender (`None` where the kernel reports none, as
    /// on a connected TCP socket).
    pub fn recvfrom(&self, bufsize: usize) -> Result<(Vec<u8>, Option<Address>)> {
        self.recvfrom_flags(bufsize, 0)
    }

    /// `recvfrom(bufsize, flags)`.
    pub fn recvfrom_flags(&self, bufsize: usize, flags: i32) -> Result<(Vec<u8>, Option<Address>)> {
        let (data, from) = self.raw()?.recv_from(bufsize as u64, flags)?;
        Ok((data, from.map(from_wit)))
    }

    /// `recv_into(buffer)`: receives into `buf`, returns how many bytes arrived.
    pub fn recv_into(&self, buf: &mut [u8]) -> Result<usize> {
        self.recv_into_flags(buf, 0)
    }

    /// `recv_into(buffer, nbytes, flags)`; `nbytes` is the length of the slice you pass.
    pub fn recv_into_flags(&self, buf: &mut [u8], flags: i32) -> Result<usize> {
        let data = self.raw()?.recv(buf.len() as u64, flags)?;
        let n = data.len().min(buf.len());
        buf[..n].copy_from_slice(&data[..n]);
        Ok(n)
    }

    /// `recvfrom_into(buffer)`.
    pub fn recvfrom_into(&self, buf: &mut [u8]) -> Result<(usize, Option<Address>)> {
        self.recvfrom_into_flags(buf, 0)
    }

    /// `recvfrom_into(buffer, nbytes, flags)`.
    pub fn recvfrom_into_flags(
        &self,
        buf: &mut [u8],
        flags: i32,
    ) -> Result<(usize, Option<Address>)> {
        let (data, from) = self.raw()?.recv_from(buf.len() as u64, flags)?;
        let n = data.len().min(buf.len());
        buf[..n].copy_from_slice(&data[..n]);
        Ok((n, from.map(from_wit)))
    }

    /// `recvmsg(bufsize, ancbufsize, flags)`: `(data, ancdata, msg_flags, address)`.
    pub fn recvmsg(&self, bufsize: usize, ancbufsize: usize, flags: i32) -> Result<RecvMsg> {
        let m = self
            .raw()?
            .recvmsg(bufsize as u64, ancbufsize as u64, flags)?;
        let ancillary = m
            .ancillary
            .into_iter()
            .map(|item| match item {
                raw::AncillaryIn::Item(a) => (a.level, a.kind, a.data),
                // Python's data: the C ints of the passed descriptors, here the numbers
                // `Socket::from_fileno` takes.
                raw::AncillaryIn::Rights(sockets) => {
                    let data = sockets
                        .into_iter()
                        .flat_map(|s| handles::detached(s).to_ne_bytes())
                        .collect();
                    (SOL_SOCKET, SCM_RIGHTS, data)
                }
            })
            .collect();
        Ok((m.data, ancillary, m.flags, m.address.map(from_wit)))
    }

    /// `recvmsg_into(buffers, ancbufsize, flags)`: scatters the data over `buffers` in order.
    pub fn recvmsg_into(
        &self,
        buffers: &mut [&mut [u8]],
        ancbufsize: usize,
        flags: i32,
    ) -> Result<RecvMsgInto> {
        let total: usize = buffers.iter().map(|b| b.len()).sum();
        let (data, anc, msg_flags, addr) = self.recvmsg(total, ancbufsize, flags)?;
        let mut rest = data.as_slice();
        for buf in buffers.iter_mut() {
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            rest = &rest[n..];
        }
        Ok((data.len().min(total), anc, msg_flags, addr))
    }

    /// `send(data)`: one send; returns how many bytes went (maybe fewer than `data.len()`).
    pub fn send(&self, data: &[u8]) -> Result<usize> {
        self.send_flags(data, 0)
    }

    /// `send(data, flags)`.
    pub fn send_flags(&self, data: &[u8], flags: i32) -> Result<usize> {
        Ok(self.raw()?.send(data, flags)? as usize)
    }

    /// `sendall(data)`: sends everything in one host call; the timeout bounds the whole call.
    pub fn sendall(&self, data: &[u8]) -> Result<()> {
        self.sendall_flags(data, 0)
    }

    /// `sendall(data, flags)`.
    pub fn sendall_flags(&self, data: &[u8], flags: i32) -> Result<()> {
        Ok(self.raw()?.sendall(data, flags)?)
    }

    /// `sendto(data, address)`.
    pub fn sendto(&self, data: &[u8], address: impl Into<Address>) -> Result<usize> {
        self.sendto_flags(data, 0, address)
    }

    /// `sendto(data, flags, address)`.
    pub fn sendto_flags(
        &self,
        data: &[u8],
        flags: i32,
        address: impl Into<Address>,
    ) -> Result<usize> {
        let addr = self.addr(address)?;
        Ok(self.raw()?.send_to(data, flags, &addr)? as usize)
    }

    /// `sendmsg(buffers, ancdata, flags, address)`: gathers `buffers` into one send.
    pub fn sendmsg(
        &self,
        buffers: &[&[u8]],
        ancdata: &[(i32, i32, &[u8])],
        flags: i32,
        address: Option<Address>,
    ) -> Result<usize> {
        let addr = address.map(|a| self.addr(a)).transpose()?;
        let bufs: Vec<Vec<u8>> = buffers.iter().map(|b| b.to_vec()).collect();
        // The sockets `SCM_RIGHTS` items name, borrowed by number for this call.
        let mut passed: Vec<Vec<handles::Borrowed>> = Vec::new();
        for &(level, kind, data) in ancdata {
            if (level, kind) == (SOL_SOCKET, SCM_RIGHTS) {
                passed.push(rights(data)?);
            }
        }
        let mut passed = passed.iter();
        let anc: Vec<raw::AncillaryOut<'_>> = ancdata
            .iter()
            .map(|&(level, kind, data)| {
                if (level, kind) == (SOL_SOCKET, SCM_RIGHTS) {
                    let socks = passed.next().expect("one list per SCM_RIGHTS item");
                    raw::AncillaryOut::Rights(socks.iter().map(|s| &**s).collect())
                } else {
                    raw::AncillaryOut::Item(raw::Ancillary {
                        level,
                        kind,
                        data: data.to_vec(),
                    })
                }
            })
            .collect();
        Ok(self.raw()?.sendmsg(&bufs, &anc, flags, addr.as_ref())? as usize)
    }

    /// `sendfile(file, offset, count)`: sends the file's bytes from `offset` (`count` bytes, or
    /// to its end) and returns how many went; the file position ends after the last byte sent.
    /// Like CPython where `os.sendfile` cannot be used, it reads the file and sends; it needs a
    /// blocking socket or one with a timeout (CPython's rule: non-blocking sockets raise
    /// `ValueError`). The timeout applies to each send.
    pub fn sendfile<F: Read + Seek>(
        &self,
        file: &mut F,
        offset: u64,
        count: Option<u64>,
    ) -> Result<u64> {
        if self.type_() != SOCK_STREAM {
            return Err(Error::value("only SOCK_STREAM type sockets are supported"));
        }
        if self.gettimeout()? == Some(0.0) {
            return Err(Error::value("non-blocking sockets are not supported"));
        }
        file.seek(SeekFrom::Start(offset))?;
        let mut buf = vec![0u8; 64 * 1024];
        let mut sent = 0u64;
        loop {
            let want = match count {
                Some(c) if c - sent < buf.len() as u64 => (c - sent) as usize,
                _ => buf.len(),
            };
            if want == 0 {
                break;
            }
            let n = match file.read(&mut buf[..want]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            let result = self.sendall(&buf[..n]);
            if let Err(e) = result {
                file.seek(SeekFrom::Start(offset + sent))?;
                return Err(e);
            }
            sent += n as u64;
        }
        file.seek(SeekFrom::Start(offset + sent))?;
        Ok(sent)
    }

    /// `shutdown(how)`: `SHUT_RD`, `SHUT_WR` or `SHUT_RDWR`.
    pub fn shutdown(&self, how: i32) -> Result<()> {
        Ok(self.raw()?.shutdown(how)?)
    }

    /// `close()`: releases the socket; calling it again does nothing.
    pub fn close(&mut self) {
        self.inner = None;
    }

    /// `detach()`: gives up the socket without closing it and returns its handle number (or -1
    /// if already closed); [`Socket::from_fileno`] takes it back.
    pub fn detach(&mut self) -> i32 {
        match self.inner.take() {
            Some(s) => s.detach() as i32,
            None => -1,
        }
    }

    /// `dup()`: a second socket on the same connection, not inheritable.
    pub fn dup(&self) -> Result<Socket> {
        let inner = self.raw()?.dup()?;
        Ok(Socket::wrap(
            inner,
            self.family,
            self.kind,
            self.proto,
            self.timeout.get(),
        ))
    }

    /// `getsockname()`.
    pub fn getsockname(&self) -> Result<Address> {
        Ok(from_wit(self.raw()?.getsockname()?))
    }

    /// `getpeername()`.
    pub fn getpeername(&self) -> Result<Address> {
        Ok(from_wit(self.raw()?.getpeername()?))
    }

    /// `getsockopt(level, optname)`: the integer form.
    pub fn getsockopt(&self, level: i32, optname: i32) -> Result<i32> {
        Ok(self.raw()?.getsockopt_int(level, optname)?)
    }

    /// `getsockopt(level, optname, buflen)`: the bytes form (`buflen` 1 to 1024). As in
    /// Python, `buflen == 0` is the int form: the int comes back as its 4 native-endian bytes.
    pub fn getsockopt_buf(&self, level: i32, optname: i32, buflen: u32) -> Result<Vec<u8>> {
        if buflen == 0 {
            return Ok(self.getsockopt(level, optname)?.to_ne_bytes().to_vec());
        }
        Ok(self.raw()?.getsockopt_bytes(level, optname, buflen)?)
    }

    /// `setsockopt(level, optname, value)`: an int (or bool), bytes, or `OptValue::None(optlen)`.
    pub fn setsockopt<'a>(
        &self,
        level: i32,
        optname: i32,
        value: impl Into<OptValue<'a>>,
    ) -> Result<()> {
        let value = match value.into() {
            OptValue::Int(v) => raw::OptionValue::Int(v),
            OptValue::Bytes(b) => raw::OptionValue::Bytes(b.to_vec()),
            OptValue::None(len) => raw::OptionValue::None(len),
        };
        Ok(self.raw()?.setsockopt(level, optname, &value)?)
    }

    /// `settimeout(value)`: `None` for blocking mode, 0.0 for non-blocking, else seconds.
    pub fn settimeout(&self, timeout: Option<f64>) -> Result<()> {
        let ns = timeout_ns(timeout)?;
        self.raw()?.set_timeout(ns);
        self.timeout.set(ns);
        Ok(())
    }

    /// `gettimeout()`: `None` in blocking mode, 0.0 in non-blocking mode, else seconds. Like
    /// Python it still answers after `close()`.
    pub fn gettimeout(&self) -> Result<Option<f64>> {
        Ok(timeout_secs(self.timeout.get()))
    }

    /// `setblocking(flag)`: `true` is `settimeout(None)`, `false` is `settimeout(0.0)`.
    pub fn setblocking(&self, flag: bool) -> Result<()> {
        self.settimeout(if flag { None } else { Some(0.0) })
    }

    /// `getblocking()`: `false` only in non-blocking mode (timeout 0.0).
    pub fn getblocking(&self) -> Result<bool> {
        Ok(self.gettimeout()? != Some(0.0))
    }

    /// `get_inheritable()`. A guest cannot start processes, so nothing can inherit its sockets;
    /// the flag is kept (sockets start non-inheritable, as in Python ≥ 3.4) and reported back.
    pub fn get_inheritable(&self) -> Result<bool> {
        self.raw()?;
        Ok(self.inheritable.get())
    }

    /// `set_inheritable(flag)`: see [`Socket::get_inheritable`].
    pub fn set_inheritable(&self, flag: bool) -> Result<()> {
        self.raw()?;
        self.inheritable.set(flag);
        Ok(())
    }
}

impl Read for &Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(self.recv_into(buf)?)
    }
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self).read(buf)
    }
}

impl Write for &Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(self.send(buf)?)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        Ok(self.sendall(buf)?)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self).write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        (&*self).write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
