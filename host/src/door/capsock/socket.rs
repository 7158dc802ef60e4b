//! `capsock:sockets/socket`: the socket resource, `socketpair` and `poll`.
//!
//! Every method that reaches an address gets a permit from the guard first (the net core takes
//! nothing else); receives and accepts pass the guard's admission filters.

use std::net::SocketAddr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::Duration;

use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, Resource, WasmList};
use wasmtime_wasi::p2::{DynPollable, subscribe};

use super::bindings::capsock::sockets::socket::{
    Ancillary, AncillaryIn, AncillaryOut, Host, HostPoller, HostSocket, Message, OptionValue,
    PollEvents, PollRequest, Ready,
};
use super::bindings::capsock::sockets::types::{
    AddressFamily, Error as WitError, Host as TypesHost, SocketAddress, SocketKind,
};
use super::socket_description;
use crate::ctx::{CapsockCtxView, CapsockView};
use rustix::io::Errno;

use crate::audit::Event;
use crate::error::{SocketError, SocketResult};
use crate::guard::{Guard, Iface, Permit};
use crate::net::poller::Poller;
use crate::net::readiness::Readiness;
use crate::net::{Family, Kind, Mode, NetAddr, NetSocket, SendPermit, msg, sockopt, wait};
use crate::policy::{Link, Verb};

fn mode(timeout: Option<u64>) -> Mode {
    Mode::from_timeout(timeout.map(Duration::from_nanos))
}

impl CapsockCtxView<'_> {
    /// Hands a new socket to the guest: registered with the canceller, in the table. Its slot
    /// was taken before it was made.
    fn push(&mut self, mut sock: NetSocket) -> SocketResult<Resource<NetSocket>> {
        sock.register_with(&self.ctx.cancel);
        Ok(self.table.push(sock)?)
    }

    /// Makes a descriptor a peer passed (`SCM_RIGHTS`) a socket of the guest, in blocking
    /// mode (the guest library applies Python's default timeout when it takes the socket), in
    /// a slot of its own and recorded as `socket.__new__`. `None` when it cannot be one: not a
    /// socket the host implements, or over the guest's socket limit; the descriptor is then
    /// closed, and the caller reports `MSG_CTRUNC`.
    fn adopt(&mut self, fd: OwnedFd) -> Option<Resource<NetSocket>> {
        let guard = std::sync::Arc::clone(&self.ctx.guard);
        guard.take_sockets(1).ok()?;
        match NetSocket::adopt(fd, Mode::Blocking).and_then(|sock| self.push(sock)) {
            Ok(handle) => {
                // The description (and its getpeername) only when an audit log wants it.
                let table = &self.table;
                guard.created(1, || {
                    let Ok(sock) = table.get(&handle) else {
                        return "passed in".to_owned();
                    };
                    let facts = socket_description(sock.family(), sock.kind(), sock.proto());
                    match sock.getpeername() {
                        Ok(peer) => format!("{facts} passed in, connected to {peer}"),
                        Err(_) => format!("{facts} passed in"),
                    }
                });
                Some(handle)
            }
            Err(_) => {
                guard.release_sockets(1);
                None
            }
        }
    }

    /// The ancillary items of a `sendmsg`, with each passed socket duplicated and marked
    /// shared. A handle the guest does not hold is a trap, as for any method.
    fn outgoing(&mut self, items: Vec<AncillaryOut>) -> SocketResult<Vec<Outgoing>> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(match item {
                AncillaryOut::Item(a) => Outgoing::Item(a.into()),
                AncillaryOut::Rights(sockets) => {
                    if sockets.len() > msg::SCM_MAX_FD {
                        return Err(SocketError::os_msg(
                            Errno::INVAL,
                            format!(
                                "SCM_RIGHTS with {} sockets: at most {} (SCM_MAX_FD) per item",
                                sockets.len(),
                                msg::SCM_MAX_FD
                            ),
                        ));
                    }
                    for s in &sockets {
                        self.table.get(s)?.passable()?;
                    }
                    let mut fds = Vec::with_capacity(sockets.len());
                    for s in &sockets {
                        let sock = self.table.get(s)?;
                        sock.share();
                        fds.push(rustix::io::fcntl_dupfd_cloexec(sock.fd(), 0)?);
                    }
                    Outgoing::Rights(fds)
                }
            });
        }
        Ok(out)
    }
}

/// Takes `n` socket slots (or fails with `EMFILE` at the guest's limit), then makes the sockets
/// with `make`, recorded as `socket.__new__`; gives the slots back if that fails.
fn open<R>(
    guard: &Guard,
    n: usize,
    make: impl FnOnce() -> SocketResult<(R, (Family, Kind, i32))>,
) -> SocketResult<R> {
    guard.take_sockets(n)?;
    match make() {
        Ok((made, (family, kind, proto))) => {
            guard.created(n as u64, || socket_description(family, kind, proto));
            Ok(made)
        }
        Err(e) => {
            guard.release_sockets(n);
            Err(e)
        }
    }
}

/// `addr`, checked against the family of `sock`: an IP address on an `AF_UNIX` socket, or the
/// other way round, is `EAFNOSUPPORT` (the kernel's answer), before anything is decided.
fn same_family(sock: &NetSocket, addr: NetAddr) -> SocketResult<NetAddr> {
    let fits = matches!(
        (&addr, sock.family()),
        (NetAddr::Ip(_), Family::Inet | Family::Inet6)
            | (NetAddr::Unix(_), Family::Unix)
            | (NetAddr::Netlink { .. }, Family::Netlink)
            | (NetAddr::Vsock { .. }, Family::Vsock)
            | (NetAddr::Packet(_), Family::Packet)
            | (NetAddr::Can(_), Family::Can)
    );
    if fits {
        return Ok(addr);
    }
    let wants = match sock.family() {
        Family::Inet | Family::Inet6 => "an IP socket takes an IP address",
        Family::Unix => "an AF_UNIX socket takes a path or an abstract name",
        Family::Netlink => "an AF_NETLINK socket takes a (pid, groups) address",
        Family::Vsock => "an AF_VSOCK socket takes a (cid, port) address",
        Family::Packet => "an AF_PACKET socket takes an (ifname, proto, …) address",
        Family::Can => "an AF_CAN socket takes an (ifname,) address",
    };
    Err(SocketError::os_msg(
        Errno::AFNOSUPPORT,
        format!("{wants}, not {addr}"),
    ))
}

impl From<Ancillary> for msg::Ancillary {
    fn from(a: Ancillary) -> Self {
        msg::Ancillary {
            level: a.level,
            kind: a.kind,
            data: a.data,
        }
    }
}

impl From<msg::Ancillary> for Ancillary {
    fn from(a: msg::Ancillary) -> Self {
        Ancillary {
            level: a.level,
            kind: a.kind,
            data: a.data,
        }
    }
}

/// An ancillary item to send as the net core takes it: each socket a guest passes is
/// duplicated (so the socket being sent on can be borrowed mutably beside them) and marked
/// shared, since another process will hold its description.
enum Outgoing {
    Rights(Vec<OwnedFd>),
    Item(msg::Ancillary),
}

impl Outgoing {
    /// The descriptors of a rights item (none for the others).
    fn fds(&self) -> Vec<BorrowedFd<'_>> {
        match self {
            Outgoing::Rights(owned) => owned.iter().map(AsFd::as_fd).collect(),
            Outgoing::Item(_) => Vec::new(),
        }
    }

    /// The item as the net core takes it, with `fds` from [`Outgoing::fds`].
    fn send_item<'a>(&'a self, fds: &'a [BorrowedFd<'a>]) -> msg::SendItem<'a> {
        match self {
            Outgoing::Item(a) => msg::SendItem::Data(a),
            Outgoing::Rights(_) => msg::SendItem::Rights(fds),
        }
    }
}

/// The sends, on borrowed bytes: the generated bindings call them with a lifted copy, the
/// zero-copy imports ([`add_zero_copy_sends`]) with the guest's own memory.
impl CapsockCtxView<'_> {
    fn send_bytes(
        &mut self,
        this: Resource<NetSocket>,
        data: &[u8],
        flags: i32,
    ) -> SocketResult<u64> {
        let sock = self.table.get(&this)?;
        let sent = match sock.link() {
            Some(link) => {
                let permit = link_out(&self.ctx.guard, sock, link)?;
                sock.send_link(data, flags, false, &permit, &self.ctx.cancel)?
            }
            None => sock.send(data, flags, &self.ctx.cancel)?,
        };
        self.ctx.guard.stats().sent(sent as u64);
        Ok(sent as u64)
    }

    fn sendall_bytes(
        &mut self,
        this: Resource<NetSocket>,
        data: &[u8],
        flags: i32,
    ) -> SocketResult<()> {
        let sock = self.table.get(&this)?;
        match sock.link() {
            Some(link) => {
                let permit = link_out(&self.ctx.guard, sock, link)?;
                sock.send_link(data, flags, true, &permit, &self.ctx.cancel)?;
            }
            None => sock.sendall(data, flags, &self.ctx.cancel)?,
        }
        self.ctx.guard.stats().sent(data.len() as u64);
        Ok(())
    }

    fn send_to_bytes(
        &mut self,
        this: Resource<NetSocket>,
        data: &[u8],
        flags: i32,
        address: SocketAddress,
    ) -> SocketResult<u64> {
        let sock = self.table.get_mut(&this)?;
        let guard = &self.ctx.guard;
        // Every datagram of a UDP exchange comes here: an IP address to an IP socket goes
        // straight to its decision.
        let ip = matches!(address, SocketAddress::Inet(_) | SocketAddress::Inet6(_))
            && matches!(sock.family(), Family::Inet | Family::Inet6);
        let addr = match ip {
            true => NetAddr::Ip(SocketAddr::try_from(&address)?),
            false => same_family(sock, NetAddr::try_from(&address)?)?,
        };
        let sent = match addr {
            NetAddr::Ip(addr) => {
                let permit = guard.send_to(sock, addr)?;
                sock.send_to(data, flags, &permit, &self.ctx.cancel)?
            }
            NetAddr::Unix(addr) => {
                let permit = guard.unix(Event::SendTo, Verb::Send, &addr)?;
                sock.send_to_unix(data, flags, &permit, &self.ctx.cancel)?
            }
            NetAddr::Netlink { pid, groups } => {
                let permit = guard.netlink_dest(Event::SendTo, pid, groups)?;
                sock.send_to_netlink(data, flags, &permit, &self.ctx.cancel)?
            }
            NetAddr::Vsock { .. } => return Err(sock.vsock_addressed_send()),
            to @ (NetAddr::Packet(_) | NetAddr::Can(_)) => {
                let permit = link_to(guard, sock, &to)?;
                sock.send_to_link(data, flags, &to, &permit, &self.ctx.cancel)?
            }
        };
        guard.stats().sent(sent as u64);
        Ok(sent as u64)
    }
}

/// The guard's decision of a frame sent on the packet or CAN socket `sock` without an
/// address: out of the interface it is bound to, looked up at each send (a `dup` of it may
/// have been bound elsewhere since).
fn link_out(guard: &Guard, sock: &NetSocket, link: Link) -> SocketResult<Permit<Iface>> {
    let iface = sock.bound_iface()?;
    Ok(guard.iface(Event::SendTo, Verb::Send, link, &iface)?)
}

/// The guard's decision of a frame sent to `to`, a packet or CAN address on a socket of its
/// family (checked by `same_family`): out of the interface it names.
fn link_to(guard: &Guard, sock: &NetSocket, to: &NetAddr) -> SocketResult<Permit<Iface>> {
    match (sock.link(), to.iface()) {
        (Some(link), Some((name, _))) => Ok(guard.iface(Event::SendTo, Verb::Send, link, name)?),
        _ => Err(Errno::AFNOSUPPORT.into()),
    }
}

/// The WIT interface the zero-copy imports belong to.
const SOCKET_INTERFACE: &str = "capsock:sockets/socket@0.1.0";

/// Defines `send`, `sendall` and `send-to` again, so that the kernel reads the bytes straight
/// from the guest's memory instead of from a host copy of them (the generated bindings lift
/// every `list<u8>` into a fresh `Vec`: one allocation and one copy of every byte sent). Same
/// types, same checks, same errors as the generated ones, which they replace in `linker`
/// (its shadowing must be allowed).
pub(super) fn add_zero_copy_sends<T: CapsockView + 'static>(
    linker: &mut Linker<T>,
) -> wasmtime::Result<()> {
    let mut inst = linker.instance(SOCKET_INTERFACE)?;
    inst.func_wrap(
        "[method]socket.send",
        |mut store: StoreContextMut<'_, T>,
         (this, data, flags): (Resource<NetSocket>, WasmList<u8>, i32)| {
            with_guest_bytes(&mut store, &data, |view, bytes| {
                view.send_bytes(this, bytes, flags)
            })
        },
    )?;
    inst.func_wrap(
        "[method]socket.sendall",
        |mut store: StoreContextMut<'_, T>,
         (this, data, flags): (Resource<NetSocket>, WasmList<u8>, i32)| {
            with_guest_bytes(&mut store, &data, |view, bytes| {
                view.sendall_bytes(this, bytes, flags)
            })
        },
    )?;
    inst.func_wrap(
        "[method]socket.send-to",
        |mut store: StoreContextMut<'_, T>,
         (this, data, flags, address): (Resource<NetSocket>, WasmList<u8>, i32, SocketAddress)| {
            with_guest_bytes(&mut store, &data, |view, bytes| {
                view.send_to_bytes(this, bytes, flags, address)
            })
        },
    )?;
    Ok(())
}

/// Runs `f` on the capsock view and the bytes of `list` where they lie in the guest's memory,
/// and turns its error into the WIT `error` (or a trap) as the generated bindings do.
fn with_guest_bytes<T: CapsockView + 'static, R>(
    store: &mut StoreContextMut<'_, T>,
    list: &WasmList<u8>,
    f: impl FnOnce(&mut CapsockCtxView<'_>, &[u8]) -> SocketResult<R>,
) -> wasmtime::Result<(Result<R, WitError>,)> {
    let bytes = list.as_le_slice(&*store);
    let (ptr, len) = (bytes.as_ptr(), bytes.len());
    let mut view = T::capsock(store.data_mut());
    // SAFETY: `ptr..ptr + len` is the list inside the guest's linear memory, bounds-checked by
    // `as_le_slice` above. That memory belongs to the store's instance, not to its data `T`, so
    // the `&mut T` borrowed next does not alias it; and until this host call returns no guest
    // code runs and nothing grows or frees the memory (a component instance is single-threaded),
    // so the bytes stay valid and unchanged while the kernel reads them.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    match f(&mut view, bytes) {
        Ok(v) => Ok((Ok(v),)),
        Err(e) => Ok((Err(TypesHost::convert_error(&mut view, e)?),)),
    }
}

impl HostSocket for CapsockCtxView<'_> {
    fn create(
        &mut self,
        family: AddressFamily,
        kind: SocketKind,
        proto: i32,
        timeout: Option<u64>,
    ) -> SocketResult<Resource<NetSocket>> {
        let family = Family::try_from(family)?;
        let kind = Kind::try_from(kind)?;
        let guard = &self.ctx.guard;
        let (mut netlink, mut link, mut raw) = (None, None, None);
        match (family, kind) {
            (Family::Netlink, _) => netlink = Some(guard.netlink(proto)?),
            (Family::Packet, _) => link = Some(guard.link_socket(Link::Packet)?),
            (Family::Can, _) => link = Some(guard.link_socket(Link::Can)?),
            (Family::Inet | Family::Inet6, Kind::Raw) => raw = Some(guard.raw_socket()?),
            _ => {}
        }
        let sock = open(&self.ctx.guard, 1, || {
            let mode = mode(timeout);
            let sock = match (&netlink, &link, &raw) {
                (Some(permit), _, _) => NetSocket::netlink(kind, permit, mode)?,
                (_, Some(permit), _) => NetSocket::link_socket(kind, proto, permit, mode)?,
                (_, _, Some(permit)) => NetSocket::raw_ip(family, proto, permit, mode)?,
                _ => NetSocket::new(family, kind, proto, mode)?,
            };
            Ok((sock, (family, kind, proto)))
        })?;
        self.push(sock)
    }

    fn accept(
        &mut self,
        this: Resource<NetSocket>,
        timeout: Option<u64>,
    ) -> SocketResult<(Resource<NetSocket>, SocketAddress)> {
        let listener = self.table.get(&this)?;
        let (guard, cancel) = (&*self.ctx.guard, &self.ctx.cancel);
        // The slot is taken first: at the limit the connection stays queued for a later accept.
        let (new, peer) = open(&self.ctx.guard, 1, || {
            let admit = guard.accept_filter(listener.proto_kind());
            let (new, peer) = listener.accept(mode(timeout), cancel, admit)?;
            let facts = (new.family(), new.kind(), new.proto());
            Ok(((new, peer), facts))
        })?;
        let r = self.push(new)?;
        Ok((r, peer.into()))
    }

    fn bind(&mut self, this: Resource<NetSocket>, address: SocketAddress) -> SocketResult<()> {
        let addr = NetAddr::try_from(&address)?;
        let sock = self.table.get_mut(&this)?;
        match same_family(sock, addr)? {
            NetAddr::Ip(addr) => {
                let permit = self.ctx.guard.bind(sock, addr)?;
                sock.bind(&permit)
            }
            NetAddr::Unix(addr) => {
                let permit = self.ctx.guard.unix(Event::Bind, Verb::Bind, &addr)?;
                sock.bind_unix(&permit)
            }
            NetAddr::Netlink { pid, groups } => {
                let permit = self.ctx.guard.netlink_local(pid, groups);
                sock.bind_netlink(&permit)
            }
            NetAddr::Vsock { cid, port } => {
                let permit = self.ctx.guard.vsock(Event::Bind, Verb::Bind, cid, port)?;
                sock.bind_vsock(&permit)
            }
            addr @ (NetAddr::Packet(_) | NetAddr::Can(_)) => {
                let (Some(link), Some((name, _))) = (sock.link(), addr.iface()) else {
                    return Err(Errno::AFNOSUPPORT.into());
                };
                let permit = self.ctx.guard.iface(Event::Bind, Verb::Bind, link, name)?;
                sock.bind_link(&addr, &permit)
            }
        }
    }

    fn listen(&mut self, this: Resource<NetSocket>, backlog: i32) -> SocketResult<()> {
        let sock = self.table.get_mut(&this)?;
        let permit = self.ctx.guard.listen(sock)?;
        sock.listen(backlog, &permit)
    }

    fn connect(&mut self, this: Resource<NetSocket>, address: SocketAddress) -> SocketResult<()> {
        let addr = NetAddr::try_from(&address)?;
        let sock = self.table.get_mut(&this)?;
        match same_family(sock, addr)? {
            NetAddr::Ip(addr) => {
                let permit = self.ctx.guard.connect(sock, addr)?;
                sock.connect(&permit, &self.ctx.cancel)
            }
            NetAddr::Unix(addr) => {
                let permit = self.ctx.guard.unix(Event::Connect, Verb::Connect, &addr)?;
                sock.connect_unix(&permit, &self.ctx.cancel)
            }
            NetAddr::Netlink { pid, groups } => {
                let permit = self.ctx.guard.netlink_dest(Event::Connect, pid, groups)?;
                sock.connect_netlink(&permit)
            }
            NetAddr::Vsock { cid, port } => {
                let permit = self
                    .ctx
                    .guard
                    .vsock(Event::Connect, Verb::Connect, cid, port)?;
                sock.connect_vsock(&permit, &self.ctx.cancel)
            }
            // Linux's answer: packet and CAN_RAW sockets do not connect.
            NetAddr::Packet(_) | NetAddr::Can(_) => Err(SocketError::os_msg(
                Errno::OPNOTSUPP,
                "an AF_PACKET or AF_CAN socket does not connect (bind it to an interface)",
            )),
        }
    }

    fn recv(
        &mut self,
        this: Resource<NetSocket>,
        bufsize: u64,
        flags: i32,
    ) -> SocketResult<Vec<u8>> {
        let sock = self.table.get(&this)?;
        let buf = &mut self.ctx.scratch;
        let guard = &self.ctx.guard;
        if sock.filters_sources() {
            let mut admit = guard.datagram_filter(sock);
            sock.recv_from(buf, bufsize, flags, &self.ctx.cancel, &mut admit)?;
        } else {
            sock.recv(buf, bufsize, flags, &self.ctx.cancel)?;
        }
        guard.stats().received(buf.len() as u64);
        Ok(buf.as_slice().to_vec())
    }

    fn recv_from(
        &mut self,
        this: Resource<NetSocket>,
        bufsize: u64,
        flags: i32,
    ) -> SocketResult<(Vec<u8>, Option<SocketAddress>)> {
        let sock = self.table.get(&this)?;
        let buf = &mut self.ctx.scratch;
        let guard = &self.ctx.guard;
        let mut admit = guard.datagram_filter(sock);
        let from = sock.recv_from(buf, bufsize, flags, &self.ctx.cancel, &mut admit)?;
        guard.stats().received(buf.len() as u64);
        Ok((buf.as_slice().to_vec(), from.map(SocketAddress::from)))
    }

    fn recvmsg(
        &mut self,
        this: Resource<NetSocket>,
        bufsize: u64,
        ancbufsize: u64,
        flags: i32,
    ) -> SocketResult<Message> {
        let got = {
            let sock = self.table.get(&this)?;
            let guard = &self.ctx.guard;
            let mut admit = guard.datagram_filter(sock);
            sock.recvmsg(bufsize, ancbufsize, flags, &self.ctx.cancel, &mut admit)?
        };
        self.ctx.guard.stats().received(got.data.len() as u64);
        let mut flags = got.flags;
        let mut ancillary = Vec::with_capacity(got.ancillary.len());
        for item in got.ancillary {
            match item {
                msg::ReceivedItem::Data(a) => ancillary.push(AncillaryIn::Item(a.into())),
                msg::ReceivedItem::Rights(fds) => {
                    let mut sockets = Vec::with_capacity(fds.len());
                    for fd in fds {
                        match self.adopt(fd) {
                            Some(s) => sockets.push(s),
                            None => flags |= libc::MSG_CTRUNC,
                        }
                    }
                    // Linux puts no item when it could install no descriptor.
                    if !sockets.is_empty() {
                        ancillary.push(AncillaryIn::Rights(sockets));
                    }
                }
            }
        }
        Ok(Message {
            data: got.data,
            ancillary,
            flags,
            address: got.address.map(SocketAddress::from),
        })
    }

    fn send(&mut self, this: Resource<NetSocket>, data: Vec<u8>, flags: i32) -> SocketResult<u64> {
        self.send_bytes(this, &data, flags)
    }

    fn sendall(
        &mut self,
        this: Resource<NetSocket>,
        data: Vec<u8>,
        flags: i32,
    ) -> SocketResult<()> {
        self.sendall_bytes(this, &data, flags)
    }

    fn send_to(
        &mut self,
        this: Resource<NetSocket>,
        data: Vec<u8>,
        flags: i32,
        address: SocketAddress,
    ) -> SocketResult<u64> {
        self.send_to_bytes(this, &data, flags, address)
    }

    fn sendmsg(
        &mut self,
        this: Resource<NetSocket>,
        buffers: Vec<Vec<u8>>,
        ancillary: Vec<AncillaryOut>,
        flags: i32,
        address: Option<SocketAddress>,
    ) -> SocketResult<u64> {
        let addr = address.as_ref().map(NetAddr::try_from).transpose()?;
        let outgoing = self.outgoing(ancillary)?;
        let sock = self.table.get_mut(&this)?;
        let guard = &self.ctx.guard;
        let (mut ip, mut unix, mut kernel) = (None, None, None);
        let (mut link, mut bound) = (None, None);
        match addr.map(|a| same_family(sock, a)).transpose()? {
            Some(NetAddr::Ip(addr)) => ip = Some(guard.send_to(sock, addr)?),
            Some(NetAddr::Unix(addr)) => {
                unix = Some(guard.unix(Event::SendTo, Verb::Send, &addr)?)
            }
            Some(NetAddr::Netlink { pid, groups }) => {
                kernel = Some(guard.netlink_dest(Event::SendTo, pid, groups)?)
            }
            Some(NetAddr::Vsock { .. }) => return Err(sock.vsock_addressed_send()),
            Some(to @ (NetAddr::Packet(_) | NetAddr::Can(_))) => {
                link = Some((link_to(guard, sock, &to)?, to))
            }
            None => {
                if let Some(l) = sock.link() {
                    bound = Some(link_out(guard, sock, l)?);
                }
            }
        }
        let permit = match (&ip, &unix, &kernel) {
            (Some(p), _, _) => Some(SendPermit::Ip(p)),
            (_, Some(p), _) => Some(SendPermit::Unix(p)),
            (_, _, Some(p)) => Some(SendPermit::Netlink(p)),
            _ => match (&link, &bound) {
                (Some((permit, to)), _) => Some(SendPermit::Link { permit, to }),
                (_, Some(p)) => Some(SendPermit::LinkBound(p)),
                _ => None,
            },
        };
        let slices: Vec<&[u8]> = buffers.iter().map(Vec::as_slice).collect();
        let fds: Vec<Vec<BorrowedFd<'_>>> = outgoing.iter().map(Outgoing::fds).collect();
        let anc: Vec<msg::SendItem<'_>> = outgoing
            .iter()
            .zip(&fds)
            .map(|(item, fds)| item.send_item(fds))
            .collect();
        let sent = sock.sendmsg(&slices, &anc, flags, permit, &self.ctx.cancel)?;
        self.ctx.guard.stats().sent(sent as u64);
        Ok(sent as u64)
    }

    fn shutdown(&mut self, this: Resource<NetSocket>, how: i32) -> SocketResult<()> {
        self.table.get(&this)?.shutdown(how)
    }

    fn dup(&mut self, this: Resource<NetSocket>) -> SocketResult<Resource<NetSocket>> {
        let sock = self.table.get(&this)?;
        let new = open(&self.ctx.guard, 1, || {
            let new = sock.dup()?;
            let facts = (new.family(), new.kind(), new.proto());
            Ok((new, facts))
        })?;
        self.push(new)
    }

    fn getsockname(&mut self, this: Resource<NetSocket>) -> SocketResult<SocketAddress> {
        Ok(self.table.get(&this)?.getsockname()?.into())
    }

    fn getpeername(&mut self, this: Resource<NetSocket>) -> SocketResult<SocketAddress> {
        Ok(self.table.get(&this)?.getpeername()?.into())
    }

    fn getsockopt_int(
        &mut self,
        this: Resource<NetSocket>,
        level: i32,
        name: i32,
    ) -> SocketResult<i32> {
        let sock = self.table.get(&this)?;
        sockopt::getsockopt_int(sock.fd(), sock.family(), sock.kind(), level, name)
    }

    fn getsockopt_bytes(
        &mut self,
        this: Resource<NetSocket>,
        level: i32,
        name: i32,
        buflen: u32,
    ) -> SocketResult<Vec<u8>> {
        let sock = self.table.get(&this)?;
        sockopt::getsockopt_bytes(sock.fd(), sock.family(), sock.kind(), level, name, buflen)
    }

    fn setsockopt(
        &mut self,
        this: Resource<NetSocket>,
        level: i32,
        name: i32,
        value: OptionValue,
    ) -> SocketResult<()> {
        let sock = self.table.get(&this)?;
        let value = match value {
            OptionValue::Int(v) => sockopt::OptionValue::Int(v),
            OptionValue::Bytes(b) => sockopt::OptionValue::Bytes(b),
            OptionValue::None(len) => sockopt::OptionValue::None(len),
        };
        sockopt::setsockopt(sock.fd(), sock.family(), sock.kind(), level, name, &value)
    }

    fn set_timeout(
        &mut self,
        this: Resource<NetSocket>,
        timeout: Option<u64>,
    ) -> wasmtime::Result<()> {
        self.table.get_mut(&this)?.set_mode(mode(timeout));
        Ok(())
    }

    fn get_timeout(&mut self, this: Resource<NetSocket>) -> wasmtime::Result<Option<u64>> {
        let timeout = self.table.get(&this)?.mode().timeout();
        Ok(timeout.map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)))
    }

    fn family(&mut self, this: Resource<NetSocket>) -> wasmtime::Result<AddressFamily> {
        Ok(self.table.get(&this)?.family().into())
    }

    fn kind(&mut self, this: Resource<NetSocket>) -> wasmtime::Result<SocketKind> {
        Ok(self.table.get(&this)?.kind().into())
    }

    fn proto(&mut self, this: Resource<NetSocket>) -> wasmtime::Result<i32> {
        Ok(self.table.get(&this)?.proto())
    }

    fn subscribe(
        &mut self,
        this: Resource<NetSocket>,
        events: PollEvents,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        let readiness = Readiness::new(self.table.get(&this)?, to_poll_flags(events));
        let readiness = self.table.push_child(readiness, &this)?;
        subscribe(self.table, readiness)
    }

    fn drop(&mut self, this: Resource<NetSocket>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        self.ctx.guard.release_sockets(1);
        Ok(())
    }
}

fn to_poll_flags(events: PollEvents) -> wait::PollFlags {
    use wait::PollFlags;
    let mut f = PollFlags::empty();
    if events.contains(PollEvents::READABLE) {
        f |= PollFlags::IN;
    }
    if events.contains(PollEvents::PRIORITY) {
        f |= PollFlags::PRI;
    }
    if events.contains(PollEvents::WRITABLE) {
        f |= PollFlags::OUT;
    }
    f
}

fn from_poll_flags(f: wait::PollFlags) -> PollEvents {
    use wait::PollFlags;
    let mut e = PollEvents::empty();
    for (flag, event) in [
        (PollFlags::IN, PollEvents::READABLE),
        (PollFlags::PRI, PollEvents::PRIORITY),
        (PollFlags::OUT, PollEvents::WRITABLE),
        (PollFlags::ERR, PollEvents::ERROR),
        (PollFlags::HUP, PollEvents::HANGUP),
    ] {
        if f.contains(flag) {
            e |= event;
        }
    }
    e
}

/// The poller: epoll, which the guest's `select.epoll` and `DefaultSelector` wait on.
impl HostPoller for CapsockCtxView<'_> {
    /// `epoll_create1(2)`, in a socket slot of its own (it is a host descriptor too).
    fn create(&mut self) -> SocketResult<Resource<Poller>> {
        self.ctx.guard.take_sockets(1)?;
        let made = Poller::new(&self.ctx.cancel).and_then(|p| Ok(self.table.push(p)?));
        if made.is_err() {
            self.ctx.guard.release_sockets(1);
        }
        made
    }

    fn register(
        &mut self,
        this: Resource<Poller>,
        socket: Resource<NetSocket>,
        events: u32,
        key: u64,
    ) -> SocketResult<()> {
        let sock = self.table.get(&socket)?;
        self.table.get(&this)?.register(sock, events, key)
    }

    fn modify(
        &mut self,
        this: Resource<Poller>,
        socket: Resource<NetSocket>,
        events: u32,
        key: u64,
    ) -> SocketResult<()> {
        let sock = self.table.get(&socket)?;
        self.table.get(&this)?.modify(sock, events, key)
    }

    fn unregister(
        &mut self,
        this: Resource<Poller>,
        socket: Resource<NetSocket>,
    ) -> SocketResult<()> {
        let sock = self.table.get(&socket)?;
        self.table.get(&this)?.unregister(sock)
    }

    fn wait(
        &mut self,
        this: Resource<Poller>,
        timeout: Option<u64>,
        max_events: u32,
    ) -> SocketResult<Vec<Ready>> {
        let poller = self.table.get_mut(&this)?;
        let timeout = timeout.map(Duration::from_nanos);
        let ready = poller.wait(timeout, max_events, &self.ctx.cancel)?;
        Ok(ready
            .into_iter()
            .map(|(key, events)| Ready { key, events })
            .collect())
    }

    fn drop(&mut self, this: Resource<Poller>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        self.ctx.guard.release_sockets(1);
        Ok(())
    }
}

impl Host for CapsockCtxView<'_> {
    fn socketpair(
        &mut self,
        family: AddressFamily,
        kind: SocketKind,
        proto: i32,
        timeout: Option<u64>,
    ) -> SocketResult<(Resource<NetSocket>, Resource<NetSocket>)> {
        let family = Family::try_from(family)?;
        let kind = Kind::try_from(kind)?;
        let (a, b) = open(&self.ctx.guard, 2, || {
            let pair = NetSocket::pair(family, kind, proto, mode(timeout))?;
            Ok((pair, (family, kind, proto)))
        })?;
        let a = self.push(a)?;
        let b = self.push(b)?;
        Ok((a, b))
    }

    /// `poll(2)` on the requested sockets, ended early by the canceller.
    fn poll(
        &mut self,
        requests: Vec<PollRequest>,
        timeout: Option<u64>,
    ) -> SocketResult<Vec<PollEvents>> {
        let mut fds = Vec::with_capacity(requests.len());
        for req in &requests {
            let sock = self.table.get(&req.socket)?;
            fds.push((sock.fd(), to_poll_flags(req.events)));
        }
        let timeout = timeout.map(Duration::from_nanos);
        let ready = wait::poll_many(&fds, timeout, &self.ctx.cancel)?;
        Ok(ready.into_iter().map(from_poll_flags).collect())
    }
}
